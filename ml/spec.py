"""The feature spec: one YAML file that says which column plays which role.

The trainer, scorer and explanations only ever look at columns through a
`FeatureSpec`, so the same code trains on any customer table that fits a spec.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ml.features import KINDS

DEFAULT_SPEC_PATH = Path(__file__).with_name("feature_spec.yml")
SPLITS = ("time", "random", "grouped")
# label text accepted for churn (1) and stay (0), compared lower-case and trimmed
LABEL_TRUE = ("1", "1.0", "yes", "y", "true", "t", "sim", "s")
LABEL_FALSE = ("0", "0.0", "no", "n", "false", "f", "não", "nao")


class SpecError(ValueError):
    """The spec file, or a table checked against it, is not usable; the message says why."""


@dataclass(frozen=True)
class FeatureSpec:
    id_column: str
    time_column: str | None
    label_column: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    name: str = "churn"
    table: str | None = None
    label_complete_column: str | None = None
    horizon_days: int = 90
    value_column: str | None = None
    baseline_column: str | None = None
    baseline_higher_is_riskier: bool = True
    risk_tiers: tuple[tuple[str, float], ...] = (("alto", 0.3), ("médio", 0.12), ("baixo", 0.0))
    descriptions: dict[str, str] = field(default_factory=dict)
    # features computed row by row inside the Pipeline: (name, kind, column, column or value)
    derived: tuple[tuple, ...] = ()
    # "time": out-of-time split on time_column; "random"/"grouped": stratified holdout (grouped by id)
    split: str = "time"
    # what a CSM can move, with the direction that raises risk (+1 more raises it, -1 more lowers it,
    # 0 no known direction); every other feature is context. Empty = every feature may be a driver.
    levers: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # short pt-BR names for people

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    @property
    def driver_features(self) -> list[str]:
        """The features the drivers and the simulator talk about: the levers, or every feature."""
        return [c for c in self.features if c in self.levers] if self.levers else self.features

    @property
    def context_features(self) -> list[str]:
        return [c for c in self.features if c not in self.driver_features]

    @property
    def is_time_split(self) -> bool:
        return self.split == "time"

    def required_columns(self) -> list[str]:
        cols = [self.id_column, *([self.time_column] if self.time_column else []), self.label_column]
        cols += self.features
        for optional in (self.label_complete_column, self.value_column, self.baseline_column):
            if optional and optional not in cols:
                cols.append(optional)
        return cols

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["numeric"] = list(self.numeric)
        data["categorical"] = list(self.categorical)
        data["risk_tiers"] = [list(t) for t in self.risk_tiers]
        data["derived"] = [list(d) for d in self.derived]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        data = dict(data)
        data["numeric"] = tuple(data.get("numeric") or ())
        data["categorical"] = tuple(data.get("categorical") or ())
        data["risk_tiers"] = tuple((str(k), float(v)) for k, v in data.get("risk_tiers") or ())
        data["derived"] = tuple(tuple(d) for d in data.get("derived") or ())
        data["levers"] = {str(k): int(v) for k, v in (data.get("levers") or {}).items()}
        return cls(**data)

    def risk_tier(self, probability: pd.Series) -> pd.Series:
        """Map probabilities to the tier names (cut-offs are `>=`, highest first)."""
        tiers = pd.Series(self.risk_tiers[-1][0], index=probability.index, dtype=object)
        for name, cutoff in reversed(self.risk_tiers[:-1]):
            tiers[probability >= cutoff] = name
        return tiers


def load_spec(path: str | Path | None = None) -> FeatureSpec:
    """Read and check a spec file; errors name the file and the key."""
    path = Path(path) if path else DEFAULT_SPEC_PATH
    if not path.is_file():
        raise SpecError(f"feature spec {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SpecError(f"feature spec {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SpecError(f"feature spec {path} must be a mapping of keys, got {type(raw).__name__}")
    for key in ("id_column", "label_column"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SpecError(f"feature spec {path}: key '{key}' is required (a column name)")
    time_column = raw.get("time_column") or None
    split = str(raw.get("split") or ("time" if time_column else "grouped"))
    if split not in SPLITS:
        raise SpecError(f"feature spec {path}: 'split' must be one of {list(SPLITS)}, got {split!r}")
    if split == "time" and not time_column:
        raise SpecError(
            f"feature spec {path}: 'split: time' needs a 'time_column' (the snapshot date); a table with "
            "one row per customer and no dates: leave 'time_column' out or set 'split: grouped'"
        )
    numeric = raw.get("numeric") or []
    categorical = raw.get("categorical") or []
    if not isinstance(numeric, list) or not isinstance(categorical, list):
        raise SpecError(f"feature spec {path}: 'numeric' and 'categorical' must be lists of column names")
    if not numeric and not categorical:
        raise SpecError(f"feature spec {path}: list at least one feature under 'numeric' or 'categorical'")
    features = [*numeric, *categorical]
    duplicates = sorted({c for c in features if features.count(c) > 1})
    if duplicates:
        raise SpecError(f"feature spec {path}: columns listed twice: {duplicates}")
    roles = {raw["id_column"], raw["label_column"]} | ({time_column} if time_column else set())
    clash = sorted(roles & set(features))
    if clash:
        raise SpecError(f"feature spec {path}: id/time/label columns cannot be features: {clash}")
    tiers = raw.get("risk_tiers") or {"alto": 0.3, "médio": 0.12, "baixo": 0.0}
    tier_items = sorted(((str(k), float(v)) for k, v in tiers.items()), key=lambda t: -t[1])
    if tier_items[-1][1] != 0.0:
        raise SpecError(f"feature spec {path}: the lowest risk tier must start at 0.0")
    baseline = raw.get("baseline_score") or {}
    derived = _derived(raw.get("derived") or {}, numeric, set(features) | roles, path)
    levers = _levers(raw.get("levers") or {}, features, path)
    return FeatureSpec(
        id_column=raw["id_column"],
        time_column=time_column,
        label_column=raw["label_column"],
        numeric=tuple(numeric),
        categorical=tuple(categorical),
        name=str(raw.get("name") or path.stem),
        table=raw.get("table"),
        label_complete_column=raw.get("label_complete_column"),
        horizon_days=int(raw.get("horizon_days") or 90),
        value_column=raw.get("value_column"),
        baseline_column=baseline.get("column"),
        baseline_higher_is_riskier=bool(baseline.get("higher_is_riskier", True)),
        risk_tiers=tuple(tier_items),
        descriptions=dict(raw.get("descriptions") or {}),
        labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
        derived=derived,
        split=split,
        levers=levers,
    )


PLURAL = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")


def fill_template(template: str, value: Any, ref: Any) -> str:
    """A driver text from its template: `{value}` / `{ref}` with Python format specs, and
    `[one|many]` for the words that follow the value's number (`[dia|dias]`): the first when
    the value shows as 1, else the second."""
    one = isinstance(value, int | float | np.number) and round(abs(float(value))) == 1
    return PLURAL.sub(lambda m: m.group(1 if one else 2), template).format(value=value, ref=ref)


@lru_cache(maxsize=1)
def default_context_features() -> frozenset[str]:
    """The default spec's features that are not levers (segment, size, UF, plan, MRR, seats, tenure,
    renewal date...): context nobody acts on. For readers of drivers saved without a `lever` flag."""
    return frozenset(load_spec().context_features)


def _levers(raw: dict, features: list[str], path: Path) -> dict[str, int]:
    """Check the `levers` section: {feature: +1 | -1 | 0} (the direction that raises risk)."""
    if not isinstance(raw, dict):
        raise SpecError(f"feature spec {path}: 'levers' must map feature names to +1, -1 or 0")
    unknown = [c for c in raw if c not in features]
    if unknown:
        raise SpecError(f"feature spec {path}: levers {unknown} are not features of the spec")
    bad = {c: v for c, v in raw.items() if v not in (-1, 0, 1)}
    if bad:
        raise SpecError(
            f"feature spec {path}: lever directions must be +1 (more raises risk), -1 (more lowers it) or "
            f"0 (unknown), got {bad}"
        )
    return {str(c): int(v) for c, v in raw.items()}


def _derived(raw: dict, numeric: list[str], taken: set[str], path: Path) -> tuple[tuple, ...]:
    """Check the `derived` section: {name: {ratio: [a, b]} | {at_most | above: [a, value]}}."""
    if not isinstance(raw, dict):
        raise SpecError(f"feature spec {path}: 'derived' must map names to {{kind: [column, ...]}}")
    out = []
    for name, definition in raw.items():
        where = f"feature spec {path}: derived feature '{name}'"
        if name in taken:
            raise SpecError(f"{where} clashes with a column of the spec")
        if not isinstance(definition, dict) or len(definition) != 1:
            raise SpecError(f"{where} must be one of {list(KINDS)} with two arguments, got {definition!r}")
        kind, args = next(iter(definition.items()))
        if kind not in KINDS or not isinstance(args, list) or len(args) != 2:
            raise SpecError(f"{where} must be one of {list(KINDS)} with two arguments, got {definition!r}")
        needs = args if kind == "ratio" else args[:1]
        unknown = [c for c in needs if c not in numeric]
        if unknown:
            raise SpecError(f"{where} uses {unknown}, which are not numeric features of the spec")
        if kind != "ratio":
            try:
                args = [args[0], float(args[1])]
            except (TypeError, ValueError) as exc:
                raise SpecError(f"{where}: {kind} needs a number as second argument") from exc
        out.append((str(name), kind, *args))
    return tuple(out)


def prepare_frame(
    frame: pd.DataFrame, spec: FeatureSpec, source: str, require_label: bool = True
) -> pd.DataFrame:
    """Check a table against the spec and normalise types.

    Raises SpecError naming the source, the column and what was expected.
    Returns a copy with the time column as datetime64, numerics as float and
    categoricals as strings (missing stays missing: the pipeline imputes).
    """
    needed = spec.required_columns()
    if not require_label:
        needed = [c for c in needed if c not in (spec.label_column, spec.label_complete_column)]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SpecError(
            f"{source}: columns {missing} required by the feature spec are missing "
            f"(table has {sorted(frame.columns)[:30]})"
        )
    out = frame.copy()
    if spec.time_column:
        try:
            out[spec.time_column] = to_naive_datetime(out[spec.time_column])
        except (ValueError, TypeError) as exc:
            raise SpecError(f"{source}: column '{spec.time_column}' must hold dates: {exc}") from exc
    report: dict = {}
    out = coerce_features(out, spec, source, copy=False, report=report)
    if require_label and spec.label_column in out:
        out[spec.label_column] = parse_label(out[spec.label_column], _label_complete(out, spec), spec, source)
        missing = int(out[spec.label_column].isna().sum())
        if missing:
            report[spec.label_column] = {"blank_label_rows_left_out": missing}
    out.attrs["input_report"] = report
    return out


def parse_label(values: pd.Series, complete: pd.Series, spec: FeatureSpec, source: str) -> pd.Series:
    """0/1 from numbers or text (yes/no, true/false, sim/não, 1/0; any case); blank = unknown (NaN).

    A label-complete row with any other value stops with the row, the value and what to write."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values.dtype):
        label = values.astype(float)
        bad = complete & label.notna() & ~label.isin([0, 1])
    else:
        raw = values.astype("string").str.strip().str.lower()
        text = pd.Series(raw.mask(raw == "").to_numpy(dtype=object, na_value=np.nan), index=values.index)
        label = pd.Series(np.nan, index=values.index)
        label[text.isin(LABEL_TRUE).to_numpy()] = 1.0
        label[text.isin(LABEL_FALSE).to_numpy()] = 0.0
        bad = complete & text.notna() & label.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise SpecError(
            f"{source}: label '{spec.label_column}' row {row} has {values.iloc[row]!r}; write 1/0, yes/no, "
            "true/false or sim/não (blank = unknown: the row is left out), or fix the value "
            f"({int(bad.sum())} rows like it)"
        )
    return label


def to_naive_datetime(values: pd.Series) -> pd.Series:
    """Dates/timestamps from any backend (DuckDB date, BigQuery DATE/TIMESTAMP, text) as naive datetime64."""
    try:
        ts = pd.to_datetime(values)
    except (ValueError, TypeError):
        ts = pd.to_datetime(values.astype(str))
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts.astype("datetime64[ns]")


def _label_complete(frame: pd.DataFrame, spec: FeatureSpec) -> pd.Series:
    if spec.label_complete_column and spec.label_complete_column in frame:
        return frame[spec.label_complete_column].fillna(False).astype(bool)
    return pd.Series(True, index=frame.index)


def label_complete_mask(frame: pd.DataFrame, spec: FeatureSpec) -> pd.Series:
    """Rows whose label is fully observed (the only rows used to train and evaluate)."""
    return _label_complete(frame, spec) & frame[spec.label_column].notna()


def coerce_features(
    frame: pd.DataFrame, spec: FeatureSpec, source: str, copy: bool = True, report: dict | None = None
) -> pd.DataFrame:
    """Numeric features as float, categorical as str (missing stays missing); errors name row/column.

    Numbers stored as text are converted; blank text ('', ' ') counts as missing and is reported in
    `report` ({column: {"text_converted": n, "blank_as_missing": n}}); any other text stops."""
    missing = [c for c in spec.features if c not in frame.columns]
    if missing:
        raise SpecError(f"{source}: feature columns {missing} are missing")
    out = frame.copy() if copy else frame
    for col in spec.numeric:
        if pd.api.types.is_float_dtype(out[col].dtype):
            if out[col].dtype != np.float64:
                out[col] = out[col].astype("float64")
            continue
        values = out[col]
        blank = np.zeros(len(values), dtype=bool)
        if not pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            text = values.astype("string").str.strip()
            blank = (text == "").fillna(False).to_numpy()
            values = pd.Series(text.mask(blank).to_numpy(dtype=object, na_value=np.nan), index=values.index)
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise SpecError(
                f"{source}: numeric feature '{col}' has a non-numeric value {out[col].iloc[row]!r} "
                f"at row {row} ({int(bad.sum())} rows like it); write a number with a dot as decimal "
                "separator, leave it blank for unknown, or move the column to 'categorical' in the spec"
            )
        if report is not None and not pd.api.types.is_numeric_dtype(out[col].dtype):
            report[col] = {
                "text_converted": int(converted.notna().sum()),
                "blank_as_missing": int(blank.sum()),
            }
        out[col] = converted.astype("float64")
    for col in spec.categorical:
        values = out[col]
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            if values.isna().any():  # None -> NaN: SimpleImputer/OrdinalEncoder treat NaN as missing
                out[col] = values.where(values.notna(), np.nan)
            continue
        missing_mask = values.isna().to_numpy()
        as_text = values.astype(str).astype(object)
        as_text[missing_mask] = np.nan  # SimpleImputer treats NaN (not None) as missing
        out[col] = as_text
    return out
