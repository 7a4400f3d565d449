from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml.explain import importance_rows
from ml.metrics import score_report
from ml.model import fit_models, time_split
from ml.spec import load_spec, prepare_frame
from ml.synthetic import make_snapshots
from ml.train import LeakageError, leakage_guard, single_feature_aucs, train

HEADLINE = ("roc_auc", "pr_auc", "brier", "ece", "top_decile_lift")


def test_evaluation_json_has_every_score_and_key(trained):
    result, out = trained
    ev = json.loads((out / "evaluation.json").read_text())
    for name in ("model", "logistic_regression", "health_score", "oracle"):
        for key in HEADLINE:
            assert key in ev[name], (name, key)
        assert ev[name]["rows"] == ev["split_rows"]["validation"]  # every score on the same rows
    for name in ("model", "logistic_regression", "oracle"):
        assert 0 < ev[name]["brier"] < 0.25 and 0 <= ev[name]["ece"] < 0.2
    assert ev["health_score"]["brier"] is None  # a ranking, not a probability
    assert len(ev["model"]["calibration_curve"]) == 10
    assert {t["k_fraction"] for t in ev["model"]["top_k"]} == {0.05, 0.1, 0.2}
    assert "churned_mrr_captured_share" in ev["model"]["top_k"][0]
    done = [b for b in ev["backtest"] if "skipped" not in b]
    assert len(done) >= 3 and len({b["cutoff"] for b in done}) == len(done)
    assert ev["permutation_importance"][0]["importance"] > 0


def test_lift_ratios_carry_customer_bootstrap_intervals(trained):
    t = trained[0].evaluation["targets"]
    low, high = t["lift_ratio_vs_oracle_ci95"]
    assert low <= t["lift_ratio_vs_oracle"] <= high and high - low > 0.01  # sampling noise is real
    assert t["bootstrap_resamples"] > 900
    assert "oracle_note" not in t  # the oracle was there: no "not checked" note


def test_model_is_useful_and_below_the_oracle(trained):
    ev = trained[0].evaluation
    assert ev["model"]["roc_auc"] > 0.65
    assert ev["oracle"]["roc_auc"] > ev["model"]["roc_auc"] - 0.02  # the oracle sees the true hazard


def test_time_split_keeps_label_windows_out_of_validation(synthetic, spec):
    frame, _ = synthetic
    split = time_split(frame, spec)
    t = frame[spec.time_column]
    val_start = t[split.validation].min()
    train_rows = split.fit | split.calibration
    assert (t[train_rows] + pd.Timedelta(days=spec.horizon_days) <= val_start).all()
    assert t[split.fit].max() < t[split.calibration].min()
    assert not (train_rows & split.validation).any()
    complete = frame[spec.label_complete_column]
    assert complete[train_rows | split.validation].all()  # label-incomplete rows never used
    assert t[split.validation].max() == t[complete].max()


def test_leaky_feature_is_caught(synthetic, spec):
    frame, _ = synthetic
    # "days until the customer's next cancellation" needs the future: computed from post-snapshot data
    leaky = frame.copy()
    churn_at = leaky[leaky["churn_status"] == 1].groupby("customer_id")[
        spec.time_column
    ].max() + pd.Timedelta(days=45)
    days = (leaky["customer_id"].map(churn_at) - leaky[spec.time_column]).dt.days
    leaky["dias_ate_cancelamento"] = days.where(days > 0).fillna(999)
    leaky_spec = type(spec).from_dict({**spec.to_dict(), "numeric": [*spec.numeric, "dias_ate_cancelamento"]})
    with pytest.raises(LeakageError, match="dias_ate_cancelamento"):
        leakage_guard(leaky, leaky_spec)
    with pytest.raises(LeakageError):
        train(leaky, leaky_spec, "leaky", None, save=False, importance=False, backtest_cutoffs=0)
    assert max(leakage_guard(frame, spec).values()) < 0.95  # honest features pass


def test_single_feature_aucs_are_roc_auc_scores(synthetic, spec):
    """The leakage screen's AUCs are roc_auc_score's, ties, missing values and categories included."""
    from sklearn.metrics import roc_auc_score

    from ml.spec import label_complete_mask

    frame, _ = synthetic
    frame = frame.copy()
    col = spec.numeric[0]
    frame.loc[frame.index[::7], col] = np.nan  # missing -> the median
    frame[col] = frame[col].round(-1)  # many ties
    got = single_feature_aucs(frame, spec)
    rows = frame[label_complete_mask(frame, spec)]
    y = rows[spec.label_column].astype(int)
    for c in spec.numeric:
        auc = roc_auc_score(y, rows[c].fillna(rows[c].median()))
        assert got[c] == pytest.approx(max(auc, 1 - auc), abs=1e-12)
    for c in spec.categorical:
        rate = y.groupby(rows[c].fillna("∅")).transform("mean")
        assert got[c] == pytest.approx(roc_auc_score(y, rate), abs=1e-12)
    assert set(got) == set(spec.numeric) | set(spec.categorical)


def test_shuffled_labels_score_chance(synthetic, spec):
    frame, _ = synthetic
    rng = np.random.default_rng(0)
    shuffled = frame.copy()
    complete = shuffled[spec.label_complete_column]
    shuffled.loc[complete, "churn_status"] = rng.permutation(
        shuffled.loc[complete, "churn_status"].to_numpy()
    )
    split = time_split(shuffled, spec)
    models = fit_models(shuffled, spec, split, with_logistic=False)
    val = shuffled[split.validation]
    auc = score_report(val["churn_status"], models.calibrated.predict_proba(val[spec.features])[:, 1])[
        "roc_auc"
    ]
    assert abs(auc - 0.5) < 0.05


def test_same_seed_same_metrics(synthetic, spec):
    frame, truth = synthetic
    runs = [
        train(
            frame,
            spec,
            "s",
            None,
            truth=truth,
            random_state=11,
            save=False,
            importance=False,
            backtest_cutoffs=1,
        )
        for _ in range(2)
    ]
    for name in ("model", "logistic_regression", "oracle"):
        assert [runs[0].evaluation[name][k] for k in HEADLINE] == [
            runs[1].evaluation[name][k] for k in HEADLINE
        ]


def test_calibration_on_recent_months_lowers_brier_under_drift(spec):
    # churn becomes more likely month after month: the newest training months are the best guide
    snaps, _ = make_snapshots(customers=1500, months=20, seed=1, logit_drift_per_month=0.06)
    frame = prepare_frame(snaps, spec, "drift")
    split = time_split(frame, spec)
    models = fit_models(frame, spec, split, with_logistic=False)
    val = frame[split.validation]
    y = val["churn_status"]
    calibrated = score_report(y, models.calibrated.predict_proba(val[spec.features])[:, 1])
    raw = score_report(y, models.uncalibrated.predict_proba(val[spec.features])[:, 1])
    assert calibrated["brier"] < raw["brier"]
    assert calibrated["ece"] < raw["ece"]
    assert calibrated["roc_auc"] == pytest.approx(raw["roc_auc"], abs=1e-9)  # monotone: ranking unchanged


def test_spec_default_loads(spec):
    assert load_spec().features == spec.features


@pytest.mark.parametrize("seed", [0, 42])
def test_permutation_importance_rows_keep_the_churn_share(synthetic, spec, seed):
    frame, _ = synthetic
    rows = frame[frame[spec.label_column].notna()]
    share = rows[spec.label_column].mean()
    sample = importance_rows(rows, spec, max_rows=len(rows) // 3, random_state=seed)
    assert len(sample) == len(rows) // 3 and sample.index.is_unique and sample.index.isin(rows.index).all()
    assert abs(sample[spec.label_column].sum() - share * len(sample)) <= 1  # stratified: to one row
    again = importance_rows(rows, spec, max_rows=len(rows) // 3, random_state=seed)
    assert sample.index.equals(again.index)
    assert importance_rows(rows, spec, max_rows=len(rows), random_state=seed) is rows
