"""The feature spec: one YAML file that says which column plays which role.

The trainer, scorer and explanations only ever look at columns through a
`FeatureSpec`, so the same code trains on any customer table that fits a spec.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

DEFAULT_SPEC_PATH = Path(__file__).with_name("feature_spec.yml")


class SpecError(ValueError):
    """The spec file, or a table checked against it, is not usable; the message says why."""


@dataclass(frozen=True)
class FeatureSpec:
    id_column: str
    time_column: str
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

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def required_columns(self) -> list[str]:
        cols = [self.id_column, self.time_column, self.label_column, *self.features]
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
    for key in ("id_column", "time_column", "label_column"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SpecError(f"feature spec {path}: key '{key}' is required (a column name)")
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
    roles = {raw["id_column"], raw["time_column"], raw["label_column"]}
    clash = sorted(roles & set(features))
    if clash:
        raise SpecError(f"feature spec {path}: id/time/label columns cannot be features: {clash}")
    tiers = raw.get("risk_tiers") or {"alto": 0.3, "médio": 0.12, "baixo": 0.0}
    tier_items = sorted(((str(k), float(v)) for k, v in tiers.items()), key=lambda t: -t[1])
    if tier_items[-1][1] != 0.0:
        raise SpecError(f"feature spec {path}: the lowest risk tier must start at 0.0")
    baseline = raw.get("baseline_score") or {}
    derived = _derived(raw.get("derived") or {}, numeric, set(features) | roles, path)
    return FeatureSpec(
        id_column=raw["id_column"],
        time_column=raw["time_column"],
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
        derived=derived,
    )


def _derived(raw: dict, numeric: list[str], taken: set[str], path: Path) -> tuple[tuple, ...]:
    """Check the `derived` section: {name: {ratio: [a, b]} | {at_most | above: [a, value]}}."""
    from ml.features import KINDS

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
    try:
        out[spec.time_column] = to_naive_datetime(out[spec.time_column])
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{source}: column '{spec.time_column}' must hold dates: {exc}") from exc
    out = coerce_features(out, spec, source, copy=False)
    if require_label and spec.label_column in out:
        label = pd.to_numeric(out[spec.label_column], errors="coerce")
        complete = _label_complete(out, spec)
        bad = complete & ~label.isin([0, 1])
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise SpecError(
                f"{source}: label '{spec.label_column}' must be 0 or 1 on label-complete rows; "
                f"row {row} has {out[spec.label_column].iloc[row]!r}"
            )
        out[spec.label_column] = label
    return out


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


def coerce_features(frame: pd.DataFrame, spec: FeatureSpec, source: str, copy: bool = True) -> pd.DataFrame:
    """Numeric features as float, categorical as str (missing stays missing); errors name row/column."""
    missing = [c for c in spec.features if c not in frame.columns]
    if missing:
        raise SpecError(f"{source}: feature columns {missing} are missing")
    out = frame.copy() if copy else frame
    for col in spec.numeric:
        if pd.api.types.is_float_dtype(out[col].dtype):
            if out[col].dtype != np.float64:
                out[col] = out[col].astype("float64")
            continue
        converted = pd.to_numeric(out[col], errors="coerce")
        bad = converted.isna() & out[col].notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise SpecError(
                f"{source}: numeric feature '{col}' has a non-numeric value {out[col].iloc[row]!r} "
                f"at row {row}; expected a number or null"
            )
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
