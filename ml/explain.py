"""Explanations that come from the model itself.

Per customer: what-if deltas. For each feature we ask the fitted, calibrated model
"what would this customer's churn probability be if this one feature had the
reference value (training median / most frequent category)?". The difference is the
feature's contribution, with a sign (positive = raises risk vs the reference). The
top drivers are the largest |deltas|, described in pt-BR from the spec's templates.

Global: permutation importance (drop in ROC AUC when one column is shuffled) on the
validation rows.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from ml.spec import FeatureSpec

MIN_DELTA = 0.002  # contributions smaller than 0.2 percentage points are not shown


def reference_values(frame: pd.DataFrame, spec: FeatureSpec) -> dict:
    """The 'typical customer' values used as the what-if reference (from training rows)."""
    ref: dict = {}
    for col in spec.numeric:
        med = frame[col].median()
        ref[col] = None if pd.isna(med) else float(med)
    for col in spec.categorical:
        mode = frame[col].dropna().mode()
        ref[col] = None if mode.empty else str(mode.iloc[0])
    return ref


def what_if_deltas(
    model, frame: pd.DataFrame, spec: FeatureSpec, reference: dict, chunk_rows: int = 50_000
) -> tuple[np.ndarray, np.ndarray]:
    """Return (probability, deltas[n_rows, n_features]); delta = p - p(feature := reference).

    All what-if variants of a chunk of rows are stacked into one frame and scored with a
    single predict_proba call (row i with feature j set to its reference, for every (i, j)
    where the value differs from the reference; equal values have delta 0 by definition).
    """
    features = spec.features
    n = len(frame)
    base = np.empty(n)
    deltas = np.zeros((n, len(features)))
    columns = {c: frame[c].to_numpy() for c in features}
    for start in range(0, n, chunk_rows):
        stop = min(n, start + chunk_rows)
        part = {c: v[start:stop] for c, v in columns.items()}
        variants: list[tuple[int, np.ndarray]] = []
        for j, col in enumerate(features):
            ref = reference.get(col)
            values = part[col]
            # missing differs from a known reference (NaN != ref); a missing reference means "missing"
            differs = ~pd.isna(values) if ref is None else np.asarray(values != ref, dtype=bool)
            rows = np.flatnonzero(differs)
            if len(rows):
                variants.append((j, rows))
        sizes = [len(rows) for _, rows in variants]
        stacked = {}
        for col in features:
            values = part[col]
            pieces = [values]
            for j, rows in variants:
                if features[j] == col:
                    ref = reference.get(col)
                    fill = np.nan if ref is None else ref
                    pieces.append(np.full(len(rows), fill, dtype=values.dtype if ref is not None else float))
                else:
                    pieces.append(values[rows])
            stacked[col] = np.concatenate(pieces) if len(pieces) > 1 else values
        probability = model.predict_proba(pd.DataFrame(stacked, columns=features))[:, 1]
        m = stop - start
        base[start:stop] = probability[:m]
        offset = m
        for (j, rows), size in zip(variants, sizes, strict=True):
            deltas[start + rows, j] = probability[:m][rows] - probability[offset : offset + size]
            offset += size
    return base, deltas


def _fmt(template: str, value, ref) -> str:
    try:
        return template.format(value=value, ref=ref)
    except (ValueError, TypeError, KeyError, IndexError):
        return template.replace("{value", "{0").replace("{ref", "{1").split("{")[0] + f"{value} (ref. {ref})"


def describe(col: str, value, ref, spec: FeatureSpec) -> str:
    """pt-BR text for one driver."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing:
        return f"sem dado de {col}"
    template = spec.descriptions.get(col)
    if not template:
        return f"{col} = {value} (referência {ref})"
    if ref is None:
        template = template.split(" (referência")[0]
    text = _fmt(template, value, ref)
    return _pt_br_numbers(text)


def _pt_br_numbers(text: str) -> str:
    """1,234.5 -> 1.234,5 (only inside numbers)."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "\0", text)
    text = re.sub(r"(?<=\d)\.(?=\d)", ",", text)
    return text.replace("\0", ".")


def top_drivers(
    frame: pd.DataFrame, deltas: np.ndarray, spec: FeatureSpec, reference: dict, top: int = 3
) -> list[list[dict]]:
    """For each row, the `top` features with the largest |delta| (at least MIN_DELTA)."""
    features = spec.features
    order = np.argsort(-np.abs(deltas), axis=1, kind="stable")[:, :top]
    values = frame[features].to_numpy(dtype=object)
    out: list[list[dict]] = []
    for i in range(len(frame)):
        drivers = []
        for j in order[i]:
            d = float(deltas[i, j])
            if abs(d) < MIN_DELTA:
                continue
            col = features[j]
            value = values[i, j]
            if isinstance(value, (np.floating, float)):
                value = None if np.isnan(value) else float(value)
            drivers.append(
                {
                    "feature": col,
                    "value": value,
                    "reference": reference.get(col),
                    "delta": round(d, 4),
                    "direction": "aumenta o risco" if d > 0 else "reduz o risco",
                    "text": describe(col, value, reference.get(col), spec),
                }
            )
        out.append(drivers)
    return out


def drivers_json(drivers: list[list[dict]]) -> list[str]:
    return [json.dumps(d, ensure_ascii=False) for d in drivers]


def global_importance(
    model, frame: pd.DataFrame, spec: FeatureSpec, random_state: int, max_rows: int = 20000, repeats: int = 5
) -> list[dict]:
    """Permutation importance (mean drop in ROC AUC) on the given (validation) rows."""
    if len(frame) > max_rows:
        frame = frame.sample(max_rows, random_state=random_state)
    y = frame[spec.label_column].astype(int)
    result = permutation_importance(
        model,
        frame[spec.features],
        y,
        scoring="roc_auc",
        n_repeats=repeats,
        random_state=random_state,
        n_jobs=1,
    )
    rows = [
        {
            "feature": col,
            "importance": float(result.importances_mean[j]),
            "std": float(result.importances_std[j]),
        }
        for j, col in enumerate(spec.features)
    ]
    return sorted(rows, key=lambda r: -r["importance"])
