"""Incremental models give the same result as a full refresh, and snapshot features
are point in time: adding later batches does not change a past snapshot's features."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from dbt_runs import dbt, generate, load, query, read_sorted

A = "cs_ops_analytics"
# the sort keys of an int_<table>__classified model (every raw row once)
CLASSIFIED = ["batch_id", "source_file", "raw_values", "record_status", "version_rank"]
TABLES = {
    "int_eventos_uso__deduplicated": ["event_id"],
    "int_uso__mensal": ["customer_id", "user_id", "usage_month", "known_date"],
    "int_uso__janelas_mensais": ["customer_id", "snapshot_date"],
    "int_eventos_uso__lotes": ["batch_id"],
    "int_eventos_uso__rejeitados": ["batch_id", "event_id", "raw_values"],
    "int_eventos_uso__orfaos": ["event_id"],
    "fct_eventos_uso": ["event_id"],
    "int_usuarios__classified": CLASSIFIED,
    "int_contratos__classified": CLASSIFIED,
    "int_faturas__classified": CLASSIFIED,
    "int_tickets__classified": CLASSIFIED,
    "int_nps_respostas__classified": CLASSIFIED,
    "int_clientes__classified": CLASSIFIED,
    "int_clientes__known": ["customer_id"],
    "int_contratos__known": ["contract_id"],
    "int_contratos__vigencias": ["contract_id"],
    "fct_contratos": ["contract_id"],
    "fct_faturas": ["invoice_id"],
    "fct_tickets": ["ticket_id"],
    "fct_nps_respostas": ["response_id"],
    "dim_usuarios": ["user_id"],
    "int_usuarios__known": ["user_id"],
    "int_clientes__mensal": ["customer_id", "snapshot_date"],
    "int_clientes__health_scores": ["customer_id", "snapshot_date"],
    "int_clientes__churn_labels": ["customer_id", "snapshot_date"],
    "fct_clientes_snapshot_mensal": ["customer_id", "snapshot_date"],
    "fct_clientes_kpis": ["customer_id"],
    "fct_mrr_mensal": ["customer_id", "month"],
    "fct_kpis_mensais": ["month"],
    "fct_qualidade_dados": ["table_name", "batch_id"],
    "fct_quarentena": ["quarantine_id"],
}
LABEL_COLUMNS = ["churn_status", "is_label_complete"]
# the models that keep their rows between runs: the usage events and their aggregates
INCREMENTAL_MODELS = (
    "int_eventos_uso__deduplicated", "int_eventos_uso__lotes", "int_eventos_uso__rejeitados",
    "int_uso__mensal", "int_uso__janelas_mensais",
)  # fmt: skip


def read(data_dir: Path, table: str) -> pd.DataFrame:
    return read_sorted(data_dir, table, TABLES[table])


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = tmp_path_factory.mktemp("dbt-incremental")
    generate(data_dir, 50, 6)
    load(data_dir)
    dbt(data_dir, "run")
    first = {table: read(data_dir, table) for table in TABLES}
    first_as_of = query(data_dir, f"select last_snapshot_date from {A}.int_calendario__as_of").iloc[0, 0]

    generate(data_dir, 50, 3, "--continue")
    load(data_dir)
    dbt(data_dir, "run")
    compiled = data_dir / "dbt-target" / "run" / "cs_ops_dbt" / "models"
    incremental_sql = {
        name: (compiled / (name if "/" in name else f"intermediate/{name}")).with_suffix(".sql").read_text()
        for name in INCREMENTAL_MODELS
    }
    incremental = {table: read(data_dir, table) for table in TABLES}

    dbt(data_dir, "run", "--full-refresh")
    full = {table: read(data_dir, table) for table in TABLES}
    return {
        "first": first, "first_as_of": first_as_of, "incremental": incremental, "full": full,
        "incremental_sql": incremental_sql,
    }  # fmt: skip


def test_the_second_run_was_incremental(history: dict) -> None:
    for name, sql in history["incremental_sql"].items():
        assert "insert into" in sql.lower(), f"{name} was rebuilt instead of appended"
    first, incremental = history["first"], history["incremental"]
    assert len(incremental["int_eventos_uso__deduplicated"]) > len(first["int_eventos_uso__deduplicated"])
    assert incremental["fct_kpis_mensais"].month.max() > first["fct_kpis_mensais"].month.max()


@pytest.mark.parametrize("table", sorted(TABLES))
def test_incremental_equals_full_refresh(history: dict, table: str) -> None:
    incremental, full = history["incremental"][table], history["full"][table]
    assert len(incremental) == len(full) > 0
    pd.testing.assert_frame_equal(incremental, full, check_dtype=False)


def test_past_snapshot_features_do_not_change_when_later_data_arrives(history: dict) -> None:
    keys = TABLES["fct_clientes_snapshot_mensal"]
    before = history["first"]["fct_clientes_snapshot_mensal"]
    after = history["incremental"]["fct_clientes_snapshot_mensal"]
    after = after[after.snapshot_date <= history["first_as_of"]].reset_index(drop=True)
    assert len(before) > 0
    assert before[keys].equals(after[keys]), "snapshot rows appeared or vanished in the past"
    features = [c for c in before.columns if c not in LABEL_COLUMNS]
    pd.testing.assert_frame_equal(before[features], after[features], check_dtype=False)
    # the label of older snapshots may only become known, never change its features
    assert after.is_label_complete.sum() >= before.is_label_complete.sum()
