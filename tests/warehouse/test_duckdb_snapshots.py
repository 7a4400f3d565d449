"""DuckDB publish + read-only readers: readers see the last published consistent state,
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
import pytest
import rawfiles
from warehouse_envs import HERE, WarehouseEnv, make_settings

from warehouse import get_warehouse
from warehouse.base import NotPublishedError, ReadOnlyError, WarehouseBusyError
from warehouse.duckdb_backend import KEEP_SNAPSHOTS, DuckDBReader, DuckDBWarehouse


@pytest.fixture
def dev(tmp_path: Path) -> WarehouseEnv:
    return WarehouseEnv(make_settings(tmp_path / "data"))


def _batches_seen(reader) -> list[str]:
    frame = reader.query("select distinct _batch_id as b from {raw}.clientes order by b")
    return list(frame["b"])


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
    pointer = json.loads((dev.settings.warehouse_dir / "published" / "CURRENT.json").read_text())
    assert reader.data_timestamp().isoformat() == pointer["published_at"]
    assert pd.Timestamp(pointer["data_loaded_at"]) == pd.Timestamp(writer.data_timestamp())
    assert reader.table_exists("clientes", dataset="raw")
    assert not reader.table_exists("churn_scores")


def test_reader_refuses_writes(dev: WarehouseEnv) -> None:
    reader = get_warehouse(dev.settings, read_only=True)
    for call in (lambda: reader.write_table(pd.DataFrame({"a": [1]}), "x"), reader.load_raw, reader.publish):
        with pytest.raises(ReadOnlyError):
            call()


def test_old_snapshots_are_collected_while_open_readers_keep_reading(dev: WarehouseEnv) -> None:
    writer = get_warehouse(dev.settings)
    writer.ensure_datasets()
    first = writer.publish()
    held = duckdb.connect(str(first), read_only=True)  # a slow reader on the oldest snapshot
    try:
        snapshots = [first] + [writer.publish() for _ in range(KEEP_SNAPSHOTS + 1)]
        left = sorted(p.name for p in (dev.settings.warehouse_dir / "published").glob("*.duckdb"))
        assert left == sorted(p.name for p in snapshots[-KEEP_SNAPSHOTS:])
        assert held.execute("select count(*) from cs_ops_raw_data.clientes").fetchone() == (0,)
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
        wh.publish()
        # a rebuild: replace an analytics table too
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
                "select 'clientes' as t, _batch_id as b, count(*) as n from {raw}.clientes group by 2 "
                "union all select 'eventos_uso', _batch_id, count(*) from {raw}.eventos_uso group by 2 "
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
