"""The model on real generator data, built by the real pipeline (generator -> warehouse
load -> dbt build) into a temporary data dir, read through the warehouse API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STEPS = [
    # 3,000 customers: ~8,700 validation rows and ~350 churners per 3-month window, so a model-vs-baseline
    # AUC difference of ~0.015 is about one standard error per window and four windows are compared
    ["-m", "generator", "--customers", "3000", "--months", "24", "--seed", "5", "--overwrite"],
    ["-m", "warehouse", "load"],
    ["-m", "warehouse.dbt", "run", "--select", "+fct_clientes_snapshot_mensal"],
]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def generator_eval(tmp_path_factory):
    from ml.data import load_truth, read_table
    from ml.spec import load_spec
    from ml.train import train
    from warehouse.config import get_settings

    data_dir = tmp_path_factory.mktemp("ml-generator-data")
    env = {**os.environ, "CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    for step in STEPS:
        done = subprocess.run([sys.executable, *step], cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"`python {' '.join(step)}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    old = {k: os.environ.get(k) for k in ("CS_OPS_TARGET", "CS_OPS_DATA_DIR")}
    os.environ.update({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir)})
    get_settings.cache_clear()
    try:
        spec = load_spec()
        frame, source = read_table(spec.table, spec)
        truth = load_truth(get_settings().truth_dir)
        result = train(
            frame, spec, source, None, truth=truth, save=False, importance=False, backtest_cutoffs=3
        )
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
    return result.evaluation


def _windows(ev: dict, name: str, metric: str) -> list[float]:
    """The metric over the validation window and every backtest cut-off (4 out-of-time windows)."""
    values = [ev[name][metric]]
    values += [b[name][metric] for b in ev["backtest"] if "skipped" not in b]
    return values


def test_generator_data_has_an_oracle_and_honest_split(generator_eval):
    ev = generator_eval
    assert ev["oracle_available"] and ev["oracle"]["coverage"] > 0.99
    assert ev["split_rows"]["excluded_label_incomplete"] > 0
    assert max(ev["single_feature_auc"].values()) < 0.95


def test_model_beats_the_health_score_and_ties_logistic_regression(generator_eval):
    ev = generator_eval
    model_auc = _windows(ev, "model", "roc_auc")
    health_auc = _windows(ev, "health_score", "roc_auc")
    lr_auc = _windows(ev, "logistic_regression", "roc_auc")
    assert len(model_auc) >= 4
    # the dbt health score as a ranking: the model wins in every out-of-time window
    assert all(m > h + 0.02 for m, h in zip(model_auc, health_auc, strict=True)), (model_auc, health_auc)
    assert ev["model"]["top_decile_lift"] > ev["health_score"]["top_decile_lift"]
    assert ev["model"]["pr_auc"] > ev["health_score"]["pr_auc"]
    # logistic regression on the spec's columns: on this generator the two are tied. Its churn hazard is
    # a logistic function of the latent health plus a renewal-month term, i.e. the linear model's own
    # shape; the trees only add thresholds/interactions that are small here. Measured over 4 windows of
    # ~8,700 rows: seed 42 model ahead in 4/4 (mean +0.015), seed 5 behind in 3/4 (mean -0.001). So the
    # honest assertion is "never meaningfully behind" (one window's AUC standard error is ~0.014; the
    # mean of four is ~0.007): the model card states the tie and why, rather than tuning until it wins.
    gap = sum(model_auc) / len(model_auc) - sum(lr_auc) / len(lr_auc)
    assert gap > -0.01, (model_auc, lr_auc)
    assert min(m - lr for m, lr in zip(model_auc, lr_auc, strict=True)) > -0.03, (model_auc, lr_auc)
    assert ev["model"]["ece"] <= 0.03


def test_oracle_and_point_in_time_ceiling(generator_eval):
    ev = generator_eval
    oracle, pit, model = ev["oracle"], ev["oracle_point_in_time"], ev["model"]
    realised = ev["oracle_realised_path"]
    assert pit["rows"] == oracle["rows"] == model["rows"] == realised["rows"]  # same rows for every score
    # `oracle` is the generator's true probability at the snapshot (truth churn_prob_90d): calibrated
    # on the warehouse's own labels, above a model that sees the exact latent health only, which sits
    # above the warehouse-feature model (within sampling error); the realised-path reference sees
    # how health moved after the snapshot and scores higher than any forecast
    assert ev["oracle_kind"] == "true_probability" and "oracle_note" not in ev
    assert oracle["ece"] < 0.015
    assert realised["roc_auc"] > oracle["roc_auc"] > pit["roc_auc"] > model["roc_auc"] - 0.01
    assert realised["top_decile_lift"] > oracle["top_decile_lift"] > pit["top_decile_lift"]
    t = ev["targets"]
    assert t["auc_ratio_vs_point_in_time"] == pytest.approx(model["roc_auc"] / pit["roc_auc"])
    assert t["point_in_time_auc_ratio_vs_oracle"] < 1
