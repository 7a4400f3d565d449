"""Evaluation metrics for a churn ranking / probability, all on the same rows.

`score_report(y, p)` gives the headline keys the issue asks for (roc_auc, pr_auc,
brier, ece, top_decile_lift) plus precision and MRR captured in the top k.
Scores that are rankings rather than probabilities (the health score) get
brier/ece = None.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

TOP_K_FRACTIONS = (0.05, 0.10, 0.20)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE with `bins` equal-width probability bins, weighted by the rows in each bin."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    counts = np.bincount(idx, minlength=bins)
    sum_p = np.bincount(idx, weights=p, minlength=bins)
    sum_y = np.bincount(idx, weights=y, minlength=bins)
    used = counts > 0
    gap = np.abs(sum_p[used] - sum_y[used])  # = count * |mean_p - mean_y|
    return float(gap.sum() / len(y))


def calibration_curve(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-frequency bins (quantiles of p): mean predicted vs observed rate."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, bins):
        if len(chunk) == 0:
            continue
        out.append(
            {
                "mean_predicted": float(p[chunk].mean()),
                "observed_rate": float(y[chunk].mean()),
                "rows": int(len(chunk)),
            }
        )
    return out


def _top_k_mask(score: np.ndarray, fraction: float) -> np.ndarray:
    k = max(1, int(round(len(score) * fraction)))
    order = np.argsort(-score, kind="stable")
    mask = np.zeros(len(score), dtype=bool)
    mask[order[:k]] = True
    return mask


def top_k_stats(y: np.ndarray, score: np.ndarray, value: np.ndarray | None, fraction: float) -> dict:
    """Precision, recall, lift and (if value given) share of churned MRR in the top `fraction`."""
    y = np.asarray(y, dtype=float)
    mask = _top_k_mask(np.asarray(score, dtype=float), fraction)
    base = y.mean()
    precision = float(y[mask].mean())
    stats = {
        "k_fraction": fraction,
        "k_rows": int(mask.sum()),
        "precision": precision,
        "recall": float(y[mask].sum() / max(y.sum(), 1)),
        "lift": float(precision / base) if base > 0 else None,
    }
    if value is not None:
        value = np.nan_to_num(np.asarray(value, dtype=float))
        churned_value = (value * y).sum()
        stats["churned_mrr_captured"] = float((value * y)[mask].sum())
        stats["churned_mrr_captured_share"] = (
            float((value * y)[mask].sum() / churned_value) if churned_value > 0 else None
        )
    return stats


def score_report(
    y: np.ndarray,
    score: np.ndarray,
    value: np.ndarray | None = None,
    is_probability: bool = True,
    with_curve: bool = True,
) -> dict:
    """All metrics for one score on one set of rows (higher score = higher risk)."""
    y = np.asarray(y, dtype=int)
    score = np.asarray(score, dtype=float)
    two_classes = 0 < y.sum() < len(y)
    report: dict = {
        "rows": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": float(y.mean()) if len(y) else None,
        "roc_auc": float(roc_auc_score(y, score)) if two_classes else None,
        "pr_auc": float(average_precision_score(y, score)) if two_classes else None,
        "brier": float(brier_score_loss(y, score)) if is_probability else None,
        "ece": expected_calibration_error(y, score) if is_probability else None,
        "mean_predicted": float(score.mean()) if is_probability else None,
    }
    tops = [top_k_stats(y, score, value, f) for f in TOP_K_FRACTIONS]
    report["top_decile_lift"] = next(t["lift"] for t in tops if t["k_fraction"] == 0.10)
    report["top_k"] = tops
    if with_curve and is_probability:
        report["calibration_curve"] = calibration_curve(y, score)
    return report
