"""Load guarantees, one test body for both backends (DuckDB file / BigQuery emulator)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rawfiles
import yaml
from warehouse_envs import HERE, WarehouseEnv

from warehouse.base import LoadError
from warehouse.contract import CONTRACT_PATH, load_contract, parse_contract

TABLES = sorted(load_contract().tables)


def _expected(indexes: list[int]) -> dict[str, dict[str, int]]:
    return {table: {rawfiles.batch_id(i): rawfiles.rows_for(table, i) for i in indexes} for table in TABLES}


def _actual(env: WarehouseEnv) -> dict[str, dict[str, int]]:
    return {table: env.count_by_batch(table) for table in TABLES}


def _content_digest(env: WarehouseEnv) -> str:
    """A checksum of every raw row's data and lineage (except _loaded_at)."""
    digest = hashlib.sha256()
    wh = env.warehouse()
    for table in TABLES:
        key = load_contract().table(table).primary_key
        frame = wh.query(f"select * from {{raw}}.{table}").drop(columns=["_loaded_at"])
        frame = frame.sort_values(["_batch_id", key]).reset_index(drop=True)
        digest.update(frame.astype(str).to_csv(index=False).encode())
    return digest.hexdigest()


def test_load_adds_lineage_and_ledger(wh_env: WarehouseEnv) -> None:
    b1 = rawfiles.write_batch(wh_env.raw_dir, 1)
    b2 = rawfiles.write_batch(wh_env.raw_dir, 2)
    results = wh_env.warehouse().load_raw()

    assert {(r.batch, r.table, r.rows, r.status) for r in results} == {
        (rawfiles.batch_id(i), t, rawfiles.rows_for(t, i), "loaded") for i in (1, 2) for t in TABLES
    }
    assert _actual(wh_env) == _expected([1, 2])
    clientes = wh_env.warehouse().query(
        "select id_cliente, _batch_id, _source_file, _loaded_at from {raw}.clientes where _batch_id = @b "
        "order by id_cliente",
        {"b": b2},
    )
    assert list(clientes["id_cliente"]) == sorted(
        f"cli-id_cliente-2-{k}" for k in range(rawfiles.rows_for("clientes", 2))
    )
    assert set(clientes["_source_file"]) == {f"raw/clientes/{b2}.parquet"}
    assert clientes["_loaded_at"].notna().all()

    ledger = wh_env.ledger()
    assert len(ledger) == 2 * len(TABLES)
    assert set(ledger["status"]) == {"loaded"}
    for row in ledger.itertuples(index=False):
        path = wh_env.settings.data_dir / row.source_file
        assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row.row_count == rawfiles.rows_for(row.table_name, int(row.batch_id[1:5]))
    batches = wh_env.warehouse().query(
        "select batch_id, period_start, period_end from {raw}.load_batches order by 1"
    )
    assert list(batches["batch_id"]) == [b1, b2]
    assert [str(pd.Timestamp(d).date()) for d in batches["period_start"]] == ["2024-01-01", "2024-02-01"]
    assert [str(pd.Timestamp(d).date()) for d in batches["period_end"]] == ["2024-01-28", "2024-02-28"]


def test_batches_without_period_load_with_null_period(wh_env: WarehouseEnv) -> None:
    """period_start/period_end are optional in the metadata; a group may mix both kinds."""
    b1 = rawfiles.write_batch(wh_env.raw_dir, 1)
    b2 = rawfiles.write_batch(wh_env.raw_dir, 2)
    meta_path = wh_env.raw_dir / "_batches" / f"{b1}.json"
    meta = json.loads(meta_path.read_text())
    del meta["period_start"], meta["period_end"]
    meta_path.write_text(json.dumps(meta))
    wh_env.warehouse().load_raw()
    batches = wh_env.warehouse().query(
        "select batch_id, period_start, period_end from {raw}.load_batches order by 1"
    )
    assert list(batches["batch_id"]) == [b1, b2]
    assert batches["period_start"].isna().tolist() == [True, False]
    assert batches["period_end"].isna().tolist() == [True, False]
    assert _actual(wh_env) == _expected([1, 2])


def test_three_loads_are_idempotent_and_new_batches_load_incrementally(wh_env: WarehouseEnv) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    rawfiles.write_batch(wh_env.raw_dir, 2)
    first = wh_env.warehouse().load_raw()
    counts, digest = _actual(wh_env), _content_digest(wh_env)
    assert len(first) == 2 * len(TABLES)
    for _ in range(2):
        assert wh_env.warehouse().load_raw() == []
        assert _actual(wh_env) == counts
        assert _content_digest(wh_env) == digest
    assert len(wh_env.ledger()) == 2 * len(TABLES)

    rawfiles.write_batch(wh_env.raw_dir, 3)
    third = wh_env.warehouse().load_raw()
    assert {r.batch for r in third} == {rawfiles.batch_id(3)}
    assert _actual(wh_env) == _expected([1, 2, 3])


def _corrupt(env: WarehouseEnv, bid: str) -> None:
    path = env.raw_dir / "faturas" / f"{bid}.parquet"
    path.write_bytes(path.read_bytes()[:200] + b"garbage" * 10)
    rawfiles.refresh_checksum(env.raw_dir, bid, "faturas")


def _rewrite(env: WarehouseEnv, bid: str, frame: pa.Table) -> None:
    pq.write_table(frame, env.raw_dir / "faturas" / f"{bid}.parquet")
    rawfiles.refresh_checksum(env.raw_dir, bid, "faturas")


def _missing_column(env: WarehouseEnv, bid: str) -> None:
    frame = rawfiles.table_frame(load_contract().table("faturas"), 2).drop_columns(["valor"])
    _rewrite(env, bid, frame)


def _extra_column(env: WarehouseEnv, bid: str) -> None:
    frame = rawfiles.table_frame(load_contract().table("faturas"), 2)
    _rewrite(env, bid, frame.append_column("desconto", pa.array(["1"] * frame.num_rows)))


def _wrong_type(env: WarehouseEnv, bid: str) -> None:
    frame = rawfiles.table_frame(load_contract().table("faturas"), 2)
    index = frame.schema.get_field_index("valor")
    _rewrite(env, bid, frame.set_column(index, "valor", pa.array([1.5] * frame.num_rows)))


def _damaged_data_page(env: WarehouseEnv, bid: str) -> None:
    """Footer intact (the schema check passes), first data page garbled: only a full read sees it."""
    path = env.raw_dir / "faturas" / f"{bid}.parquet"
    data = bytearray(path.read_bytes())
    data[4:64] = b"\xff" * 60
    path.write_bytes(bytes(data))
    rawfiles.refresh_checksum(env.raw_dir, bid, "faturas")


def _changed_after_metadata(env: WarehouseEnv, bid: str) -> None:
    frame = rawfiles.table_frame(load_contract().table("faturas"), 2)
    pq.write_table(frame.slice(1), env.raw_dir / "faturas" / f"{bid}.parquet")  # metadata not refreshed


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_corrupt, "not a readable Parquet file"),
        (_missing_column, "missing column 'valor'"),
        (_extra_column, "column 'desconto' is not in the contract"),
        (_wrong_type, "column 'valor' has type double, contract table 'faturas' expects string"),
        (_changed_after_metadata, "does not match the batch metadata"),
        (_damaged_data_page, "could not be loaded"),
    ],
    ids=["corrupt", "missing-column", "extra-column", "wrong-type", "checksum-vs-metadata", "damaged-page"],
)
def test_bad_file_rejects_its_batch_only(wh_env: WarehouseEnv, damage, expected: str) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    bad = rawfiles.write_batch(wh_env.raw_dir, 2)
    rawfiles.write_batch(wh_env.raw_dir, 3)
    damage(wh_env, bad)

    with pytest.raises(LoadError) as caught:
        wh_env.warehouse().load_raw()
    message = str(caught.value)
    assert f"raw/faturas/{bad}.parquet" in message
    assert expected in message
    assert [r.batch for r in caught.value.results if r.status == "failed"] == [bad]

    assert _actual(wh_env) == _expected([1, 3]), "nothing of the bad batch, the others complete"
    assert wh_env.loaded_batches() == [rawfiles.batch_id(1), rawfiles.batch_id(3)]
    assert bad not in set(wh_env.ledger()["batch_id"])

    rawfiles.write_batch(wh_env.raw_dir, 2)  # fixed upstream: the next run loads it
    assert {r.batch for r in wh_env.warehouse().load_raw()} == {bad}
    assert _actual(wh_env) == _expected([1, 2, 3])


def test_file_changed_after_it_was_loaded_is_an_error(wh_env: WarehouseEnv) -> None:
    first = rawfiles.write_batch(wh_env.raw_dir, 1)
    wh_env.warehouse().load_raw()
    before = _actual(wh_env)
    frame = rawfiles.table_frame(load_contract().table("tickets"), 1).slice(2)
    pq.write_table(frame, wh_env.raw_dir / "tickets" / f"{first}.parquet")
    rawfiles.refresh_checksum(wh_env.raw_dir, first, "tickets")
    rawfiles.write_batch(wh_env.raw_dir, 2)

    with pytest.raises(LoadError) as caught:
        wh_env.warehouse().load_raw()
    assert f"raw/tickets/{first}.parquet: sha256 changed since batch {first} was loaded" in str(caught.value)
    after = _actual(wh_env)
    assert {t: {first: c[first]} for t, c in after.items()} == before, "the loaded batch is untouched"
    assert after == _expected([1, 2]), "the new batch still loads"


def test_additive_schema_evolution_declared_in_the_contract(wh_env: WarehouseEnv) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh_env.warehouse().load_raw()

    document = yaml.safe_load(CONTRACT_PATH.read_text())
    document["version"] = 2
    document["tables"]["tickets"]["columns"]["canal"] = {
        "type": "string",
        "description": "channel",
        "added_in": 2,
    }
    evolved = parse_contract(document)
    old_style = rawfiles.table_frame(evolved.table("tickets"), 2, skip=("canal",))
    b2 = rawfiles.write_batch(wh_env.raw_dir, 2, contract=evolved, frames={"tickets": old_style})
    b3 = rawfiles.write_batch(wh_env.raw_dir, 3, contract=evolved)

    loaded = wh_env.warehouse(contract=evolved).load_raw()
    assert {r.batch for r in loaded} == {b2, b3}
    tickets = wh_env.warehouse(contract=evolved).query(
        "select _batch_id as batch_id, count(canal) as with_canal, count(*) as n from {raw}.tickets "
        "group by _batch_id order by batch_id"
    )
    assert tickets.to_dict("records") == [
        {"batch_id": rawfiles.batch_id(1), "with_canal": 0, "n": rawfiles.rows_for("tickets", 1)},
        {"batch_id": b2, "with_canal": 0, "n": rawfiles.rows_for("tickets", 2)},
        {"batch_id": b3, "with_canal": rawfiles.rows_for("tickets", 3), "n": rawfiles.rows_for("tickets", 3)},
    ]


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {here!r})
    from warehouse_envs import WarehouseEnv, settings_from_json
    env = WarehouseEnv(settings_from_json(sys.argv[1]))
    wh = env.warehouse()
    def checkpoint(point):
        if point == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)
    wh._checkpoint = checkpoint
    wh.load_raw()
    print("finished without reaching", sys.argv[2])
    """
)


@pytest.mark.parametrize("point", ["table:faturas", "before_commit"])
def test_killed_load_leaves_no_partial_batch_and_the_next_run_finishes(
    wh_env: WarehouseEnv, point: str, tmp_path: Path
) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh_env.warehouse().load_raw()
    b2 = rawfiles.write_batch(wh_env.raw_dir, 2)
    script = KILLER.format(here=str(HERE))
    # a SIGKILLed load cannot remove its temporary files: keep them under this test's tmp_path
    scratch = tmp_path / "killed-load-tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script, wh_env.settings_json(), f"{b2}:{point}"],
        env={**os.environ, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr

    assert _actual(wh_env) == _expected([1]), "no row of the killed batch"
    assert wh_env.loaded_batches() == [rawfiles.batch_id(1)]
    assert set(wh_env.ledger()["batch_id"]) == {rawfiles.batch_id(1)}

    assert {r.batch for r in wh_env.warehouse().load_raw()} == {b2}
    assert _actual(wh_env) == _expected([1, 2])


def test_batch_metadata_flat_layout_is_accepted(wh_env: WarehouseEnv) -> None:
    bid = rawfiles.write_batch(wh_env.raw_dir, 1)
    meta_path = wh_env.raw_dir / "_batches" / f"{bid}.json"
    meta = json.loads(meta_path.read_text())
    flat = {
        "batch_id": bid,
        "period_start": meta["period_start"],
        "period_end": meta["period_end"],
        "row_counts": meta["row_counts"],
        "sha256": {entry["file"]: entry["sha256"] for entry in meta["tables"].values()},
    }
    meta_path.write_text(json.dumps(flat))
    wh_env.warehouse().load_raw()
    assert _actual(wh_env) == _expected([1])


def test_a_failure_inside_the_batch_transaction_rolls_back_every_table(wh_env: WarehouseEnv) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh_env.warehouse().load_raw()
    b2 = rawfiles.write_batch(wh_env.raw_dir, 2)
    wh = wh_env.warehouse()

    def sabotage(point: str) -> None:
        if point != f"{b2}:before_commit":
            return
        if wh_env.backend == "dev":
            raise RuntimeError("injected failure before commit")
        # BigQuery: the raw INSERTs of the transaction will run, then its last INSERT (into
        # load_batches) fails because its staging table is gone: the server must roll back.
        wh.client.delete_table(wh._table_id(wh_env.settings.raw_dataset, wh._stage_name(b2, "load_batches")))

    wh._checkpoint = sabotage
    with pytest.raises(Exception, match="injected failure|load_batches"):
        wh.load_raw()
    assert _actual(wh_env) == _expected([1]), "no table keeps rows of the failed batch"
    assert wh_env.loaded_batches() == [rawfiles.batch_id(1)]
    assert set(wh_env.ledger()["batch_id"]) == {rawfiles.batch_id(1)}

    assert {r.batch for r in wh_env.warehouse().load_raw()} == {b2}
    assert _actual(wh_env) == _expected([1, 2])


def test_batch_for_a_newer_contract_is_refused(wh_env: WarehouseEnv) -> None:
    rawfiles.write_batch(wh_env.raw_dir, 1)
    bid = rawfiles.write_batch(wh_env.raw_dir, 2)
    meta_path = wh_env.raw_dir / "_batches" / f"{bid}.json"
    meta = json.loads(meta_path.read_text())
    meta["contract_version"] = load_contract().version + 1
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(LoadError, match=f"{bid} was written for raw contract version"):
        wh_env.warehouse().load_raw()
    assert _actual(wh_env) == _expected([1])


def test_compatible_arrow_types_are_cast_to_the_contract(wh_env: WarehouseEnv) -> None:
    table = load_contract().table("tickets")
    frame = rawfiles.table_frame(table, 1)
    n = frame.num_rows
    replacements = {
        "csat": pa.array(list(range(n)), pa.int32()),  # narrower integer
        "categoria": pa.array(["Bug"] * n).dictionary_encode(),  # dictionary-encoded text
        "resolvido_em": pa.nulls(n),  # an all-null column (null type)
        "updated_at": pa.array([dt.datetime(2024, 5, 1, 12)] * n, pa.timestamp("ms")),  # naive, ms
    }
    for name, values in replacements.items():
        frame = frame.set_column(frame.schema.get_field_index(name), name, values)
    rawfiles.write_batch(wh_env.raw_dir, 1, frames={"tickets": frame})
    wh_env.warehouse().load_raw()
    loaded = wh_env.warehouse().query(
        "select csat, categoria, resolvido_em, updated_at from {raw}.tickets order by csat"
    )
    assert [int(v) for v in loaded["csat"]] == list(range(n))
    assert set(loaded["categoria"]) == {"Bug"}
    assert loaded["resolvido_em"].isna().all()
    assert pd.Timestamp(loaded["updated_at"].iloc[0]) == pd.Timestamp("2024-05-01 12:00", tz="UTC")


@pytest.mark.parametrize("wh_env", ["dev"], indirect=True)
def test_a_crash_inside_a_group_of_batches_leaves_none_of_them(wh_env: WarehouseEnv) -> None:
    """DuckDB loads waiting batches together in one transaction: a crash keeps none of them."""
    rawfiles.write_batch(wh_env.raw_dir, 1)
    wh_env.warehouse().load_raw()
    b2, b3, b4 = (rawfiles.write_batch(wh_env.raw_dir, i) for i in (2, 3, 4))
    wh = wh_env.warehouse()
    points: list[str] = []

    def crash(point: str) -> None:
        points.append(point)
        if point == f"{b3}:before_commit":
            raise RuntimeError("injected failure before commit")

    wh._checkpoint = crash
    with pytest.raises(RuntimeError, match="injected failure"):
        wh.load_raw()
    assert f"{b2}:before_commit" in points and f"{b4}:table:tickets" in points, "one group of three"
    assert _actual(wh_env) == _expected([1])
    assert set(wh_env.ledger()["batch_id"]) == {rawfiles.batch_id(1)}

    assert {r.batch for r in wh_env.warehouse().load_raw()} == {b2, b3, b4}
    assert _actual(wh_env) == _expected([1, 2, 3, 4])
    assert wh_env.warehouse().load_raw() == [], "the ledger makes the next run a no-op"


@pytest.mark.parametrize("wh_env", ["dev"], indirect=True)
def test_group_size_bounds_each_transaction(wh_env: WarehouseEnv) -> None:
    """With a budget of one byte every batch is its own transaction (and checkpoint)."""
    for i in (1, 2, 3):
        rawfiles.write_batch(wh_env.raw_dir, i)
    wh = wh_env.warehouse()
    wh.load_group_bytes = 1
    groups: list[list[str]] = []
    load_group = wh._load_group

    def spy(group):
        groups.append([batch.batch_id for batch, _ in group])
        return load_group(group)

    wh._load_group = spy
    wh.load_raw()
    assert groups == [[rawfiles.batch_id(i)] for i in (1, 2, 3)]
    assert _actual(wh_env) == _expected([1, 2, 3])


@pytest.mark.parametrize("wh_env", ["dev"], indirect=True)
def test_an_insert_reading_other_rows_than_the_footers_is_refused(wh_env: WarehouseEnv) -> None:
    """DuckDB expands `[...]` in a path as a glob: with a data dir `d[1]` and a sibling `d1`,
    read_parquet reads d1's file. The insert's row count must match the footers, so the
    batch fails with its file named instead of loading the wrong rows (or, as the old
    filename join did, silently none of them)."""
    data_dir = wh_env.settings.data_dir.parent / "d[1]"
    data_dir.mkdir()
    env = WarehouseEnv(dataclasses.replace(wh_env.settings, data_dir=data_dir))
    for i in (1, 2, 3):
        rawfiles.write_batch(env.raw_dir, i)
    bad = rawfiles.batch_id(2)
    decoy = wh_env.settings.data_dir.parent / "d1" / "raw" / "faturas" / f"{bad}.parquet"
    decoy.parent.mkdir(parents=True)
    pq.write_table(rawfiles.table_frame(load_contract().table("faturas"), 2).slice(1), decoy)

    with pytest.raises(LoadError) as caught:
        env.warehouse().load_raw()
    message = str(caught.value)
    assert f"raw/faturas/{bad}.parquet: DuckDB inserted {rawfiles.rows_for('faturas', 2) - 1} rows" in message
    assert [r.batch for r in caught.value.results if r.status == "failed"] == [bad]
    assert _actual(env) == _expected([1, 3])
    assert bad not in set(env.ledger()["batch_id"])
