"""DuckDB releases + read-only readers: a release holds what readers read (marts, scores,
the load ledger), never raw or intermediate tables; readers see the last complete release,
never hold the build file's lock, and keep working during loads, publishes and rebuilds."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
import rawfiles
from warehouse_envs import HERE, WarehouseEnv, make_settings

from warehouse import get_warehouse
from warehouse.base import NotPublishedError, ReadOnlyError, WarehouseBusyError
from warehouse.duckdb_backend import DuckDBReader, DuckDBWarehouse
from warehouse.releases import KEEP_RELEASES, POINTER, SAMPLED, published_at


@pytest.fixture
def dev(tmp_path: Path) -> WarehouseEnv:
    return WarehouseEnv(make_settings(tmp_path / "data"))


def _batches_seen(reader) -> list[str]:
    frame = reader.query("select batch_id as b from {raw}.load_batches order by b")
    return list(frame["b"])


def _release_tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    finally:
        con.close()
    return {name for (name,) in rows}


def _build(writer: DuckDBWarehouse, sql: str) -> None:
    """A stand-in for a dbt build: create relations in the build file."""
    with writer.connect() as con:
        con.execute(sql)


def test_reader_without_a_snapshot_says_how_to_publish(dev: WarehouseEnv) -> None:
    reader = get_warehouse(dev.settings, read_only=True)
    assert isinstance(reader, DuckDBReader)
    with pytest.raises(NotPublishedError, match="python -m warehouse publish"):
        reader.query("select 1")


def test_readers_see_the_published_state_only(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    reader = get_warehouse(dev.settings, read_only=True)
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    first = writer.publish()
    assert first.parent == dev.settings.warehouse_dir / "published"
    assert _batches_seen(reader) == [rawfiles.batch_id(1)]

    rawfiles.write_batch(dev.raw_dir, 2)
    writer.load_raw()
    assert _batches_seen(reader) == [rawfiles.batch_id(1)], "unpublished loads are invisible"
    writer.publish()
    assert _batches_seen(reader) == [rawfiles.batch_id(1), rawfiles.batch_id(2)]
    pointer = json.loads((dev.settings.warehouse_dir / "published" / POINTER).read_text())
    assert reader.data_timestamp().isoformat() == pointer["published_at"]
    assert pd.Timestamp(pointer["data_loaded_at"]) == pd.Timestamp(writer.data_timestamp())
    assert reader.table_exists("load_ledger", dataset="raw")
    assert not reader.table_exists("clientes", dataset="raw"), "raw rows stay in the build file"
    assert not reader.table_exists("churn_scores")


def test_a_release_holds_what_readers_read_and_nothing_else(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    _build(
        writer,
        """
        create or replace view cs_ops_analytics.stg_erp__clientes as select * from cs_ops_raw_data.clientes;
        create or replace table cs_ops_analytics.int_clientes__parsed as
            select * from cs_ops_raw_data.clientes;
        create or replace table cs_ops_analytics.fct_eventos_uso as
            select * from cs_ops_raw_data.eventos_uso;
        create or replace table cs_ops_analytics.dim_usuarios as
            select 'u' || i as user_id, 'c' || i as customer_id from range(3) as t(i);
        create or replace table cs_ops_analytics.dim_clientes as
            select 'c' || i as customer_id, i as n from range(3) as t(i);
        create or replace view cs_ops_analytics.fct_tickets as
            select customer_id, n * 10 as total from cs_ops_analytics.dim_clientes;
        """,
    )
    writer.write_table(
        pd.DataFrame({"customer_id": ["c2", "c0"], "churn_probability": [0.5, 0.1]}), "churn_scores"
    )
    release = writer.publish()
    assert _release_tables(release) == {
        "cs_ops_analytics.dim_clientes",
        "cs_ops_analytics.fct_tickets",  # a view over intermediate models: its rows, as a table
        "cs_ops_analytics.churn_scores",
        "cs_ops_raw_data.load_ledger",
        "cs_ops_raw_data.load_batches",
    }
    reader = get_warehouse(dev.settings, read_only=True)
    assert list(reader.query("select total from {analytics}.fct_tickets order by total")["total"]) == [
        0,
        10,
        20,
    ]
    assert list(reader.query("select customer_id from {analytics}.churn_scores")["customer_id"]) == [
        "c0",
        "c2",
    ]


def test_a_release_costs_what_the_marts_cost_not_the_event_history(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    mart = (
        "create or replace table cs_ops_analytics.fct_kpis as "
        "select i as month, i * 2 as mrr from range(12) as t(i)"
    )
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    _build(writer, mart)
    small = writer.publish().stat().st_size
    big_events = rawfiles.load_contract().table("eventos_uso")
    for index in range(2, 6):  # 2000x the usage events of the first batch
        frame = rawfiles.table_frame(big_events, index)
        frames = {"eventos_uso": pa.concat_tables([frame] * 2000)}
        rawfiles.write_batch(dev.raw_dir, index, frames=frames)
    writer.load_raw()
    _build(writer, mart)
    assert writer.settings.duckdb_path.stat().st_size > 4 * small
    assert writer.publish().stat().st_size == small


def test_the_quarantine_is_released_as_examples_per_table_and_reason(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    writer.ensure_datasets()
    kept = SAMPLED["fct_quarentena"]["rows"]
    _build(
        writer,
        f"""
        create table cs_ops_analytics.fct_quarentena as
        select 'eventos_uso' as table_name, 'orphan_user' as reason, 'b' || (i % 7) as batch_id,
            lpad(i::varchar, 8, '0') as record_key, '{{}}' as raw_values
        from range({kept * 3}) as t(i)
        union all
        select 'tickets', 'bad_date', 'b1', 'k' || i, '{{}}' from range(5) as t(i)
        """,
    )
    release = writer.publish()
    reader = get_warehouse(dev.settings, read_only=True)
    counts = reader.query(
        "select table_name, count(*) as n from {analytics}.fct_quarentena group by 1 order by 1"
    )
    assert counts.to_dict("records") == [
        {"table_name": "eventos_uso", "n": kept},
        {"table_name": "tickets", "n": 5},
    ]
    examples = (
        "select batch_id, record_key from {analytics}.fct_quarentena where table_name = 'eventos_uso' "
        "order by batch_id, record_key limit 10"
    )
    expected = writer.query(examples)
    assert reader.query(examples).equals(expected), "readers see the same first examples as the build"
    assert release.exists()


def test_per_customer_tables_are_stored_sorted_by_customer(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    writer.ensure_datasets()
    _build(
        writer,
        "create or replace table cs_ops_analytics.fct_mrr_mensal as "
        "select 'c' || lpad(((i * 7919) % 5000)::varchar, 5, '0') as customer_id, i as month "
        "from range(5000) as t(i)",
    )
    release = writer.publish()
    con = duckdb.connect(str(release), read_only=True)
    try:
        stored = [
            row[0]
            for row in con.execute("select customer_id from cs_ops_analytics.fct_mrr_mensal").fetchall()
        ]
    finally:
        con.close()
    assert stored == sorted(stored) and len(stored) == 5000


def test_a_failed_publish_leaves_the_current_release_and_no_file(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    first = writer.publish()
    published = dev.settings.warehouse_dir / "published"
    _build(
        writer,
        "create table cs_ops_analytics.gone as select 1 as x; "
        "create view cs_ops_analytics.fct_broken as select * from cs_ops_analytics.gone; "
        "drop table cs_ops_analytics.gone",
    )
    with pytest.raises(duckdb.Error):
        writer.publish()
    assert sorted(p.name for p in published.iterdir()) == sorted([POINTER, first.name])
    reader = get_warehouse(dev.settings, read_only=True)
    assert reader.release_id() == first.name, "readers still see the last complete release"
    assert _batches_seen(reader) == [rawfiles.batch_id(1)]


def test_the_next_publish_removes_what_a_killed_one_left(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    writer.ensure_datasets()
    first = writer.publish()
    published = dev.settings.warehouse_dir / "published"
    partial = published / f".{first.name}.x1y2.tmp"  # a publish killed while copying
    con = duckdb.connect(str(partial))
    con.execute("create table half as select * from range(1000)")
    con.close()
    (published / f"{partial.name}.wal").write_bytes(b"\0" * 100)
    assert get_warehouse(dev.settings, read_only=True).release_id() == first.name
    second = writer.publish()
    assert sorted(p.name for p in published.iterdir()) == sorted([POINTER, first.name, second.name])


def test_a_pinned_reader_keeps_its_release_while_newer_ones_are_published(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    first = writer.publish()
    pinned = get_warehouse(dev.settings, read_only=True).pinned()
    rawfiles.write_batch(dev.raw_dir, 2)
    writer.load_raw()
    writer.publish()
    assert pinned.release_id() == first.name and pinned.data_timestamp() == published_at(first.name)
    assert _batches_seen(pinned) == [rawfiles.batch_id(1)]
    assert len(_batches_seen(get_warehouse(dev.settings, read_only=True))) == 2
    for _ in range(KEEP_RELEASES):
        writer.publish()
    assert len(_batches_seen(pinned)) == 2, "once its release is pruned, the current one is read"


def test_reader_refuses_writes(dev: WarehouseEnv) -> None:
    reader = get_warehouse(dev.settings, read_only=True)
    for call in (lambda: reader.write_table(pd.DataFrame({"a": [1]}), "x"), reader.load_raw, reader.publish):
        with pytest.raises(ReadOnlyError):
            call()


def test_old_releases_are_pruned_while_open_readers_keep_reading(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    writer.ensure_datasets()
    first = writer.publish()
    held = duckdb.connect(str(first), read_only=True)  # a slow reader on the oldest release
    try:
        releases = [first] + [writer.publish() for _ in range(KEEP_RELEASES + 1)]
        left = sorted(p.name for p in (dev.settings.warehouse_dir / "published").glob("*.duckdb"))
        assert left == sorted(p.name for p in releases[-KEEP_RELEASES:])
        assert held.execute("select count(*) from cs_ops_raw_data.load_batches").fetchone() == (0,)
    finally:
        held.close()


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("create table if not exists lock_holder as select 1 as x")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def test_readers_work_while_another_process_holds_the_build_file(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    writer.publish()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(dev.settings.duckdb_path), "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        reader = get_warehouse(dev.settings, read_only=True)
        assert _batches_seen(reader) == [rawfiles.batch_id(1)]
        impatient = DuckDBWarehouse(dev.settings, lock_timeout=0.5)
        with pytest.raises(WarehouseBusyError, match="busy"):
            impatient.load_raw()
    finally:
        holder.kill()
        holder.wait()


def test_open_reader_connections_never_block_loads_and_publishes(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    rawfiles.write_batch(dev.raw_dir, 1)
    writer.load_raw()
    current = writer.publish()
    held = duckdb.connect(str(current), read_only=True)
    try:
        rawfiles.write_batch(dev.raw_dir, 2)
        assert {r.batch for r in writer.load_raw()} == {rawfiles.batch_id(2)}
        writer.publish()
        assert _batches_seen(get_warehouse(dev.settings, read_only=True))[-1] == rawfiles.batch_id(2)
    finally:
        held.close()


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {here!r})
    import rawfiles
    from warehouse_envs import WarehouseEnv, settings_from_json
    env = WarehouseEnv(settings_from_json(sys.argv[1]))
    wh = env.warehouse()
    for index in range(1, int(sys.argv[2]) + 1):
        rawfiles.write_batch(env.raw_dir, index)
        wh.load_raw()
        # a rebuild: replace the analytics tables, then publish (as `just dev` does)
        wh.query("create or replace table {{analytics}}.fct_rows_per_batch as "
                 "select 'clientes' as t, _batch_id as b, count(*) as n from {{raw}}.clientes group by 2 "
                 "union all select 'eventos_uso', _batch_id, count(*) from {{raw}}.eventos_uso group by 2")
        wh.query("create or replace table {{analytics}}.batch_totals as "
                 "select _batch_id, count(*) as n from {{raw}}.eventos_uso group by 1")
        wh.publish()
    print("done", flush=True)
    """
)


def test_reader_during_loads_and_publishes_sees_only_consistent_states(dev: WarehouseEnv) -> None:
    batches = 6
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(here=str(HERE)), dev.settings_json(), str(batches)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = get_warehouse(dev.settings, read_only=True)
    states, reads = set(), 0
    deadline = time.monotonic() + 120
    while writer.poll() is None and time.monotonic() < deadline:
        try:
            frame = reader.query(
                "select t, b, n from {analytics}.fct_rows_per_batch "
                "union all select 'ledger', batch_id, count(*) from {raw}.load_ledger group by 2 "
                "union all select 'batches', batch_id, count(*) from {raw}.load_batches group by 2"
            )
        except NotPublishedError:
            continue  # before the first publish
        reads += 1
        seen = sorted(set(frame["b"]))
        assert seen == [rawfiles.batch_id(i) for i in range(1, len(seen) + 1)], "batches appear in order"
        for row in frame.itertuples(index=False):
            index = int(row.b[1:5])
            expected = {
                "clientes": rawfiles.rows_for("clientes", index),
                "eventos_uso": rawfiles.rows_for("eventos_uso", index),
                "ledger": len(rawfiles.load_contract().tables),
                "batches": 1,
            }[row.t]
            assert row.n == expected, f"partial state of {row.b} in {row.t}"
        for kind in ("clientes", "eventos_uso", "ledger", "batches"):
            assert sorted(frame.loc[frame["t"] == kind, "b"]) == seen, f"{kind} out of step"
        states.add(len(seen))
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0 and "done" in out, err
    assert reads > 0 and len(states) >= 2, (reads, states)
    final = reader.query("select count(*) as n from {analytics}.batch_totals")
    assert int(final["n"].iloc[0]) == batches
