"""The same train -> score path on BigQuery (the local emulator): ml only talks to `warehouse`."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.cli import main
from ml.score import SCORE_COLUMNS

pytestmark = pytest.mark.prod


def test_train_and_score_on_bigquery(bq_emulator, synthetic, tmp_path, monkeypatch):
    from warehouse import get_warehouse
    from warehouse.config import get_settings

    monkeypatch.setenv("CS_OPS_TARGET", "prod")
    monkeypatch.setenv("CS_OPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "ml-project")
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bq_emulator)
    get_settings.cache_clear()
    try:
        frame, _ = synthetic
        small = frame[frame["customer_id"].isin(frame["customer_id"].unique()[:400])]
        wh = get_warehouse()
        wh.ensure_datasets()
        assert main(["score"]) == 2  # no model yet: a clear error, not a traceback
        assert main(["train"]) == 2  # no mart yet
        wh.write_table(small, "fct_clientes_snapshot_mensal")
        assert main(["train"]) == 0
        assert main(["score"]) == 0
        scores = get_warehouse().query("select * from {analytics}.churn_scores")
        latest = small[small["snapshot_date"] == small["snapshot_date"].max()]
        assert sorted(scores.columns) == sorted(SCORE_COLUMNS)
        assert set(scores["customer_id"]) == set(latest["customer_id"])
        assert (pd.to_datetime(scores["snapshot_date"]) == latest["snapshot_date"].max()).all()
        assert scores["churn_probability"].between(0, 1).all()
    finally:
        get_settings.cache_clear()
