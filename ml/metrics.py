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


def ece_noise_floor(p: np.ndarray, draws: int = 200, seed: int = 0) -> float:
    """The ECE a perfectly calibrated score reaches on these rows by chance: the median ECE of `p`
    against labels drawn as Bernoulli(p). On a few hundred rows it is ~0.02, so an ECE near it says
    the calibration cannot be told apart from perfect with this many rows."""
    p = np.asarray(p, dtype=float)
    rng = np.random.default_rng(seed)
    values = [expected_calibration_error(rng.random(len(p)) < p, p) for _ in range(draws)]
    return float(np.median(values))


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


def _top_k_mask(order: np.ndarray, fraction: float) -> np.ndarray:
    k = max(1, int(round(len(order) * fraction)))
    mask = np.zeros(len(order), dtype=bool)
    mask[order[:k]] = True
    return mask


def risk_order(score: np.ndarray) -> np.ndarray:
    """Row positions, highest score first (ties in row order)."""
    return np.argsort(-np.asarray(score, dtype=float), kind="stable")


def top_k_stats(
    y: np.ndarray,
    score: np.ndarray,
    value: np.ndarray | None,
    fraction: float,
    order: np.ndarray | None = None,
) -> dict:
    """Precision, recall, lift and (if value given) share of churned MRR in the top `fraction`.
    `order`: risk_order(score), when the caller has it already."""
    y = np.asarray(y, dtype=float)
    mask = _top_k_mask(risk_order(score) if order is None else order, fraction)
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
    order = risk_order(score)  # sorted once for every top k
    tops = [top_k_stats(y, score, value, f, order) for f in TOP_K_FRACTIONS]
    report["top_decile_lift"] = next(t["lift"] for t in tops if t["k_fraction"] == 0.10)
    report["top_k"] = tops
    if with_curve and is_probability:
        report["calibration_curve"] = calibration_curve(y, score)
    return report


def weighted_top_lift(
    y: np.ndarray, order: np.ndarray, weights: np.ndarray, fraction: float = 0.10
) -> np.ndarray:
    """Top-`fraction` lift of one ranking under many row weightings at once.

    `order` ranks the rows (highest risk first); `weights` is (resamples, rows) of integer
    multiplicities (a bootstrap draw). A row counted w times is w copies of it; the top k =
    round(fraction x total weight) copies are taken in rank order, the row at the cut-off only in
    part. With unit weights this is exactly `top_k_stats(...)["lift"]` (same stable order, same k)."""
    y = np.asarray(y) > 0
    w = np.asarray(weights, dtype=np.int32)
    total = w.sum(axis=1, dtype=np.int64)
    k = np.maximum(1, np.round(total * fraction).astype(np.int64))
    # the k-th copy falls within about the first `fraction` of the ranked rows: count the copies
    # over twice that many (a fifth of the work at 10%), over every row when a draw needs more
    head = order[: min(len(order), 2 * int(np.ceil(fraction * len(order))) + 100)]
    ranked = w[:, head]
    copies = np.cumsum(ranked, axis=1, dtype=np.int32)  # copies ranked at or above each row
    if len(head) < len(order) and (copies[:, -1] < k).any():
        head, ranked = order, w[:, order]
        copies = np.cumsum(ranked, axis=1, dtype=np.int32)
    ranked_y = y[head].astype(np.int32)
    churners = np.cumsum(ranked * ranked_y, axis=1, dtype=np.int32)
    cut = np.minimum((copies < k[:, None]).sum(axis=1), len(head) - 1)  # the row of the k-th copy
    rows = np.arange(len(w))
    above = np.where(cut > 0, copies[rows, np.maximum(cut - 1, 0)], 0)
    above_churners = np.where(cut > 0, churners[rows, np.maximum(cut - 1, 0)], 0)
    precision = (above_churners + (k - above) * ranked_y[cut]) / k
    base = w[:, y].sum(axis=1, dtype=np.int64) / np.maximum(total, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, precision / base, np.nan)


def bootstrap_lift_ratios(
    y: np.ndarray,
    scores: dict[str, np.ndarray],
    reference: str,
    groups: np.ndarray,
    resamples: int = 1000,
    fraction: float = 0.10,
    seed: int = 0,
    chunk: int = 100,
) -> dict[str, dict]:
    """95% bootstrap intervals of each score's top-`fraction` lift divided by `reference`'s.

    Resampling is by group (customer): a customer's months are correlated, so each draw takes every
    customer a Poisson(1) number of times with all of its rows (the rows' weights), and every score is
    measured on the same draw, so the ratio's interval reflects the paired comparison. Returns
    {name: {ratio, ci_low, ci_high, resamples}} for every score but the reference."""
    y = np.asarray(y, dtype=float)
    codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)[1]
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    orders = {name: risk_order(s) for name, s in scores.items()}
    point = {
        name: float(weighted_top_lift(y, o, np.ones((1, len(y))), fraction)[0]) for name, o in orders.items()
    }
    rng = np.random.default_rng(seed)
    ratios: dict[str, list] = {name: [] for name in scores if name != reference}
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        weights = rng.poisson(1.0, (size, n_groups)).astype(np.int32)[:, codes]
        ref = weighted_top_lift(y, orders[reference], weights, fraction)
        for name in ratios:
            ratios[name].append(weighted_top_lift(y, orders[name], weights, fraction) / ref)
        done += size
    out = {}
    for name, parts in ratios.items():
        values = np.concatenate(parts)
        values = values[np.isfinite(values)]
        low, high = np.percentile(values, [2.5, 97.5]) if len(values) else (np.nan, np.nan)
        out[name] = {
            "ratio": point[name] / point[reference] if point[reference] else None,
            "ci_low": float(low),
            "ci_high": float(high),
            "resamples": int(len(values)),
        }
    return out
