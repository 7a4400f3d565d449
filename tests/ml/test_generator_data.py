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
    ["-m", "generator", "--customers", "1500", "--months", "24", "--overwrite"],
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


def test_model_beats_the_health_score_and_keeps_up_with_logistic_regression(generator_eval):
    ev = generator_eval
    model_auc = _windows(ev, "model", "roc_auc")
    health_auc = _windows(ev, "health_score", "roc_auc")
    lr_auc = _windows(ev, "logistic_regression", "roc_auc")
    assert len(model_auc) >= 4
    # the dbt health score as a ranking: the model wins in every out-of-time window
    assert all(m > h + 0.02 for m, h in zip(model_auc, health_auc, strict=True)), (model_auc, health_auc)
    assert ev["model"]["top_decile_lift"] > ev["health_score"]["top_decile_lift"]
    assert ev["model"]["pr_auc"] > ev["health_score"]["pr_auc"]
    # logistic regression: at this scale (1500 customers, ~4.5% churn) the two are statistically tied
    # (one window's AUC sampling error is ~0.02); the model must not fall behind by more than that.
    # On 3000 customers the model is ahead (see the report); we do not tune to make it win here.
    assert sum(model_auc) / len(model_auc) > sum(lr_auc) / len(lr_auc) - 0.015, (model_auc, lr_auc)
    # and the oracle stays above everything (it knows the true hazards)
    assert ev["oracle"]["roc_auc"] > ev["model"]["roc_auc"]
    assert ev["model"]["ece"] <= 0.03
