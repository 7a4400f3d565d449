"""The model: one scikit-learn Pipeline, a time-based split, and time-aware calibration.

    Pipeline(ColumnTransformer(numeric: as is (NaN allowed), derived ratios/flags,
                               categorical: codes),
             HistGradientBoostingClassifier)
    calibrated on a held-out slice of the most recent *training* months
    (CalibratedClassifierCV around the frozen, already-fitted pipeline).

Split by time (never at random): validation = the newest label-complete months;
training rows must have their whole label window closed before the validation
window starts (snapshot + horizon <= first validation snapshot), so no label
information from the validation period leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ml.features import AsFloat, CategoryCodes, DerivedFeatures
from ml.side_by_side import fit_all
from ml.spec import FeatureSpec, label_complete_mask

RANDOM_STATE = 42
# Above this many fit rows, non-churners are down-sampled for the fit (every churner kept; the
# calibration on later untouched months restores the probabilities). Fit time grows with the rows,
# quality does not: at 155k snapshot rows (84k fit rows) a 50k cap gave validation AUC 0.8075 vs
# 0.8072, top-decile lift 4.48 vs 4.55 (its 95% interval is +-7%), ECE 0.0033 vs 0.0030.
MAX_FIT_ROWS = 100_000
PLAIN_LOGISTIC = "_logistic_baseline"  # the baseline's name among the fits of `_fit_time`
# Gradient-boosting settings, chosen on generator data (3,000 customers x 24 months) by fitting on the
# fit window and comparing on the calibration window (inside the training period; the validation
# window is never used for this). Calibration-window ROC AUC: 100 trees x 15 leaves (lr 0.1) 0.829,
# 200 x 7 (lr 0.05) 0.827, 100 x 7 (lr 0.1) 0.826, 60 x 7 (lr 0.15) 0.827, 50 x 7 (lr 0.2) 0.824 --
# ties within sampling error, so the cheapest to fit and to predict (drivers run it per feature) won.
HGB_PARAMS = dict(
    learning_rate=0.15,
    max_iter=60,
    max_leaf_nodes=7,
    min_samples_leaf=200,
    l2_regularization=1.0,
    early_stopping=False,
)


class SplitError(ValueError):
    """The table does not have enough label-complete history for a time split."""


def _derived_step(spec: FeatureSpec, impute: bool) -> tuple | None:
    if not spec.derived:
        return None
    derived = DerivedFeatures([list(d) for d in spec.derived])
    steps = [("make", derived)]
    if impute:
        steps += [
            ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    return ("derived", Pipeline(steps), derived.input_columns())


def build_preprocessor(spec: FeatureSpec, scale: bool) -> ColumnTransformer:
    """Impute -> (scale) numbers, codes -> one-hot categories: the linear baseline's preprocessing."""
    numeric_steps = [
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True))
    ]
    if scale:
        numeric_steps.append(("scale", StandardScaler()))
    # categories seen < 20 times share one column, missing gets its own; codes first, then one-hot:
    # OneHotEncoder on text counts the values in a Python loop (~2 CPU-s a fit at 100k rows)
    categorical = Pipeline(
        [
            ("codes", CategoryCodes(min_frequency=20)),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    transformers = []
    if spec.numeric:
        transformers.append(("num", Pipeline(numeric_steps), list(spec.numeric)))
    derived = _derived_step(spec, impute=True)
    if derived:
        transformers.append(derived)
    if spec.categorical:
        transformers.append(("cat", categorical, list(spec.categorical)))
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=True)


def build_tree_preprocessor(spec: FeatureSpec) -> ColumnTransformer:
    """For gradient boosting: numbers as they are (missing stays NaN: the trees learn where it
    goes), derived features, categories as codes (rare/unseen share one code).

    The codes are split on as ordered numbers, not with HistGradientBoosting's native categorical
    splits: on generator data both gave the same calibration-window AUC (0.827), and native splits
    made 1M-row predictions 45% slower (HistGradientBoosting re-encodes the codes itself)."""
    transformers: list = []
    if spec.numeric:
        transformers.append(("num", AsFloat(), list(spec.numeric)))
    derived = _derived_step(spec, impute=False)
    if derived:
        transformers.append(derived)
    if spec.categorical:
        transformers.append(("cat", CategoryCodes(min_frequency=20), list(spec.categorical)))
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=True)


def monotonic_constraints(spec: FeatureSpec) -> list[int]:
    """HistGradientBoosting's monotonic_cst, in the tree preprocessor's column order.

    A lever's own column gets its direction (+1: more raises risk). A derived feature follows its
    lever input: a ratio a/b follows a, or the opposite of b when only b is a lever; at_most flips
    the direction, above keeps it. Context columns and categories are free (0)."""
    lever = spec.levers
    out = [lever.get(c, 0) for c in spec.numeric]
    for _, kind, a, b in spec.derived:
        da = lever.get(a, 0)
        if kind == "ratio":
            out.append(da if da else -lever.get(b, 0))
        else:
            out.append(-da if kind == "at_most" else da)
    return out + [0] * len(spec.categorical)


def lever_monotone(spec: FeatureSpec) -> dict[str, bool]:
    """Is the model monotone in each lever? Only if the lever has a direction and every derived
    feature built from it is constrained the same way (a ratio of two levers follows its numerator,
    so the model is not monotone in the denominator)."""
    cst = dict(zip([*spec.numeric, *(d[0] for d in spec.derived)], monotonic_constraints(spec), strict=False))
    out = {}
    for col, direction in spec.levers.items():
        ok = direction != 0 and col in spec.numeric
        for name, kind, a, b in spec.derived:
            if col == a:
                ok &= cst[name] == (-direction if kind == "at_most" else direction)
            elif kind == "ratio" and col == b:
                ok &= cst[name] == -direction
        out[col] = bool(ok)
    return out


def build_pipeline(spec: FeatureSpec, random_state: int = RANDOM_STATE, **hgb_params) -> Pipeline:
    """The churn model before calibration: preprocessing + gradient boosting, monotone in the levers."""
    params = dict(HGB_PARAMS, random_state=random_state)
    if any(monotonic_constraints(spec)):
        params["monotonic_cst"] = monotonic_constraints(spec)
    params.update(hgb_params)
    return Pipeline(
        [
            ("preprocess", build_tree_preprocessor(spec)),
            ("model", HistGradientBoostingClassifier(**params)),
        ]
    )


def build_logistic_baseline(
    spec: FeatureSpec, random_state: int = RANDOM_STATE, derived: bool = False
) -> Pipeline:
    """The linear baseline on the spec's columns (imputed, scaled, one-hot); with `derived=True` it
    also gets the model's derived features (reported as a second, same-inputs baseline)."""
    if not derived:
        spec = FeatureSpec.from_dict({**spec.to_dict(), "derived": []})
    return Pipeline(
        [
            ("preprocess", build_preprocessor(spec, scale=True)),
            ("model", LogisticRegression(C=1.0, max_iter=2000, random_state=random_state)),
        ]
    )


def calibrate(fitted, x_cal: pd.DataFrame, y_cal: np.ndarray, method: str = "sigmoid"):
    """Calibrate an already-fitted estimator on a held-out (later) slice."""
    calibrated = CalibratedClassifierCV(FrozenEstimator(fitted), method=method)
    return calibrated.fit(x_cal, y_cal)


@dataclass
class TimeSplit:
    """Boolean masks over the frame. Time design: fit / calibration / validation windows. Holdout
    design (no time column): `calibration` is empty and `folds` cross-validate inside `fit`."""

    fit: pd.Series
    calibration: pd.Series
    validation: pd.Series
    windows: dict
    folds: list | None = None  # holdout design: (train, test) positions within the fit rows

    @property
    def is_holdout(self) -> bool:
        return self.folds is not None

    def describe(self) -> str:
        if self.is_holdout:
            return (
                f"holdout: fit {int(self.fit.sum())} rows ({len(self.folds)}-fold cross-validated "
                f"calibration), validation {int(self.validation.sum())} rows"
            )
        w = self.windows
        return (
            f"fit {w['fit'][0]}..{w['fit'][1]} ({int(self.fit.sum())} rows), "
            f"calibration {w['calibration'][0]}..{w['calibration'][1]} ({int(self.calibration.sum())} rows), "
            f"validation {w['validation'][0]}..{w['validation'][1]} ({int(self.validation.sum())} rows)"
            if self.validation.any()
            else f"fit {w['fit'][0]}..{w['fit'][1]}, calibration {w['calibration'][0]}..{w['calibration'][1]}"
        )


def _window(times: pd.Series, mask: pd.Series) -> list[str | None]:
    if not mask.any():
        return [None, None]
    sel = times[mask]
    return [str(sel.min().date()), str(sel.max().date())]


def time_split(
    frame: pd.DataFrame,
    spec: FeatureSpec,
    validation_periods: int = 3,
    calibration_periods: int = 3,
    validation_end: pd.Timestamp | None = None,
) -> TimeSplit:
    """Split label-complete rows by snapshot period.

    validation_periods=0 gives a production split (no validation window: fit and
    calibrate on the newest label-complete data). `validation_end` lets the
    backtest move the cut-off back in time.
    """
    times = frame[spec.time_column]
    complete = label_complete_mask(frame, spec)
    if validation_end is not None:
        complete &= times <= validation_end
    periods = np.sort(times[complete].unique())
    if len(periods) < validation_periods + calibration_periods + 2:
        raise SplitError(
            f"only {len(periods)} label-complete snapshot periods in '{spec.time_column}'; need at least "
            f"{validation_periods + calibration_periods + 2} (validation {validation_periods}, calibration "
            f"{calibration_periods}, fit >= 2)"
        )
    horizon = pd.Timedelta(days=spec.horizon_days)
    if validation_periods:
        val_periods = periods[-validation_periods:]
        validation = complete & times.isin(val_periods)
        eligible = complete & (times + horizon <= pd.Timestamp(val_periods[0]))
    else:
        validation = pd.Series(False, index=frame.index)
        eligible = complete
    train_periods = np.sort(times[eligible].unique())
    if len(train_periods) < calibration_periods + 2:
        raise SplitError(
            f"after leaving a {spec.horizon_days}-day gap before the validation window only "
            f"{len(train_periods)} training periods remain; need at least {calibration_periods + 2}"
        )
    calibration = eligible & times.isin(train_periods[-calibration_periods:])
    fit = eligible & ~calibration
    y = frame[spec.label_column]
    for name, mask in (("fit", fit), ("calibration", calibration), ("validation", validation)):
        if mask.any() and y[mask].nunique() < 2:
            raise SplitError(
                f"the {name} window has only one label value ({y[mask].iloc[0]}); cannot train/evaluate"
            )
    windows = {
        "design": "time",
        "fit": _window(times, fit),
        "calibration": _window(times, calibration),
        "validation": _window(times, validation),
        "gap_days": spec.horizon_days,
    }
    return TimeSplit(fit=fit, calibration=calibration, validation=validation, windows=windows)


CV_FOLDS = 5
VALIDATION_SHARE = 0.25  # holdout design: share of the customers kept for validation


def grouped_folds(frame: pd.DataFrame, spec: FeatureSpec, n_splits: int, random_state: int) -> list:
    """Stratified folds (positions in `frame`), grouped by customer when the spec says so."""
    y = frame[spec.label_column].astype(int).to_numpy()
    positives = int(y.sum())
    if min(positives, len(y) - positives) < n_splits:
        raise SplitError(
            f"only {positives} churners and {len(y) - positives} non-churners among {len(y)} labelled rows: "
            f"need at least {n_splits} of each for {n_splits}-fold cross-validation"
        )
    if spec.split == "grouped":  # a customer's rows stay on one side
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        return list(cv.split(np.zeros(len(y)), y, frame[spec.id_column].astype(str).to_numpy()))
    # one row per group: plain stratified folds (StratifiedGroupKFold with a group per row loops over
    # the rows in Python: 27 CPU-s on the 19k-row calibration window of a 155k-row table)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(cv.split(np.zeros(len(y)), y))


def holdout_split(
    frame: pd.DataFrame,
    spec: FeatureSpec,
    validation_share: float = VALIDATION_SHARE,
    random_state: int = RANDOM_STATE,
) -> TimeSplit:
    """For a table without dates (or `split: random|grouped`): a stratified holdout of
    `validation_share` of the customers (0 = production: train on everything), plus
    cross-validation folds inside the training rows for calibration and the model choice."""
    complete = label_complete_mask(frame, spec)
    rows = frame[complete]
    validation = pd.Series(False, index=frame.index)
    if validation_share > 0:
        first = grouped_folds(rows, spec, int(round(1 / validation_share)), random_state)[0]
        validation[rows.index[first[1]]] = True
    fit = complete & ~validation
    folds = grouped_folds(frame[fit], spec, CV_FOLDS, random_state)
    windows = {
        "design": "holdout",
        "split": spec.split,
        "validation_share": validation_share,
        "grouped_by": spec.id_column if spec.split == "grouped" else None,
        "cv_folds": CV_FOLDS,
        "fit": [None, None],
        "calibration": [None, None],
        "validation": [None, None],
        "gap_days": 0,
    }
    return TimeSplit(
        fit=fit,
        calibration=pd.Series(False, index=frame.index),
        validation=validation,
        windows=windows,
        folds=folds,
    )


def make_split(
    frame: pd.DataFrame, spec: FeatureSpec, production: bool = False, random_state: int = RANDOM_STATE
):
    """The spec's design: out-of-time windows, or a stratified (grouped) holdout."""
    if spec.is_time_split:
        return time_split(frame, spec, validation_periods=0) if production else time_split(frame, spec)
    return holdout_split(frame, spec, 0.0 if production else VALIDATION_SHARE, random_state)


def downsample_negatives(labels: pd.Series, max_rows: int, random_state: int) -> pd.Index:
    """Index of the rows to fit on: all of them, or (when more than max_rows) every positive plus a
    seeded random sample of negatives. The calibration step, fitted on untouched later months,
    maps the scores back to real probabilities."""
    if len(labels) <= max_rows:
        return labels.index
    positives = labels.index[labels.to_numpy() == 1]
    negatives = labels.index[labels.to_numpy() != 1]
    keep = max(max_rows - len(positives), 0)
    rng = np.random.default_rng(random_state)
    chosen = negatives[np.sort(rng.choice(len(negatives), size=min(keep, len(negatives)), replace=False))]
    return positives.append(chosen).sort_values()


@dataclass
class FittedModels:
    calibrated: CalibratedClassifierCV
    uncalibrated: object
    logistic: CalibratedClassifierCV | None
    logistic_same_inputs: CalibratedClassifierCV | None = None
    choice: dict | None = None  # ml.selection.choose's answer, when this fit made the choice


def candidate_estimator(name: str, spec: FeatureSpec, random_state: int = RANDOM_STATE):
    """An unfitted candidate (ml.selection.CANDIDATES)."""
    if name == "gradient_boosting":
        return build_pipeline(spec, random_state)
    if name == "logistic_regression":
        return build_logistic_baseline(spec, random_state, derived=True)
    if name == "blend":
        return VotingClassifier(
            [
                ("gradient_boosting", build_pipeline(spec, random_state)),
                ("logistic_regression", build_logistic_baseline(spec, random_state, derived=True)),
            ],
            voting="soft",
        )
    raise ValueError(f"unknown candidate {name!r}")


def _blend(members: dict, x: pd.DataFrame, y: pd.Series) -> VotingClassifier:
    """The soft-voting blend of already-fitted members (fit only records the classes)."""
    return VotingClassifier([(n, FrozenEstimator(e)) for n, e in members.items()], voting="soft").fit(x, y)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _fit_time(frame, spec, split, random_state, with_logistic, candidate, method, n_jobs) -> FittedModels:
    from ml.selection import choose

    fit_rows = downsample_negatives(frame.loc[split.fit, spec.label_column], MAX_FIT_ROWS, random_state)
    x_fit, y_fit = frame.loc[fit_rows, spec.features], frame.loc[fit_rows, spec.label_column].astype(int)
    cal = frame[split.calibration]
    x_cal, y_cal = cal[spec.features], cal[spec.label_column].astype(int)
    unfitted = {
        name: candidate_estimator(name, spec, random_state)
        for name in ("gradient_boosting", "logistic_regression")
        if candidate is None or candidate in (name, "blend")
    }
    if with_logistic:  # the plain baseline does not depend on the choice: fitted beside the members
        unfitted[PLAIN_LOGISTIC] = build_logistic_baseline(spec, random_state)
    members = fit_all(unfitted, x_fit, y_fit, n_jobs)
    plain = members.pop(PLAIN_LOGISTIC, None)
    choice = None
    if candidate is None:
        members["blend"] = _blend(
            {k: members[k] for k in ("gradient_boosting", "logistic_regression")}, x_fit, y_fit
        )
        proba = {
            n: members[n].predict_proba(x_cal)[:, 1] for n in ("gradient_boosting", "logistic_regression")
        }
        scores = {n: _logit(p) for n, p in proba.items()}
        scores["blend"] = (proba["gradient_boosting"] + proba["logistic_regression"]) / 2
        choice = choose(y_cal.to_numpy(), scores, grouped_folds(cal, spec, CV_FOLDS, random_state))
        candidate, method = choice["candidate"], choice["calibration"]
    elif candidate == "blend":
        members["blend"] = _blend(
            {k: members[k] for k in ("gradient_boosting", "logistic_regression")}, x_fit, y_fit
        )
    calibrated = calibrate(members[candidate], x_cal, y_cal, method)
    logistic = same = None
    if with_logistic:
        logistic = calibrate(plain, x_cal, y_cal, method)  # same recipe: a fair baseline
        if spec.derived and "logistic_regression" in members:  # fitted as a candidate
            same = calibrate(members["logistic_regression"], x_cal, y_cal, method)
    return FittedModels(calibrated, members[candidate], logistic, same, choice)


def _fit_holdout(frame, spec, split, random_state, with_logistic, candidate, method, n_jobs) -> FittedModels:
    from sklearn.model_selection import cross_val_predict

    from ml.selection import choose

    train = frame[split.fit]
    x, y = train[spec.features], train[spec.label_column].astype(int)
    choice = None
    if candidate is None:
        proba = {
            n: cross_val_predict(
                candidate_estimator(n, spec, random_state), x, y, cv=split.folds, method="predict_proba"
            )[:, 1]
            for n in ("gradient_boosting", "logistic_regression")
        }
        scores = {n: _logit(p) for n, p in proba.items()}
        scores["blend"] = (proba["gradient_boosting"] + proba["logistic_regression"]) / 2
        choice = choose(y.to_numpy(), scores, split.folds)
        candidate, method = choice["candidate"], choice["calibration"]

    def cross_calibrated(estimator) -> CalibratedClassifierCV:
        return CalibratedClassifierCV(estimator, method=method, cv=split.folds, ensemble=False).fit(x, y)

    calibrated = cross_calibrated(candidate_estimator(candidate, spec, random_state))
    logistic = same = None
    if with_logistic:
        logistic = cross_calibrated(build_logistic_baseline(spec, random_state))
        if spec.derived:
            same = cross_calibrated(candidate_estimator("logistic_regression", spec, random_state))
    return FittedModels(calibrated, calibrated.calibrated_classifiers_[0].estimator, logistic, same, choice)


def fit_models(
    frame: pd.DataFrame,
    spec: FeatureSpec,
    split: TimeSplit,
    random_state: int = RANDOM_STATE,
    with_logistic: bool = True,
    candidate: str | None = None,
    calibration_method: str = "sigmoid",
    n_jobs: int = 1,
) -> FittedModels:
    """The calibrated model and (with_logistic) the calibrated logistic baselines.

    candidate=None: choose the candidate and the calibration by cross-validation inside the
    training rows (ml.selection); otherwise fit `candidate` with `calibration_method` (the
    production refit and the backtest reuse the evaluation's choice). Time design: the candidates
    and the logistic baseline are fitted `n_jobs` at a time (ml.side_by_side)."""
    fit = _fit_holdout if split.is_holdout else _fit_time
    return fit(frame, spec, split, random_state, with_logistic, candidate, calibration_method, n_jobs)
