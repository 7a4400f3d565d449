"""The cleaning spec (cs_ops_dbt/macros/cleaning/_cleaning__macros.yml) written once more, in
Python, as the reference the property tests hold the SQL macros to: for a text, the one
reading the spec allows, or None with the problem ('missing', 'ambiguous', 'invalid').
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

Reading = tuple[object | None, str | None]


def clean_text(text: str | None) -> str | None:
    """Cf characters out, every other space or control character one space, trimmed."""
    if text is None:
        return None
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    spaced = "".join(" " if unicodedata.category(ch) in {"Zs", "Zl", "Zp", "Cc"} else ch for ch in kept)
    collapsed = re.sub(" +", " ", spaced).strip(" ")
    return collapsed or None


def money(text: str | None) -> Reading:
    cleaned = clean_text(text)
    if cleaned is None:
        return None, "missing"
    match = re.fullmatch(r"(-(R\$ ?)?|(R\$ ?)?-?)([0-9][0-9.,]*)", cleaned)
    if not match or len(re.sub("[.,]", "", match.group(4))) > 15:
        return None, "invalid"
    number = match.group(4)
    readings = set()
    if re.fullmatch(r"([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?", number):
        readings.add(Decimal(number.replace(".", "").replace(",", ".")))
    if re.fullmatch(r"([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?", number):
        readings.add(Decimal(number.replace(",", "")))
    if len(readings) > 1:
        return None, "ambiguous"
    if not readings:
        return None, "invalid"
    value = readings.pop()
    if value != value.quantize(Decimal("0.01")):
        return None, "invalid"
    return (-value if "-" in cleaned else value), None


DATE_FORMS = [
    (r"([0-9]{1,2})/([0-9]{1,2})/([1-9][0-9]{3})", ("d", "m", "y")),
    (r"([1-9][0-9]{3})-([0-9]{1,2})-([0-9]{1,2})", ("y", "m", "d")),
]
TIME = r"[ T]([0-9]{1,2}):([0-9]{2}):([0-9]{2})"


def timestamp(text: str | None) -> Reading:
    cleaned = clean_text(text)
    if cleaned is None:
        return None, "missing"
    if re.fullmatch(r"[0-9]{9,10}", cleaned):
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(cleaned)), None
    for pattern, order in DATE_FORMS:
        for with_time in (False, True):
            match = re.fullmatch(pattern + (TIME if with_time else ""), cleaned)
            if not match:
                continue
            parts = dict(zip(order, map(int, match.groups()[:3]), strict=True))
            clock = tuple(map(int, match.groups()[3:])) or (0, 0, 0)
            try:
                return dt.datetime(parts["y"], parts["m"], parts["d"], *clock), None
            except ValueError:
                return None, "invalid"
    return None, "invalid"


NULL_WORDS = {"null", "none", "nan", "nil", "undefined"}


def identifier(text: str | None, max_digits: int = 18) -> Reading:
    cleaned = clean_text(text)
    if cleaned is None or cleaned.lower() in NULL_WORDS:
        return None, "missing"
    if not re.fullmatch(r"[A-Za-z0-9]+([._-][A-Za-z0-9]+)*", cleaned):
        return None, "invalid"
    if re.search(r"(^|[^0-9])0+$", cleaned) or re.search(f"[0-9]{{{max_digits + 1}}}", cleaned):
        return None, "invalid"
    return cleaned, None


def enum_key(text: str | None) -> str | None:
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    decomposed = unicodedata.normalize("NFD", cleaned)
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M")).lower()


def enum(text: str | None, mapping: dict[str, str]) -> Reading:
    key = enum_key(text)
    if key is None:
        return None, "missing"
    return (mapping[key], None) if key in mapping else (None, "invalid")


def module_list(text: str | None, mapping: dict[str, str]) -> Reading:
    key = enum_key(text)
    if key is None:
        return None, "missing"
    items = re.split(" ?; ?", key)
    if not all(item in mapping for item in items):
        return None, "invalid"
    return ";".join(mapping[item] for item in items), None


def module_count(text: str | None, mapping: dict[str, str]) -> int | None:
    """Distinct modules of a list (a module named twice is licensed once); None when unknown."""
    modules, _ = module_list(text, mapping)
    return None if modules is None else len(set(modules.split(";")))
