"""Generator options and their validation (all checks run before anything is written)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

DEFAULTS = {
    "customers": 2000,
    "months": 24,
    "start": "2024-01",
    "seed": 42,
    "dirt_rate": 0.03,
    "usage_scale": 1.0,
}
# options that shape the data: saved with the run, must match on --continue
RUN_KEYS = ("customers", "start", "seed", "dirt_rate", "usage_scale")
MAX_CUSTOMERS = 200_000  # ids CLI-900000.. are reserved for orphan foreign keys
MAX_MONTHS = 240
MAX_DIRT_RATE = 0.3
MAX_USAGE_SCALE = 100.0
GENERATOR_VERSION = "2"  # 2: suspensions, inactive users, pre-history churners, --usage-scale


class GeneratorError(ValueError):
    """Bad options or an incompatible data dir; the message says what to change."""


@dataclass(frozen=True)
class GeneratorOptions:
    customers: int | None = None  # initial customer base (None = default, or the saved run's value)
    months: int | None = None  # months (batches) to simulate in this call
    start: str | None = None  # first simulated month, YYYY-MM
    seed: int | None = None
    dirt_rate: float | None = None  # share of rows with an injected defect, per table
    usage_scale: float | None = None  # multiplies usage events per active user (1.0 = default volume)
    data_dir: Path | str | None = None  # default: get_settings().data_dir
    continue_run: bool = False  # append `months` batches to the saved history
    overwrite: bool = False  # replace another run's data
    quiet: bool = False

    @classmethod
    def from_any(cls, options: GeneratorOptions | dict | None = None, **overrides) -> GeneratorOptions:
        if options is None:
            options = {}
        if isinstance(options, GeneratorOptions):
            options = asdict(options)
        merged = {**options, **overrides}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(merged) - known)
        if unknown:
            raise GeneratorError(
                f"unknown generator option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**merged)


def parse_start(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(text).strip())
    if not match:
        raise GeneratorError(f"--start {text!r} is not a month in the format YYYY-MM (e.g. 2024-01)")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise GeneratorError(f"--start {text!r}: month {month} is not between 01 and 12")
    if not 2000 <= year <= 2090:
        raise GeneratorError(f"--start {text!r}: year must be between 2000 and 2090")
    return year, month


def _int(name: str, value, low: int, high: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int,))
        and not (isinstance(value, str) and value.strip().lstrip("-").isdigit())
    ):
        raise GeneratorError(f"--{name.replace('_', '-')} {value!r} is not a whole number")
    value = int(value)
    if not low <= value <= high:
        raise GeneratorError(f"--{name.replace('_', '-')} {value} is out of range: use {low}..{high}")
    return value


def check_values(customers, months, start, seed, dirt_rate, usage_scale=1.0) -> dict:
    """Validate resolved values; returns them normalised."""
    out = {
        "customers": _int("customers", customers, 1, MAX_CUSTOMERS),
        "months": _int("months", months, 1, MAX_MONTHS),
        "start": "{:04d}-{:02d}".format(*parse_start(start)),
        "seed": _int("seed", seed, 0, 2**32 - 1),
    }
    try:
        rate = float(dirt_rate)
    except (TypeError, ValueError):
        raise GeneratorError(f"--dirt-rate {dirt_rate!r} is not a number") from None
    if not 0.0 <= rate <= MAX_DIRT_RATE or rate != rate:
        raise GeneratorError(
            f"--dirt-rate {dirt_rate} is out of range: use 0..{MAX_DIRT_RATE} (0.03 = 3% of rows)"
        )
    out["dirt_rate"] = rate
    try:
        scale = float(usage_scale)
    except (TypeError, ValueError):
        raise GeneratorError(f"--usage-scale {usage_scale!r} is not a number") from None
    if not 0.0 < scale <= MAX_USAGE_SCALE or scale != scale:
        raise GeneratorError(
            f"--usage-scale {usage_scale} is out of range: use a number > 0 and <= {MAX_USAGE_SCALE:g} "
            "(1.0 = default usage volume, 0.25 = a quarter of the usage events)"
        )
    out["usage_scale"] = scale
    return out
