"""Which candidate model and which calibration: chosen by cross-validation inside the training data.

Candidates (ml.model.candidate_estimator): gradient boosting, logistic regression on the same
inputs (the spec's columns plus the derived features), and their blend (the mean of the two
probabilities). Calibration: sigmoid (Platt) always; isotonic too once the data has
ISOTONIC_MIN_CHURNERS churners (below that its steps follow the noise).

Each (candidate, calibration) pair gets out-of-fold calibrated probabilities: the calibrator is
fitted on the other folds' scores and applied to the held-out fold, so every probability is
scored on rows its calibrator never saw. The pair with the lowest log loss (a proper score:
ranking and calibration at once) is chosen. The rows are the training period's only: the
calibration window in the time design, the training customers in the holdout design; the
validation rows are never seen here.
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from ml.metrics import expected_calibration_error, top_k_stats

CANDIDATES = ("gradient_boosting", "logistic_regression", "blend")
ISOTONIC_MIN_CHURNERS = 1000


def calibration_methods(y: np.ndarray) -> tuple[str, ...]:
    """The methods the data size supports."""
    return ("sigmoid", "isotonic") if int(np.sum(y)) >= ISOTONIC_MIN_CHURNERS else ("sigmoid",)


def _calibrator(method: str):
    if method == "isotonic":
        return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    return LogisticRegression(C=1e6)  # Platt scaling: a logistic curve on the one score


def _predict(calibrator, score: np.ndarray) -> np.ndarray:
    if isinstance(calibrator, IsotonicRegression):
        return calibrator.predict(score)
    return calibrator.predict_proba(score.reshape(-1, 1))[:, 1]


def out_of_fold_probability(score: np.ndarray, y: np.ndarray, folds: list, method: str) -> np.ndarray:
    """Calibrated probabilities, each from a calibrator fitted on the other folds."""
    out = np.empty(len(y))
    for train, test in folds:
        if method == "isotonic":
            calibrator = _calibrator(method).fit(score[train], y[train])
        else:
            calibrator = _calibrator(method).fit(score[train].reshape(-1, 1), y[train])
        out[test] = _predict(calibrator, score[test])
    return out


def _metrics(y: np.ndarray, p: np.ndarray) -> dict:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return {
        "log_loss": float(log_loss(y, clipped, labels=[0, 1])),
        "roc_auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
        "ece": expected_calibration_error(y, p),
        "top_decile_lift": top_k_stats(y, p, None, 0.10)["lift"],
    }


def choose(y: np.ndarray, scores: dict[str, np.ndarray], folds: list) -> dict:
    """The (candidate, calibration) with the lowest out-of-fold log loss, with every pair's figures.

    `scores`: each candidate's uncalibrated response on the same rows (decision function, or the
    probability for the blend), from models that did not train on those rows."""
    y = np.asarray(y, dtype=int)
    table = []
    probabilities = {}
    for name, score in scores.items():
        for method in calibration_methods(y):
            p = out_of_fold_probability(np.asarray(score, dtype=float), y, folds, method)
            probabilities[(name, method)] = p
            table.append({"candidate": name, "calibration": method, **_metrics(y, p)})
    best = min(table, key=lambda r: r["log_loss"])
    runner_up = min((r for r in table if r is not best), key=lambda r: r["log_loss"], default=None)
    why = (
        f"lowest cross-validated log loss ({best['log_loss']:.4f}; ROC AUC {best['roc_auc']:.3f}, "
        f"ECE {best['ece']:.4f}) among {len(table)} candidate × calibration pairs on {len(y)} training rows "
        f"({int(y.sum())} churners, {len(folds)} folds)"
    )
    if runner_up:
        why += f"; next: {runner_up['candidate']} + {runner_up['calibration']} ({runner_up['log_loss']:.4f})"
    return {
        "candidate": best["candidate"],
        "calibration": best["calibration"],
        "why": why,
        "table": table,
        "rows": int(len(y)),
        "churners": int(y.sum()),
        "folds": len(folds),
        "cross_validation": fold_spread(y, probabilities[(best["candidate"], best["calibration"])], folds),
    }


def fold_spread(y: np.ndarray, p: np.ndarray, folds: list) -> dict:
    """Mean ± standard deviation over the folds of the chosen pair's held-out metrics."""
    per_fold = [_metrics(y[test], p[test]) for _, test in folds]
    out = {}
    for key in ("roc_auc", "top_decile_lift", "ece", "log_loss"):
        values = np.array([f[key] for f in per_fold if f[key] is not None], dtype=float)
        if len(values):
            out[key] = {
                "mean": float(values.mean()),
                "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            }
    return out
