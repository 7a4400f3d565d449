"""The bytes-billed estimate (bytes_billed.py) on statements shaped like dbt-bigquery's."""

from __future__ import annotations

import pytest
from bytes_billed import MIN_BYTES_PER_TABLE, Estimate, TableSize
from googlesql_checker import Statement

ROWS = 1_000_000
# raw eventos_uso is partitioned by _loaded_at (RAW_PARTITIONS); 8-byte timestamps
SIZES = {
    "eventos_uso": TableSize(ROWS, {"id_evento": 18.0, "id_cliente": 12.0, "_batch_id": 15.0}),
    "events_by_day": TableSize(ROWS, {"customer_id": 12.0}),
    "events_windowed": TableSize(ROWS, {"id_cliente": 12.0}),
}
P = "`local-project`"


def bill(checker, *sql: str, fraction: float = 0.01) -> list[float]:
    statements = [Statement(f"model.cs_ops_dbt.m{index}", text) for index, text in enumerate(sql)]
    return [billed.bytes for billed in Estimate(checker, SIZES, fraction).run(statements).statements]


def test_a_query_costs_the_columns_it_reads(googlesql_checker) -> None:
    [cost] = bill(
        googlesql_checker, f"select id_evento, ocorrido_em from {P}.`cs_ops_raw_data`.`eventos_uso`"
    )
    assert cost == ROWS * (18 + 8) + MIN_BYTES_PER_TABLE


def test_a_constant_bound_on_the_partition_column_prunes_through_views(googlesql_checker) -> None:
    view = (
        '/* {"app": "dbt", "node_id": "model.cs_ops_dbt.stg_events"} */\n\n'  # dbt's query comment
        f"  create or replace view {P}.`cs_ops_analytics`.`stg_events`\n  OPTIONS()\n  as "
        f"with source as (select * from {P}.`cs_ops_raw_data`.`eventos_uso`)\n"  # staging's shape
        "select id_evento as event_id, cast(_loaded_at as timestamp) as loaded_at, _batch_id as batch_id "
        "from source;"
    )
    read = f"select event_id from {P}.`cs_ops_analytics`.`stg_events` where batch_id > 'b0003'"
    pruned = read + " and loaded_at >= timestamp '2024-01-01 00:00:00'"
    by_column = f"select event_id from {P}.`cs_ops_analytics`.`stg_events` where event_id > 'x'"
    # creating a view runs no query: not billed
    full, incremental, not_partition = bill(googlesql_checker, view, read, pruned, by_column)
    # the columns the outer query needs, through the view: id_evento (18) and _batch_id (15),
    # plus _loaded_at (8) where the bound names it; the bound on the partition column prunes
    assert full == ROWS * (18 + 15) + MIN_BYTES_PER_TABLE
    assert incremental == pytest.approx(0.01 * ROWS * (18 + 15 + 8) + MIN_BYTES_PER_TABLE)
    assert not_partition == ROWS * 18 + MIN_BYTES_PER_TABLE


def test_columns_an_import_cte_passes_on_unused_are_not_read(googlesql_checker) -> None:
    sql = (
        f"with events as (select * from {P}.`cs_ops_raw_data`.`eventos_uso`),\n"
        "counted as (select id_cliente, count(*) as n from events where _batch_id > 'b1'\n"
        "    group by id_cliente)\n"
        "select * from counted"
    )
    [cost] = bill(googlesql_checker, sql)
    assert cost == ROWS * (12 + 15) + MIN_BYTES_PER_TABLE  # id_cliente, _batch_id only


def test_partitions_come_from_the_create_statement(googlesql_checker) -> None:
    create = (
        f"create or replace table {P}.`cs_ops_analytics`.`events_by_day`\n"
        "partition by event_date cluster by customer_id OPTIONS() as (\n"
        f"select id_cliente as customer_id, cast(ocorrido_em as date) as event_date "
        f"from {P}.`cs_ops_raw_data`.`eventos_uso`)"
    )
    read = f"select customer_id from {P}.`cs_ops_analytics`.`events_by_day`"
    costs = bill(googlesql_checker, create, read + " where event_date >= date '2024-01-01'", read)
    assert costs[0] == ROWS * (12 + 8) + MIN_BYTES_PER_TABLE  # the create reads the raw table
    assert costs[1] == pytest.approx(0.01 * ROWS * (12 + 8) + MIN_BYTES_PER_TABLE)
    assert costs[2] == ROWS * 12 + MIN_BYTES_PER_TABLE
    # a window's `partition by` does not partition the table
    windowed = (
        f"create or replace table {P}.`cs_ops_analytics`.`events_windowed` OPTIONS() as (\n"
        "select id_cliente, row_number() over (partition by id_cliente order by ocorrido_em) as n "
        f"from {P}.`cs_ops_raw_data`.`eventos_uso`)"
    )
    read = f"select n from {P}.`cs_ops_analytics`.`events_windowed` where id_cliente = 'c1'"
    assert bill(googlesql_checker, windowed, read)[1] == ROWS * (12 + 8) + MIN_BYTES_PER_TABLE


def test_a_bound_or_null_on_the_partition_column_prunes_and_other_ors_do_not(googlesql_checker) -> None:
    create = (
        f"create or replace table {P}.`cs_ops_analytics`.`events_by_day`\n"
        "partition by event_date cluster by customer_id OPTIONS() as (\n"
        f"select id_cliente as customer_id, cast(ocorrido_em as date) as event_date "
        f"from {P}.`cs_ops_raw_data`.`eventos_uso`)"
    )
    read = f"select customer_id from {P}.`cs_ops_analytics`.`events_by_day` where "
    with_null = read + "(event_date >= date '2024-01-01' or event_date is null)"
    other_column = read + "(event_date >= date '2024-01-01' or customer_id = 'c1')"
    _, pruned, not_pruned = bill(googlesql_checker, create, with_null, other_column)
    # BigQuery reads the partitions from the bound on, plus the NULL partition
    assert pruned == pytest.approx(0.01 * ROWS * (12 + 8) + MIN_BYTES_PER_TABLE)
    # an `or` with a branch on another column can match rows of any partition
    assert not_pruned == ROWS * (12 + 8) + MIN_BYTES_PER_TABLE


def test_where_false_reads_nothing_and_a_merge_target_is_not_read(googlesql_checker) -> None:
    columns_only = (
        f"select * from (select * from {P}.`cs_ops_raw_data`.`eventos_uso`) as s "
        "where false and current_timestamp() = current_timestamp() limit 0"
    )
    merge = (
        f"merge into {P}.`cs_ops_raw_data`.`eventos_uso` as dest using (select 'x' as id_evento) as src "
        "on (false) when not matched then insert (id_evento) values (src.id_evento)"
    )
    assert bill(googlesql_checker, columns_only, merge) == [0.0, 0.0]
