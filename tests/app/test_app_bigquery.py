"""The app's queries on BigQuery (the local emulator) give the same answers as on DuckDB.

The marts and raw ledger tables of the tiny real pipeline run are copied into datasets
unique to this test on the emulator; every function of app/queries.py then runs on both
backends through `get_warehouse(settings, read_only=True)` and the results are compared.
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from app import queries
from warehouse import get_warehouse
from warehouse.config import Settings, load_settings

pytestmark = pytest.mark.prod

ANALYTICS_TABLES = [
    "dim_clientes",
    "fct_kpis_mensais",
    "fct_kpis_mensais_filtros",
    "fct_mrr_mensal",
    "fct_retencao_coortes",
    "fct_clientes_kpis",
    "fct_clientes_snapshot_mensal",
    "churn_scores",
    "fct_qualidade_dados",
    "fct_qualidade_dados_motivos",
    "fct_quarentena",
    "fct_tickets",
]
RAW_TABLES = ["load_ledger", "load_batches"]


@pytest.fixture(scope="module")
def both_backends(built_data_dir, bq_emulator):
    dev = get_warehouse(
        load_settings({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(built_data_dir)}), read_only=True
    )
    suffix = uuid.uuid4().hex[:10]
    prod_settings = Settings(
        target="prod",
        data_dir=built_data_dir,
        gcp_project="local-project",
        bq_location="US",
        emulator_host=bq_emulator,
        gcs_bucket=None,
        maximum_bytes_billed=10 * 1024**3,
        raw_dataset=f"cs_ops_raw_data_app_{suffix}",
        analytics_dataset=f"cs_ops_analytics_app_{suffix}",
    )
    writer = get_warehouse(prod_settings)
    writer.ensure_datasets()
    for table in ANALYTICS_TABLES:
        writer.write_table(dev.query(f"select * from {{analytics}}.{table}"), table)
    for table in RAW_TABLES:
        writer.write_table(dev.query(f"select * from {{raw}}.{table}"), table, dataset="raw")
    return dev, get_warehouse(prod_settings, read_only=True)


def _close(a, b, column):
    np.testing.assert_allclose(
        a[column].astype(float).to_numpy(),
        b[column].astype(float).to_numpy(),
        rtol=1e-6,
        atol=1e-6,
        err_msg=column,
    )


def test_executive_queries_match(both_backends):
    dev, prod = both_backends
    a, b = queries.kpis_mensais(dev), queries.kpis_mensais(prod)
    assert list(a["month"]) == list(b["month"])
    for column in ("mrr", "active_customers", "nrr", "quick_ratio", "nrr_t12m", "starting_mrr"):
        _close(a.fillna(0), b.fillna(0), column)
    options = queries.filter_options(dev)
    assert queries.filter_options(prod) == options
    segment = options["segment"][0]
    a, b = queries.kpis_mensais(dev, segment=segment), queries.kpis_mensais(prod, segment=segment)
    assert list(a["month"]) == list(b["month"])
    for column in ("mrr", "new_mrr", "churned_mrr", "active_customers", "churned_customers", "nrr", "arr"):
        _close(a, b, column)
    assert len(queries.cohorts(prod)) == len(queries.cohorts(dev))


def test_portfolio_and_customer_queries_match(both_backends):
    dev, prod = both_backends
    a, b = queries.portfolio(dev), queries.portfolio(prod)
    assert list(a["customer_id"]) == list(b["customer_id"])
    _close(a, b, "mrr_at_risk")
    assert list(a["drivers"]) == list(b["drivers"])
    customer = a["customer_id"].iloc[0]
    assert len(queries.customer_snapshots(prod, customer)) == len(queries.customer_snapshots(dev, customer))
    _close(queries.customer_mrr(dev, customer), queries.customer_mrr(prod, customer), "mrr")
    kpis_dev, kpis_prod = queries.customer_kpis(dev, customer), queries.customer_kpis(prod, customer)
    assert len(kpis_prod) == 1
    _close(kpis_dev, kpis_prod, "current_mrr")
    _close(kpis_dev, kpis_prod, "churn_probability")
    tickets = queries.optional_table(prod, "fct_tickets", customer)
    assert tickets is not None and len(tickets) == len(queries.optional_table(dev, "fct_tickets", customer))
    for search in ("", customer.lower(), "a"):
        found_dev = queries.customer_search(dev, search, 20)
        found_prod = queries.customer_search(prod, search, 20)
        assert list(found_prod["customer_id"]) == list(found_dev["customer_id"]), search
        assert list(found_prod["matched_customers"]) == list(found_dev["matched_customers"]), search
    filters = {"uf": a["uf"].iloc[0], "search": "a", "min_probability": 0.01}
    rows_dev, summary_dev = queries.portfolio_page(dev, 5, **filters)
    rows_prod, summary_prod = queries.portfolio_page(prod, 5, **filters)
    assert list(rows_prod["customer_id"]) == list(rows_dev["customer_id"])
    assert summary_prod["customers"] == summary_dev["customers"]
    assert summary_prod["mrr_at_risk"] == pytest.approx(summary_dev["mrr_at_risk"], rel=1e-9)


def test_quality_queries_match(both_backends):
    dev, prod = both_backends
    a, b = queries.quality(dev), queries.quality(prod)
    assert a["reconciles"].all() and b["reconciles"].all()
    assert int(a["raw_rows"].sum()) == int(b["raw_rows"].sum())
    sa, sb = queries.quarantine_summary(dev), queries.quarantine_summary(prod)
    assert sa.sort_values(["table_name", "reason"]).to_dict("records") == sb.sort_values(
        ["table_name", "reason"]
    ).to_dict("records")
    first = sa.iloc[0]
    examples = queries.quarantine_examples(prod, first["table_name"], first["reason"], 3)
    assert len(examples) == min(3, int(first["rows_quarantined"]))
    assert list(examples["record_key"]) == list(
        queries.quarantine_examples(dev, first["table_name"], first["reason"], 3)["record_key"]
    )
    assert len(queries.load_ledger(prod)) == len(queries.load_ledger(dev))
    assert len(queries.load_batches(prod)) == len(queries.load_batches(dev))
