"""Explanations that come from the model itself.

Per customer: what-if deltas. For each lever (a feature a CSM can move, `levers` in the spec;
every feature when the spec lists none) we ask the fitted, calibrated model "what would this
customer's churn probability be if this one lever had the reference value (training median /
most frequent category)?". The difference is the lever's contribution, in probability points,
with a sign (positive = raises risk vs the reference): delta = p(now) - p(lever := reference).
Deltas of several levers are each measured alone and do not add up to p. Context features
(segment, size, MRR, seats...) are never drivers: nobody acts on them. The top drivers are the
largest |deltas|, described in pt-BR from the spec's templates.

Global: permutation importance (drop in ROC AUC when one column is shuffled) on the
validation rows.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split

from ml.features import AsFloat, CategoryCodes, DerivedFeatures
from ml.spec import FeatureSpec, fill_template

MIN_DELTA = 0.002  # contributions smaller than 0.2 percentage points are not shown
DELTA_DECIMALS = 4  # a driver's delta as written: probability points to 4 decimals
IMPORTANCE_ROWS = 5_000  # permutation importance: validation rows, stratified (see global_importance)
IMPORTANCE_REPEATS = 3  # permutation importance: shuffles of each column
# TreeWhatIf reads scikit-learn internals (the fitted trees' predictors, the bin mapper, the OpenMP
# thread count). It runs only on the scikit-learn minor versions it was checked on; any other version
# takes the public stacked what-ifs (same numbers, slower). A test compares the two.
TREE_WHAT_IF_SKLEARN = ("1.9",)


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

    For our own model (calibrated Pipeline -> HistGradientBoosting) the deltas are computed tree by
    tree (`TreeWhatIf`): exactly the same numbers, but each what-if only re-evaluates the trees
    that split on a column the feature feeds. Any other estimator gets the stacked what-if frames.
    """
    fast = TreeWhatIf.for_model(model, spec)
    if fast is not None:
        return fast.deltas(frame, reference, chunk_rows)
    return stacked_what_if_deltas(model, frame, spec, reference, chunk_rows)


def stacked_what_if_deltas(
    model, frame: pd.DataFrame, spec: FeatureSpec, reference: dict, chunk_rows: int = 50_000
) -> tuple[np.ndarray, np.ndarray]:
    """what_if_deltas for any estimator with predict_proba.

    All what-if variants of a chunk of rows are stacked into one frame and scored with a
    single predict_proba call (row i with feature j set to its reference, for every (i, j)
    where the value differs from the reference; equal values have delta 0 by definition).
    """
    features = spec.features
    drivers = set(spec.driver_features)
    n = len(frame)
    base = np.empty(n)
    deltas = np.zeros((n, len(features)))
    columns = {c: frame[c].to_numpy() for c in features}
    for start in range(0, n, chunk_rows):
        stop = min(n, start + chunk_rows)
        part = {c: v[start:stop] for c, v in columns.items()}
        variants: list[tuple[int, np.ndarray]] = []
        for j, col in enumerate(features):
            if col not in drivers:
                continue
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


def _one_column_per_input(name: str, transformer) -> bool:
    """The column bookkeeping of TreeWhatIf holds only for these steps of ml.model's tree pipeline."""
    if name == "remainder":
        return transformer == "drop"
    if name == "derived":
        steps = getattr(transformer, "steps", None)
        return bool(steps) and len(steps) == 1 and isinstance(steps[0][1], DerivedFeatures)
    return isinstance(transformer, AsFloat if name == "num" else CategoryCodes) and name in ("num", "cat")


class TreeWhatIf:
    """Exact what-if deltas for CalibratedClassifierCV(FrozenEstimator(Pipeline(ColumnTransformer,
    HistGradientBoostingClassifier))) as built by ml.model.

    raw(x) = baseline + sum of tree outputs; setting feature j to its reference only changes the
    trees that split on a column fed by j (its own column and the derived features built from it),
    so raw(x_j := ref) = raw(x) + sum over those trees of (tree(x_j := ref) - tree(x)); the
    calibrator then maps raw scores to probabilities exactly as predict_proba does. Uses the
    fitted trees' predictors (scikit-learn internals, pinned by the model store's version check);
    `for_model` returns None whenever the structure is not the expected one.
    """

    def __init__(self, calibrator, preprocess, hgb, spec: FeatureSpec):
        self.calibrator = calibrator
        self.preprocess = preprocess
        self.hgb = hgb
        self.spec = spec
        # private: imported only once TREE_WHAT_IF_SKLEARN has vouched for this version
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        self.trees = [p[0] for p in hgb._predictors]
        self.n_threads = _openmp_effective_n_threads()  # honours threadpool_limits, like predict_proba
        self.known_cats, self.f_idx_map = hgb._bin_mapper.make_known_categories_bitsets()
        used = []
        for tree in self.trees:
            nodes = tree.nodes
            used.append(set(nodes["feature_idx"][~nodes["is_leaf"].astype(bool)].tolist()))
        self.used = used
        slices = preprocess.output_indices_
        self.derived = None
        self.columns: dict[str, list[int]] = {}
        for name, transformer, cols in preprocess.transformers_:
            if name == "remainder":
                continue
            start = slices[name].start
            if name == "derived":
                self.derived = transformer.steps[0][1] if hasattr(transformer, "steps") else transformer
                self.derived_slice = slices[name]
                for k, (_, kind, a, b) in enumerate(self.derived.definitions):
                    for col in (a, b) if kind == "ratio" else (a,):
                        self.columns.setdefault(col, []).append(start + k)
            else:
                for k, col in enumerate(cols):
                    self.columns.setdefault(col, []).append(start + k)
        self.encoders = {name: t for name, t, _ in preprocess.transformers_ if name in ("num", "cat")}

    @classmethod
    def for_model(cls, model, spec: FeatureSpec) -> TreeWhatIf | None:
        if ".".join(sklearn.__version__.split(".")[:2]) not in TREE_WHAT_IF_SKLEARN:
            return None  # internals not checked on this version: the public stacked what-ifs
        try:
            if not isinstance(model, CalibratedClassifierCV) or len(model.calibrated_classifiers_) != 1:
                return None
            cc = model.calibrated_classifiers_[0]
            frozen = cc.estimator
            pipe = frozen.estimator if isinstance(frozen, FrozenEstimator) else frozen
            preprocess, hgb = pipe.steps[0][1], pipe.steps[-1][1]
            if (
                len(pipe.steps) != 2
                or cc.method not in ("sigmoid", "isotonic")
                or len(cc.calibrators) != 1
                or not isinstance(hgb, HistGradientBoostingClassifier)
                or hgb.n_trees_per_iteration_ != 1
                or getattr(hgb, "_preprocessor", None) is not None
                or (hgb.is_categorical_ is not None and hgb.is_categorical_.any())
                or not hasattr(preprocess, "output_indices_")
                or not all(_one_column_per_input(name, t) for name, t, _ in preprocess.transformers_)
            ):
                return None  # e.g. a model saved before ml.features existed (imputer indicators, one-hot)
            return cls(cc.calibrators[0], preprocess, hgb, spec)
        except (AttributeError, ImportError, IndexError, KeyError, TypeError, ValueError):
            return None

    def _probability(self, raw: np.ndarray) -> np.ndarray:
        p = self.calibrator.predict(raw)
        p[(p > 1.0) & (p <= 1.0 + 1e-5)] = 1.0
        return p

    def _tree(self, t: int, x: np.ndarray) -> np.ndarray:
        return self.trees[t].predict(x, self.known_cats, self.f_idx_map, self.n_threads)

    def deltas(self, frame: pd.DataFrame, reference: dict, chunk_rows: int) -> tuple[np.ndarray, np.ndarray]:
        features = self.spec.features
        drivers = set(self.spec.driver_features)
        n = len(frame)
        base = np.empty(n)
        deltas = np.zeros((n, len(features)))
        ref_codes = {}
        for col in self.spec.categorical:
            ref = reference.get(col)
            one = pd.DataFrame({c: [np.nan] for c in self.encoders["cat"].feature_names_in_})
            one[col] = ref if ref is not None else np.nan
            one = one.astype(object)
            k = list(self.encoders["cat"].feature_names_in_).index(col)
            ref_codes[col] = self.encoders["cat"].transform(one)[0, k]
        for start in range(0, n, chunk_rows):
            part = frame.iloc[start : start + chunk_rows]
            xt = np.ascontiguousarray(self.preprocess.transform(part[features]), dtype=np.float64)
            leaves = np.empty((len(part), len(self.trees)), order="F")
            for t in range(len(self.trees)):
                leaves[:, t] = self._tree(t, xt)
            raw = self.hgb._baseline_prediction.ravel()[0] + leaves.sum(axis=1)
            p = self._probability(raw)
            base[start : start + len(part)] = p
            for j, col in enumerate(features):
                if col not in drivers:
                    continue
                ref = reference.get(col)
                values = part[col].to_numpy()
                differs = ~pd.isna(values) if ref is None else np.asarray(values != ref, dtype=bool)
                rows = np.flatnonzero(differs)
                affected = set(self.columns.get(col, []))
                trees = [t for t, used in enumerate(self.used) if used & affected]
                if not len(rows) or not trees:
                    continue  # the model never looks at this feature: the what-if changes nothing
                xv = xt[rows].copy()
                if col in self.spec.categorical:
                    own = [c for c in self.columns[col] if not self._is_derived(c)]
                    xv[:, own] = ref_codes[col]
                else:
                    own = [c for c in self.columns[col] if not self._is_derived(c)]
                    xv[:, own] = np.nan if ref is None else float(ref)
                if self.derived is not None and any(self._is_derived(c) for c in affected):
                    sub = part.iloc[rows][self.derived.input_columns()].copy()
                    sub[col] = np.nan if ref is None else ref
                    xv[:, self.derived_slice] = self.derived.transform(sub)
                raw_v = raw[rows] - leaves[np.ix_(rows, trees)].sum(axis=1)
                for t in trees:
                    raw_v += self._tree(t, xv)
                deltas[start + rows, j] = p[rows] - self._probability(raw_v)
        return base, deltas

    def _is_derived(self, column: int) -> bool:
        return self.derived is not None and self.derived_slice.start <= column < self.derived_slice.stop


def _fmt(template: str, value, ref) -> str:
    try:
        return fill_template(template, value, ref)
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
    """For each row, the `top` levers with the largest |delta| (at least MIN_DELTA).

    Each driver: feature, value, reference, delta (p now - p with this lever at the reference, in
    probability points), direction, text (pt-BR) and lever (True: a CSM can move it; False only
    when the spec lists no levers and every feature may be a driver). The dicts of `drivers_json`."""
    return [json.loads(text) for text in drivers_json(frame, deltas, spec, reference, top)]


def drivers_json(
    frame: pd.DataFrame, deltas: np.ndarray, spec: FeatureSpec, reference: dict, top: int = 3
) -> np.ndarray:
    """`top_drivers` of each row as JSON text (what churn_scores stores), built column by column.

    A driver's text depends only on its (feature, value) and direction, so each one is described
    and encoded once per distinct value (values repeat a lot); only the delta is written per row.
    The pieces of each row (separators, each driver's head, delta and tail) are joined once at the
    end. Per-row dicts and json.dumps cost 2.1 CPU-s at 100k customers, this ~0.4 s."""
    n = len(frame)
    order = np.argsort(-np.abs(deltas), axis=1, kind="stable")[:, :top]
    pieces = []  # per driver: the separator before it and its JSON, "" where it is not shown
    any_before = np.zeros(n, dtype=bool)
    for k in range(order.shape[1]):
        j = order[:, k]
        d = deltas[np.arange(n), j]
        keep = ~(np.abs(d) < MIN_DELTA)
        text = np.full(n, "", dtype=object)
        for jj in np.unique(j[keep]):
            rows = np.flatnonzero(keep & (j == jj))
            text[rows] = _driver_texts(frame, spec, reference, int(jj), rows, d[rows])
        pieces += [np.where(keep & any_before, ", ", "").tolist(), text.tolist()]
        any_before |= keep
    return np.asarray(["[" + "".join(row) + "]" for row in zip(*pieces, strict=True)], dtype=object)


def _driver_texts(
    frame: pd.DataFrame, spec: FeatureSpec, reference: dict, j: int, rows: np.ndarray, deltas: np.ndarray
) -> np.ndarray:
    """JSON of feature j's driver at `rows`: encoded once per distinct value, the delta per row."""
    col = spec.features[j]
    ref = reference.get(col)
    codes, values = pd.factorize(frame[col].to_numpy()[rows])  # missing: code -1, the last entry
    heads, rising, falling = [], [], []
    for value in [*values, None]:
        if isinstance(value, (np.floating, float)):
            value = None if np.isnan(value) else float(value)
        # the keys in top_drivers' order; the delta goes between the head and the tail
        head = json.dumps({"feature": col, "value": value, "reference": ref, "delta": 0}, ensure_ascii=False)
        heads.append(head[: -len("0}")])
        text = describe(col, value, ref, spec)
        for direction, tails in (("aumenta o risco", rising), ("reduz o risco", falling)):
            tail = {"direction": direction, "text": text, "lever": col in spec.levers}
            tails.append(", " + json.dumps(tail, ensure_ascii=False)[1:])
    tail = np.where(
        deltas > 0, np.asarray(rising, dtype=object)[codes], np.asarray(falling, dtype=object)[codes]
    )
    return np.asarray(heads, dtype=object)[codes] + rounded_json(deltas, DELTA_DECIMALS) + tail


def rounded_json(values: np.ndarray, decimals: int) -> np.ndarray:
    """json.dumps(round(x, decimals)) of each value, written once per distinct rounded value.

    round(x, d) is the double nearest to k / 10**d for the integer k nearest to x * 10**d, and
    k / 10**d (one correctly rounded division) is that same double. The float product x * 10**d
    can land on the other side of a half-way point than the exact one: values within 1e-6 of one
    (the product's error stays below 1e-6 while it is under 2**31), -0.0, larger values and
    non-finite ones take Python's round itself."""
    values = np.asarray(values, dtype=float)
    scaled = values * 10.0**decimals
    k = np.rint(scaled)
    with np.errstate(invalid="ignore"):  # inf - inf: those take round() below
        by_round = ~(np.abs(scaled) < 2.0**31) | (np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-6)
    by_round |= (k == 0) & np.signbit(k)  # -0.0, which np.unique would merge with 0.0
    k[by_round] = 0
    distinct, inverse = np.unique(k, return_inverse=True)
    texts = np.asarray([json.dumps(float(x) / 10**decimals) for x in distinct], dtype=object)[inverse]
    for i in np.flatnonzero(by_round):
        texts[i] = json.dumps(round(float(values[i]), decimals))
    return texts


def importance_rows(frame: pd.DataFrame, spec: FeatureSpec, max_rows: int, random_state: int) -> pd.DataFrame:
    """All rows, or a seeded sample of `max_rows` with the same churn share (stratified by the label)."""
    if len(frame) <= max_rows:
        return frame
    y = frame[spec.label_column].astype(int)
    sample, _ = train_test_split(frame, train_size=max_rows, stratify=y, random_state=random_state)
    return sample


def global_importance(
    model,
    frame: pd.DataFrame,
    spec: FeatureSpec,
    random_state: int,
    max_rows: int = IMPORTANCE_ROWS,
    repeats: int = IMPORTANCE_REPEATS,
) -> list[dict]:
    """Permutation importance (mean drop in ROC AUC) on up to `max_rows` of the given (validation)
    rows, a seeded sample stratified by the label: 1 + features x repeats predictions of the whole
    pipeline (73 at 24 features). Against all 19,304 validation rows x 10 repeats at 155k snapshot
    rows, 5,000 stratified rows keep the same top 5 at three seeds (top 10: 9 of 10, Spearman
    0.71-0.92 over the 24 features) for 2.8 CPU-s instead of 4.2 at 10,000 rows (ml/EXPERIMENTS.md)."""
    frame = importance_rows(frame, spec, max_rows, random_state)
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
