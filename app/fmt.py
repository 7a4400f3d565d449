"""pt-BR (and en) number, money, percent and date formatting for the app and the report.

Everything the user sees goes through here so a number always looks the same:
`brl(1234.56)` -> "R$ 1.234,56", `pct(0.0512)` -> "5,1%", `number(12345)` -> "12.345".
Missing values (None, NaN, NaT) render as an em dash.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

MISSING = "—"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes are not "missing"
        return False


def _group(text: str, sep: str) -> str:
    """Insert thousands separators into a string of digits."""
    head = len(text) % 3 or 3
    parts = [text[:head]] + [text[i : i + 3] for i in range(head, len(text), 3)]
    return sep.join(parts)


def number(value: Any, decimals: int = 0, lang: str = "pt") -> str:
    """12345.678 -> "12.345,68" (pt) / "12,345.68" (en) with `decimals` places."""
    if _is_missing(value):
        return MISSING
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    thousands, decimal_mark = (".", ",") if lang == "pt" else (",", ".")
    text = f"{abs(value):.{decimals}f}"
    integer, _, fraction = text.partition(".")
    out = _group(integer, thousands)
    if decimals > 0:
        out += decimal_mark + fraction
    negative = value < 0 and any(ch not in "0" for ch in integer + fraction)
    return ("-" if negative else "") + out


def count(value: Any, singular: str, plural: str, lang: str = "pt") -> str:
    """A count with its noun in the right number: 1 -> "1 cliente", 2 -> "2 clientes"."""
    if _is_missing(value):
        return MISSING
    return f"{number(value, 0, lang)} {singular if abs(float(value)) == 1 else plural}"


def brl(value: Any, decimals: int = 2, lang: str = "pt") -> str:
    """1234.56 -> "R$ 1.234,56"; -10 -> "-R$ 10,00". Always reais, whatever the language."""
    if _is_missing(value):
        return MISSING
    text = number(value, decimals, lang)
    if text.startswith("-"):
        return "-R$ " + text[1:]
    return "R$ " + text


def brl_compact(value: Any, lang: str = "pt") -> str:
    """Short money for KPI cards: 1_234_567 -> "R$ 1,23 mi" (pt) / "R$ 1.23M" (en)."""
    if _is_missing(value):
        return MISSING
    value = float(value)
    steps = [(1e9, "bi", "B"), (1e6, "mi", "M"), (1e3, "mil", "k")]
    for size, pt_suffix, en_suffix in steps:
        if abs(value) >= size:
            text = number(value / size, 2, lang)
            sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
            suffix = f" {pt_suffix}" if lang == "pt" else en_suffix
            return f"{sign}R$ {text}{suffix}"
    return brl(value, 2, lang)


def brl_card(value: Any, lang: str = "pt") -> str:
    """Money for a KPI card: full "R$ 1.234.567,89" below ten million, compact "R$ 12,35 mi" above."""
    if _is_missing(value):
        return MISSING
    return brl(value, 2, lang) if abs(float(value)) < 1e7 else brl_compact(value, lang)


def pct(value: Any, decimals: int = 1, lang: str = "pt", signed: bool = False) -> str:
    """A ratio as percent: 0.0512 -> "5,1%"; signed=True adds "+" to positives."""
    if _is_missing(value):
        return MISSING
    text = number(float(value) * 100, decimals, lang)
    if signed and not text.startswith("-") and float(value) != 0:
        text = "+" + text
    return text + "%"


def ratio(value: Any, decimals: int = 2, lang: str = "pt") -> str:
    """A plain multiple such as the quick ratio: 2.5 -> "2,50x"."""
    if _is_missing(value):
        return MISSING
    return number(value, decimals, lang) + "x"


def day(value: Any, lang: str = "pt") -> str:
    """A date as dd/mm/aaaa (pt) or yyyy-mm-dd (en)."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, date):
        raise TypeError(f"day() expects a date, got {type(value).__name__}: {value!r}")
    return value.strftime("%d/%m/%Y" if lang == "pt" else "%Y-%m-%d")


def age(hours: Any, lang: str = "pt") -> str:
    """How long ago, from hours: 0.4 -> "há 24 min", 5 -> "há 5,0 h", 60 -> "há 2,5 dias"."""
    if _is_missing(hours):
        return MISSING
    hours = max(0.0, float(hours))
    if hours < 1:
        text = f"{number(hours * 60, 0, lang)} min"
    elif hours < 48:
        text = f"{number(hours, 1, lang)} h"
    else:
        text = f"{number(hours / 24, 1, lang)} " + ("dias" if lang == "pt" else "days")
    return f"há {text}" if lang == "pt" else f"{text} ago"


LOCAL_TIMEZONE = ZoneInfo("America/Sao_Paulo")  # the CS team's clock (times are stored in UTC)


def timestamp(value: Any, lang: str = "pt") -> str:
    """A timestamp (naive = UTC) in São Paulo time: "dd/mm/aaaa hh:mm (Brasília)" (pt), yyyy-mm-dd (en)."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    pattern = "%d/%m/%Y %H:%M" if lang == "pt" else "%Y-%m-%d %H:%M"
    return value.astimezone(LOCAL_TIMEZONE).strftime(pattern) + " (Brasília)"


def cnpj(value: Any) -> str:
    """14 digits as 12.345.678/0001-90; anything else as it is (a bad CNPJ is shown, not hidden)."""
    if _is_missing(value):
        return MISSING
    digits = "".join(c for c in str(value) if c.isdigit())
    if len(digits) != 14:
        return str(value)
    return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"


_PT_MONTHS = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]
_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month(value: Any, lang: str = "pt") -> str:
    """A month as "mar/2025" (pt) or "Mar 2025" (en)."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if lang == "pt":
        return f"{_PT_MONTHS[value.month - 1]}/{value.year}"
    return f"{_EN_MONTHS[value.month - 1]} {value.year}"
