"""The CLI end to end on a real DuckDB warehouse in a temporary data dir, and on a
second, differently-shaped Parquet table through its own spec."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from ml.cli import main
from ml.model_store import load_model
from ml.score import SCORE_COLUMNS


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from warehouse.config import get_settings

    monkeypatch.setenv("CS_OPS_TARGET", "dev")
    monkeypatch.setenv("CS_OPS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_missing_mart_says_run_transform(data_dir, capsys):
    assert main(["train"]) == 2
    assert "just transform" in capsys.readouterr().err


def test_train_then_score_writes_churn_scores(data_dir, synthetic, capsys):
    from warehouse import get_warehouse

    frame, truth = synthetic
    wh = get_warehouse()
    wh.ensure_datasets()
    wh.write_table(frame, "fct_clientes_snapshot_mensal")  # stands in for the dbt mart
    (data_dir / "truth").mkdir()
    truth.to_parquet(data_dir / "truth" / "clientes_mensal.parquet")

    assert main(["train"]) == 0
    printed = capsys.readouterr().out
    assert "oracle" in printed and "health_score" in printed
    ml_dir = data_dir / "ml"
    for name in (
        "evaluation.json",
        "model_card.md",
        "churn_model.skops",
        "churn_model.meta.json",
        "calibration.svg",
        "lift.svg",
        "backtest.svg",
        "importance.svg",
    ):
        assert (ml_dir / name).is_file(), name
    card = (ml_dir / "model_card.md").read_text()
    assert (
        "| oracle |" in card and "Out-of-time backtest" in card and "![calibration](calibration.svg)" in card
    )

    assert main(["score"]) == 0
    scores = get_warehouse().query("select * from {analytics}.churn_scores")
    latest = frame[frame["snapshot_date"] == frame["snapshot_date"].max()]
    assert list(scores.columns) == SCORE_COLUMNS
    assert len(scores) == latest["customer_id"].nunique() == len(latest)
    assert set(scores["customer_id"]) == set(latest["customer_id"])
    assert (pd.to_datetime(scores["snapshot_date"]) == latest["snapshot_date"].max()).all()
    assert scores["churn_probability"].between(0, 1).all()
    assert scores["model_version"].nunique() == 1
    assert scores["model_version"].iloc[0] == load_model(ml_dir / "churn_model.skops").version
    drivers = json.loads(scores.sort_values("churn_probability").iloc[-1]["top_drivers"])
    assert drivers and {"feature", "delta", "direction", "text"} <= set(drivers[0])
    assert (data_dir / "warehouse" / "published").is_dir()  # score publishes for readers


def test_trainer_works_on_a_differently_shaped_table(data_dir, synthetic, tmp_path, capsys):
    frame, _ = synthetic
    other = frame[frame["is_label_complete"]].rename(
        columns={
            "customer_id": "conta",
            "snapshot_date": "mes_referencia",
            "churn_status": "cancelou",
            "events_30d": "uso_mensal",
            "tickets_90d": "chamados",
            "avg_payment_delay_days_90d": "atraso_medio",
            "adoption_rate": "adocao",
            "uf": "regiao",
        }
    )[["conta", "mes_referencia", "cancelou", "uso_mensal", "chamados", "atraso_medio", "adocao", "regiao"]]
    other["mes_referencia"] = other["mes_referencia"].dt.strftime("%Y-%m-%d")  # dates as text, coerced
    table = tmp_path / "contas.parquet"
    other.to_parquet(table)
    spec_file = tmp_path / "contas.yml"
    spec_file.write_text(
        yaml.safe_dump(
            {
                "name": "contas",
                "id_column": "conta",
                "time_column": "mes_referencia",
                "label_column": "cancelou",
                "horizon_days": 90,
                "numeric": ["uso_mensal", "chamados", "atraso_medio", "adocao"],
                "categorical": ["regiao"],
                "descriptions": {"adocao": "adoção {value:.0%}"},
            },
            allow_unicode=True,
        )
    )
    out = tmp_path / "contas-out"
    assert main(["train", "--table", str(table), "--spec", str(spec_file), "--out", str(out)]) == 0
    ev = json.loads((out / "evaluation.json").read_text())
    assert ev["source"] == str(table)
    assert ev["model"]["roc_auc"] > 0.6
    assert ev["logistic_regression"]["roc_auc"] > 0.55
    assert ev["oracle"] is None and "oracle" in ev["oracle_note"]
    model = load_model(out / "churn_model.skops")
    assert model.spec.id_column == "conta" and model.spec.features == [
        "uso_mensal",
        "chamados",
        "atraso_medio",
        "adocao",
        "regiao",
    ]
    assert "oracle skipped" in (out / "model_card.md").read_text()
