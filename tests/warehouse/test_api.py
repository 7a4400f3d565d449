"""query / write_table / table_exists / data_timestamp on both backends, and the SQL helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import rawfiles
from warehouse_envs import WarehouseEnv, make_settings

from warehouse import get_warehouse
from warehouse.base import ReadOnlyError, WarehouseError, fill_datasets, translate_params


def _scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["CLI-1", "CLI-2", "CLI-3"],
            "snapshot_date": [dt.date(2024, 3, 31)] * 3,
            "churn_probability": [0.12, 0.57, 0.91],
            "risk_tier": ["baixo", "médio", "alto"],
            "top_drivers": ['[{"feature": "usage_trend_pct"}]', "[]", "[]"],
            "seats": pd.array([10, None, 3], dtype="Int64"),
            "is_label_complete": [True, False, True],
            "scored_at": [dt.datetime(2024, 4, 1, 12, tzinfo=dt.UTC)] * 3,
        }
    )


def test_write_table_replace_append_and_parameterised_queries(wh_env: WarehouseEnv) -> None:
    wh = wh_env.warehouse()
    wh.ensure_datasets()
    wh.ensure_datasets()  # idempotent
    assert not wh.table_exists("churn_scores")
    assert wh.write_table(_scores(), "churn_scores") == 3
    assert wh.table_exists("churn_scores")
    assert wh.table_exists("load_ledger", dataset="raw")
    assert not wh.table_exists("churn_scores", dataset="raw")

    wh.write_table(_scores().iloc[:1], "churn_scores", mode="append")
    assert int(wh.query("select count(*) as n from {analytics}.churn_scores")["n"].iloc[0]) == 4
    wh.write_table(_scores().iloc[1:], "churn_scores")  # replace
    frame = wh.query(
        "select customer_id, churn_probability, seats, is_label_complete, scored_at, snapshot_date "
        "from {analytics}.churn_scores "
        "where churn_probability >= @floor and risk_tier in unnest(@tiers) and snapshot_date = @day "
        "and scored_at < @before and is_label_complete = @complete and customer_id != '@not_a_param' "
        "order by customer_id",
        {
            "floor": 0.5,
            "tiers": ["médio", "alto"],
            "day": dt.date(2024, 3, 31),
            "before": dt.datetime(2024, 4, 2, tzinfo=dt.UTC),
            "complete": True,
            "unused": 1,
        },
    )
    assert list(frame["customer_id"]) == ["CLI-3"]
    assert frame["churn_probability"].iloc[0] == pytest.approx(0.91)
    assert int(frame["seats"].iloc[0]) == 3
    assert pd.Timestamp(frame["scored_at"].iloc[0]) == pd.Timestamp("2024-04-01 12:00", tz="UTC")
    assert pd.Timestamp(frame["snapshot_date"].iloc[0]).date() == dt.date(2024, 3, 31)
    nulls = wh.query("select count(*) as n from {analytics}.churn_scores where seats is null")
    assert int(nulls["n"].iloc[0]) == 1

    with pytest.raises(WarehouseError, match="no value was given for 'missing'"):
        wh.query("select @missing as x")
    with pytest.raises(WarehouseError, match="not a plain identifier"):
        wh.write_table(_scores(), "scores; drop table x")


def test_data_timestamp_is_the_last_load(wh_env: WarehouseEnv) -> None:
    wh = wh_env.warehouse()
    wh.ensure_datasets()
    assert wh.data_timestamp() is None
    before = dt.datetime.now(dt.UTC)
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh.load_raw()
    stamp = wh.data_timestamp()
    assert stamp is not None and before <= stamp <= dt.datetime.now(dt.UTC)


def test_info_lists_tables_with_counts_and_ledger(wh_env: WarehouseEnv) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh = wh_env.warehouse()
    wh.load_raw()
    info = wh.info()
    raw = info["datasets"][wh_env.settings.raw_dataset]
    assert raw["clientes"] == rawfiles.rows_for("clientes", 1)
    assert raw["load_batches"] == 1
    ledger = info["ledger"]
    assert ledger.to_dict("records")[0]["batches"] == 1
    assert int(ledger["row_count"].iloc[0]) == sum(
        rawfiles.rows_for(t, 1) for t in raw if not t.startswith("load_")
    )


@pytest.mark.prod
def test_bigquery_read_only_refuses_writes(bq_emulator: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, bq_emulator)
    get_warehouse(settings).ensure_datasets()
    reader = get_warehouse(settings, read_only=True)
    assert reader.query("select 1 as one")["one"].iloc[0] == 1
    with pytest.raises(ReadOnlyError):
        reader.write_table(_scores(), "churn_scores")
    with pytest.raises(ReadOnlyError):
        reader.load_raw()
    assert reader.publish() is None


@pytest.mark.parametrize(
    ("sql", "params", "style", "expected"),
    [
        ("select * from t where a = @a", {"a": 1}, "duckdb", "select * from t where a = $a"),
        ("select * from t where a = @a", {"a": 1}, "bigquery", "select * from t where a = @a"),
        (
            "select '@a', \"@a\", `@a` -- @a\n, @a",
            {"a": 1},
            "duckdb",
            "select '@a', \"@a\", `@a` -- @a\n, $a",
        ),
        ("select 'it''s @a' /* @a */, @@x", {"a": 1}, "duckdb", "select 'it''s @a' /* @a */, @@x"),
        ("x IN UNNEST(@ids)", {"ids": [1]}, "duckdb", "x in (select unnest($ids))"),
        ("x in unnest(@ids)", {"ids": [1]}, "bigquery", "x in unnest(@ids)"),
    ],
)
def test_translate_params(sql: str, params: dict, style: str, expected: str) -> None:
    assert translate_params(sql, params, style)[0] == expected


def test_fill_datasets_leaves_other_braces_alone() -> None:
    sql = "select '{\"a\": 1}' as j, regexp_matches(x, 'a{2}') from {raw}.t join {analytics}.u"
    assert (
        fill_datasets(sql, "R", "A")
        == "select '{\"a\": 1}' as j, regexp_matches(x, 'a{2}') from R.t join A.u"
    )


def test_replace_may_change_the_schema_and_leaves_no_staging_table(wh_env: WarehouseEnv) -> None:
    wh = wh_env.warehouse()
    wh.ensure_datasets()
    wh.write_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "evolving")
    wh.write_table(pd.DataFrame({"a": [1.5], "c": ["z"]}), "evolving")
    frame = wh.query("select * from {analytics}.evolving")
    assert list(frame.columns) == ["a", "c"]
    assert frame.to_dict("records") == [{"a": 1.5, "c": "z"}]
    assert set(wh.list_tables("analytics")) == {"evolving"}


def test_query_arrow_returns_the_same_rows(wh_env: WarehouseEnv) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh = wh_env.warehouse()
    wh.load_raw()
    sql = "select id_ticket, csat from {raw}.tickets where csat >= @floor order by id_ticket"
    table = wh.query_arrow(sql, {"floor": 1002})
    frame = wh.query(sql, {"floor": 1002})
    assert table.num_rows == len(frame) == rawfiles.rows_for("tickets", 1) - 2
    assert table.column("id_ticket").to_pylist() == list(frame["id_ticket"])
    if wh_env.backend == "dev":  # readers read releases, which hold marts, not raw tables
        wh.query("create table {analytics}.fct_tickets as select * from {raw}.tickets")
        wh.publish()
        reader = get_warehouse(wh_env.settings, read_only=True)
        mart_sql = sql.replace("{raw}.tickets", "{analytics}.fct_tickets")
        assert reader.query_arrow(mart_sql, {"floor": 1002}).equals(table)


@pytest.mark.prod
def test_bigquery_reads_carry_the_maximum_bytes_billed_guard(bq_emulator: str, tmp_path: Path) -> None:
    """Every query job the reads start has CS_OPS_MAX_BYTES_BILLED (the emulator runs them for real)."""
    import dataclasses

    settings = dataclasses.replace(make_settings(tmp_path, bq_emulator), maximum_bytes_billed=123_456_789)
    wh = get_warehouse(settings)
    wh.ensure_datasets()
    wh.write_table(_scores(), "churn_scores")
    reader = get_warehouse(settings, read_only=True)
    sent: list[int | None] = []
    real_query = reader.client.query

    def spy(sql, job_config=None, **kwargs):
        sent.append(job_config.maximum_bytes_billed if job_config is not None else None)
        return real_query(sql, job_config=job_config, **kwargs)

    reader.client.query = spy
    frame = reader.query(
        "select count(*) as n from {analytics}.churn_scores where risk_tier = @t", {"t": "alto"}
    )
    assert int(frame["n"].iloc[0]) == 1
    assert reader.query_arrow("select customer_id from {analytics}.churn_scores").num_rows == 3
    assert reader.list_tables("analytics") == {"churn_scores": 3}
    assert len(sent) == 3
    assert sent == [123_456_789] * 3, "no read may run without the cost guard"
