"""CSV exports that a spreadsheet opens as data, never as formulas.

OWASP's CSV injection guidance: a text cell that begins with `=`, `+`, `-`, `@`, a tab or
a carriage return may be run as a formula by Excel or LibreOffice, so it is prefixed with
a single quote (shown as text, not evaluated). Numbers stay numbers: only text cells are
touched, so -12,5 in a numeric column is still a number.
Format for pt-BR Excel: UTF-8 with BOM, ';' separator, decimal comma, CRLF line ends (so
a cell holding a carriage return is quoted, not read as a new row).
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text (object/string) column neutralised; numeric columns untouched."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def to_csv(frame: pd.DataFrame, float_format: str = "%.4f") -> bytes:
    """The CSV bytes of a frame for pt-BR Excel, formula-safe."""
    return (
        safe_frame(frame)
        .to_csv(index=False, sep=";", decimal=",", float_format=float_format, lineterminator="\r\n")
        .encode("utf-8-sig")
    )
