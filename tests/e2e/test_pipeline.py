"""The whole slice, as a user runs it: `just dev` on DuckDB and `just prod` on the BigQuery emulator.

Both runs use the same seed and scale (DEV_ARGS), so the marts they build must agree. The
dev run is the session's `dev_build` (tests/conftest.py), which the app tests read too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from warehouse import get_warehouse
from warehouse.config import REPO_ROOT, Settings, load_settings
from warehouse.contract import load_contract
from warehouse.emulator import running_emulator

pytestmark = pytest.mark.e2e

TABLES = sorted(load_contract().tables)


def _just() -> str:
    local = Path(sys.executable).with_name("just")
    return str(local) if local.exists() else (shutil.which("just") or "just")


def _run_pipeline(recipe: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [_just(), recipe, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    log = Path(env["CS_OPS_DATA_DIR"]) / f"just_{recipe}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
    assert done.returncode == 0, (
        f"just {recipe} failed; log in {log}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


def _batch_row_counts(data_dir: Path) -> dict[str, int]:
    totals = {table: 0 for table in TABLES}
    metadata_files = sorted((data_dir / "raw" / "_batches").glob("*.json"))
    assert metadata_files, "the generator wrote no batch metadata"
    for path in metadata_files:
        counts = json.loads(path.read_text())["row_counts"]
        for table, rows in counts.items():
            totals[table] += int(rows)
    return totals


def _count(settings: Settings, dataset: str, table: str) -> int:
    frame = get_warehouse(settings).query(f"select count(*) as n from {{{dataset}}}.{table}")
    return int(frame["n"].iloc[0])


@pytest.fixture(scope="module")
def dev_settings(dev_build: Path) -> Settings:
    assert "Open the app" in (dev_build / "just_dev.log").read_text()
    return load_settings({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(dev_build)})


@pytest.fixture(scope="module")
def e2e_emulator() -> Iterator[str]:
    """An emulator of its own, so other tests' datasets cannot change these counts."""
    with running_emulator() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def prod_settings(
    tmp_path_factory: pytest.TempPathFactory, e2e_emulator: str, dev_args: list[str]
) -> Settings:
    data_dir = tmp_path_factory.mktemp("e2e-prod")
    env = {
        **os.environ,
        "CS_OPS_TARGET": "prod",
        "CS_OPS_DATA_DIR": str(data_dir),
        "GOOGLE_CLOUD_PROJECT": "local-project",
        "BIGQUERY_EMULATOR_HOST": e2e_emulator,
    }
    _run_pipeline("prod", dev_args, env)
    return load_settings(env)


def _check_raw_matches_batches(settings: Settings) -> None:
    expected = _batch_row_counts(settings.data_dir)
    assert sum(expected.values()) > 10_000, "the tiny scale still writes a real amount of data"
    for table in TABLES:
        assert _count(settings, "raw", table) == expected[table], f"raw {table} rows != generated rows"


def _check_marts(settings: Settings) -> pd.DataFrame:
    wh = get_warehouse(settings)
    kpis = wh.query("select * from {analytics}.fct_clientes_kpis")
    generated = pq.read_table(settings.truth_dir / "clientes.parquet").num_rows
    assert 0.9 * generated <= len(kpis) <= generated, "one row per customer that survives cleaning"
    assert kpis["customer_id"].is_unique
    assert set(kpis["churn_status"].astype(int)) == {0, 1}, "a 15-month history has churners and actives"
    assert kpis["health_score"].between(0, 100).all()
    assert set(kpis["health_tier"]) <= {"saudável", "atenção", "risco"}
    active = kpis[kpis["churn_status"].astype(int) == 0]
    assert (active["current_mrr"] > 0).all(), "active customers pay"

    monthly = wh.query("select * from {analytics}.fct_kpis_mensais order by month")
    assert len(monthly) >= 15, "one row per month (the initial base signed up before the first batch)"
    assert str(monthly["month"].max())[:7] == "2025-03", "KPIs run up to the last batch month"
    # the first month opens with the MRR already in force before the first batch (starting_mrr)
    previous = monthly["mrr"].shift(1).fillna(monthly["starting_mrr"].iloc[0])
    identity = (
        previous
        + monthly["new_mrr"]
        + monthly["expansion_mrr"]
        + monthly["reactivation_mrr"]
        - monthly["contraction_mrr"]
        - monthly["churned_mrr"]
    )
    assert (identity - monthly["mrr"]).abs().max() < 0.05, "MRR bridge must close every month"
    assert monthly["active_customers"].iloc[-1] == len(active)

    quality = wh.query("select * from {analytics}.fct_qualidade_dados")
    balance = (
        quality["raw_rows"] - quality["clean_rows"] - quality["duplicate_rows"] - quality["quarantined_rows"]
    )
    assert (balance == 0).all(), "every raw row is clean, a duplicate or quarantined"
    assert quality["quarantined_rows"].sum() > 0, "the generator's dirt must be caught"
    return kpis


def _check_model_and_scores(settings: Settings, kpis: pd.DataFrame) -> None:
    model_files = list(settings.ml_dir.glob("*.skops"))
    assert model_files, f"no model artefact under {settings.ml_dir}"
    evaluation = json.loads((settings.ml_dir / "evaluation.json").read_text())
    # At this tiny scale the model's own AUC is noise (tests/ml checks quality on more data);
    # here: every score is evaluated, and the generator's signal reached the marts.
    for name in ["model", "logistic_regression", "health_score", "oracle"]:
        assert 0.0 <= evaluation[name]["roc_auc"] <= 1.0, name
    assert evaluation["oracle"]["roc_auc"] > 0.7, "the true churn probability ranks the mart's labels"
    scores = get_warehouse(settings).query("select * from {analytics}.churn_scores")
    active_ids = set(kpis.loc[kpis["churn_status"].astype(int) == 0, "customer_id"])
    assert set(scores["customer_id"]) == active_ids, "every active customer is scored, nobody else"
    assert scores["churn_probability"].between(0, 1).all()
    assert scores["churn_probability"].nunique() > 1


def test_dev_pipeline_builds_real_outputs(dev_settings: Settings) -> None:
    _check_raw_matches_batches(dev_settings)
    kpis = _check_marts(dev_settings)
    _check_model_and_scores(dev_settings, kpis)


def test_dev_app_main_page_renders(dev_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from warehouse.config import get_settings

    monkeypatch.setenv("CS_OPS_TARGET", "dev")
    monkeypatch.setenv("CS_OPS_DATA_DIR", str(dev_settings.data_dir))
    get_settings.cache_clear()
    try:
        app = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=120).run()
        assert not app.exception, [e.value for e in app.exception]
        assert not app.error, [e.value for e in app.error]
        assert len(app.metric) >= 3, "the executive page shows its KPI cards"
    finally:
        get_settings.cache_clear()


@pytest.mark.prod
def test_prod_pipeline_on_emulator_matches_dev(prod_settings: Settings, dev_settings: Settings) -> None:
    _check_raw_matches_batches(prod_settings)
    kpis = _check_marts(prod_settings)
    _check_model_and_scores(prod_settings, kpis)

    dev_monthly = get_warehouse(dev_settings).query(
        "select * from {analytics}.fct_kpis_mensais order by month"
    )
    prod_monthly = get_warehouse(prod_settings).query(
        "select * from {analytics}.fct_kpis_mensais order by month"
    )
    assert len(dev_monthly) == len(prod_monthly)
    for column in ["mrr", "new_mrr", "churned_mrr", "active_customers", "churned_customers"]:
        left = dev_monthly[column].astype(float).to_numpy()
        right = prod_monthly[column].astype(float).to_numpy()
        assert abs(left - right).max() < 0.01, f"{column} differs between DuckDB and BigQuery"
    dev_kpis = get_warehouse(dev_settings).query(
        "select customer_id, health_score from {analytics}.fct_clientes_kpis"
    )
    merged = dev_kpis.merge(
        kpis[["customer_id", "health_score"]], on="customer_id", suffixes=("_dev", "_prod")
    )
    assert len(merged) == len(dev_kpis)
    # the score is rounded to one decimal: sums in another order may land across a .x5 boundary
    difference = (merged["health_score_dev"] - merged["health_score_prod"]).abs()
    assert difference.max() < 0.1001 and (difference < 1e-9).mean() > 0.95
