from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.data import forecast_note, index_truth, oracle_probability, oracle_realised_path_probability
from ml.metrics import (
    bootstrap_lift_ratios,
    expected_calibration_error,
    score_report,
    top_k_stats,
    weighted_top_lift,
)
from ml.spec import FeatureSpec

# a 90-day spec keyed like the snapshot mart, for the oracle tests
ORACLE_SPEC = FeatureSpec(
    id_column="customer_id",
    time_column="snapshot_date",
    label_column="y",
    numeric=("x",),
    categorical=(),
    horizon_days=90,
)


def test_ece_by_hand():
    # bin [0.1,0.2): p=0.1 x2, y=[0,1] -> |0.2-1|/... ; bin [0.9,1.0]: p=0.9, y=1
    y = np.array([0, 1, 1])
    p = np.array([0.1, 0.1, 0.9])
    expected = (abs(0.2 - 1) + abs(0.9 - 1)) / 3
    assert expected_calibration_error(y, p) == pytest.approx(expected)
    assert expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0])) == 0.0


def test_top_decile_lift_and_mrr_captured_by_hand():
    y = np.array([1] + [0] * 9 + [1] * 2 + [0] * 8)  # 20 rows, 3 churners, base rate 0.15
    score = np.arange(20, 0, -1, dtype=float)  # row 0 ranked first
    value = np.full(20, 100.0)
    stats = top_k_stats(y, score, value, 0.10)  # top 2 rows: rows 0,1 -> 1 churner
    assert stats["k_rows"] == 2
    assert stats["precision"] == pytest.approx(0.5)
    assert stats["lift"] == pytest.approx(0.5 / 0.15)
    assert stats["churned_mrr_captured_share"] == pytest.approx(1 / 3)
    report = score_report(y, score, value, is_probability=False)
    assert report["top_decile_lift"] == pytest.approx(0.5 / 0.15)
    assert report["brier"] is None and report["ece"] is None


def test_oracle_combines_the_next_months_hazards():
    spec = ORACLE_SPEC
    frame = pd.DataFrame(
        {"customer_id": ["A", "B", "Z"], "snapshot_date": pd.to_datetime(["2024-01-31"] * 3)}
    )
    truth = pd.DataFrame(
        {
            "id_cliente": ["A", "A", "A", "A", "A", "B"],
            "mes": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "2024-02-01"]
            ).date,
            "churn_hazard": [0.9, 0.1, 0.2, 0.3, 0.9, 0.5],
        }
    )
    oracle = oracle_probability(frame, spec, truth)
    # A: months Feb, Mar, Apr (not Jan = snapshot month, not May = beyond 90 days)
    assert oracle.iloc[0] == pytest.approx(1 - 0.9 * 0.8 * 0.7)
    # B churned in Feb (no later rows): its last hazard carries over the horizon
    assert oracle.iloc[1] == pytest.approx(1 - 0.5**3)
    assert np.isnan(oracle.iloc[2])  # no truth for Z


def test_oracle_is_the_truths_true_probability_when_present():
    spec = ORACLE_SPEC
    frame = pd.DataFrame({"customer_id": ["A", "B"], "snapshot_date": pd.to_datetime(["2024-01-31"] * 2)})
    truth = pd.DataFrame(
        {
            "id_cliente": ["A", "A", "B", "B"],
            "mes": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01", "2024-02-01"]).date,
            "churn_hazard": [0.9, 0.1, 0.0, 0.5],
            "churn_prob_90d": [0.33, 0.44, 0.05, None],
            "churn_prob_horizon_days": [90, 90, 90, 90],
        }
    )
    assert forecast_note(spec, truth) is None
    # the snapshot month's own row (the probability as of that month end), not a later month's
    assert oracle_probability(frame, spec, truth).tolist() == pytest.approx([0.33, 0.05])
    # the truth as load_truth returns it (indexed once) gives the same lookups
    indexed = index_truth(truth)
    assert oracle_probability(frame, spec, indexed).tolist() == pytest.approx([0.33, 0.05])
    assert index_truth(indexed) is indexed
    # a customer gone at that month end (null forecast) has no churn left to predict
    gone = truth.assign(churn_prob_90d=[None, 0.44, 0.05, None])
    assert oracle_probability(frame, spec, gone).tolist() == pytest.approx([0.0, 0.05])
    # the realised-path reference still multiplies the hazards after the snapshot
    realised = oracle_realised_path_probability(frame, spec, truth)
    assert realised.iloc[0] == pytest.approx(1 - 0.9**3) and realised.iloc[1] == pytest.approx(1 - 0.5**3)
    # another horizon, or an older truth folder without the column: fall back, and say so
    other = truth.assign(churn_prob_horizon_days=60)
    assert "60" in forecast_note(spec, other)
    assert oracle_probability(frame, spec, other).tolist() == pytest.approx(realised.tolist())
    old = truth.drop(columns=["churn_prob_90d", "churn_prob_horizon_days"])
    assert "predates" in forecast_note(spec, old) and "regenerate" in forecast_note(spec, old)
    assert oracle_probability(frame, spec, old).tolist() == pytest.approx(realised.tolist())


def test_driver_texts_in_pt_br(spec):
    from ml.explain import describe

    assert describe("usage_trend_pct", -40.0, 0.0, spec) == "uso -40% vs 90 dias atrás"
    assert describe("p1_tickets_90d", 3.0, 0.0, spec) == "3 tickets P1 em 90 dias"
    assert describe("mrr", 12345.6, 1800.0, spec) == "MRR de R$ 12.346 (referência R$ 1.800)"
    assert describe("avg_csat_90d", 2.5, 4.0, spec) == "CSAT médio 2,5 em 90 dias (referência 4,0)"
    assert describe("last_nps", float("nan"), 8.0, spec) == "sem dado de last_nps"


def test_negative_downsampling_keeps_every_positive():
    from ml.model import downsample_negatives

    labels = pd.Series([1] * 10 + [0] * 990, index=range(1000, 2000))
    kept = downsample_negatives(labels, 100, random_state=0)
    assert len(kept) == 100 and labels[kept].sum() == 10
    assert kept.equals(downsample_negatives(labels, 100, random_state=0))  # seeded
    assert downsample_negatives(labels, 5000, 0).equals(labels.index)


def test_weighted_lift_is_the_plain_lift_and_the_lift_of_the_repeated_rows():
    rng = np.random.default_rng(3)
    y = (rng.random(997) < 0.08).astype(int)
    score = np.round(rng.random(997) + 0.8 * y, 1)  # ties on purpose: the stable order decides
    order = np.argsort(-score, kind="stable")
    plain = weighted_top_lift(y, order, np.ones((1, len(y)), dtype=int))[0]
    assert plain == pytest.approx(top_k_stats(y, score, None, 0.10)["lift"], rel=1e-12)
    weights = rng.poisson(1.0, (3, len(y)))
    got = weighted_top_lift(y, order, weights)
    for w, lift in zip(weights, got, strict=True):
        # the same rows repeated w times, ranked in the same order, cut at round(10%) copies
        rows = np.repeat(order, w[order])
        k = int(np.round(len(rows) * 0.10))
        assert lift == pytest.approx(y[rows[:k]].mean() / y[rows].mean(), rel=1e-12)
    # a draw without the 400 top-ranked rows: its cut lies beyond the rows counted first
    shuffled = rng.permutation(len(y))
    far = np.ones((1, len(y)), dtype=int)
    far[0, shuffled[:400]] = 0
    rows, k = shuffled[400:], int(np.round(597 * 0.10))
    expected = y[rows[:k]].mean() / y[rows].mean()
    assert weighted_top_lift(y, shuffled, far)[0] == pytest.approx(expected, rel=1e-12)


def test_bootstrap_lift_ratio_intervals():
    rng = np.random.default_rng(7)
    customers = np.repeat(np.arange(600), 5)  # 5 correlated months per customer
    risk = np.repeat(rng.random(600), 5)
    y = (rng.random(len(risk)) < 0.02 + 0.3 * risk**3).astype(int)
    scores = {"oracle": risk, "same": risk.copy(), "noise": rng.random(len(risk))}
    ci = bootstrap_lift_ratios(y, scores, "oracle", customers, resamples=300, seed=1)
    assert set(ci) == {"same", "noise"}
    assert ci["same"]["ratio"] == 1.0 and ci["same"]["ci_low"] == ci["same"]["ci_high"] == 1.0
    noise = ci["noise"]
    assert noise["ci_low"] <= noise["ratio"] <= noise["ci_high"] < 0.6  # a random ranking: far below
    assert noise["resamples"] == 300
    again = bootstrap_lift_ratios(y, scores, "oracle", customers, resamples=300, seed=1)
    assert again == ci  # seeded
