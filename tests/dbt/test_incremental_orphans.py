"""Stored orphan events are re-checked by later batches, incrementally as in a full refresh.

The hand-made fixture plus a customer that arrives in the third batch and a user of it in
the fourth; two events of that customer come in the first batch, one by that user and one
by a user who never arrives (sent with its ids padded and its module in capitals). Built
batch by batch (two, then the third, then the fourth):
  after 2 batches  both events are orphan_customer;
  after 3          both are orphan_user (the customer is known, the users are not);
  after 4          the one whose user arrived leaves the orphans, the other stays, shown in
                   the quarantine as sent;
and every table that reads the orphans equals a full refresh of the same raw data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import raw_fixture
from dbt_runs import dbt, duckdb_path, query, read_sorted

A = "cs_ops_analytics"
B1, B2, B3, B4 = (batch[0] for batch in raw_fixture.BATCHES)
ARRIVES_LATE = "CLI-000009"
USER_ARRIVES = "USR-0000099"
USER_NEVER = "USR-0009999"
EVENT_USER_ARRIVES = "EVT-800000000001"
EVENT_USER_NEVER = "EVT-800000000002"
COMPARED = {
    "int_eventos_uso__orfaos": ["event_id"],
    "fct_quarentena": ["quarantine_id"],
    "fct_qualidade_dados": ["table_name", "batch_id"],
    "fct_eventos_uso": ["event_id"],
}


def orphan_events() -> list[dict]:
    """The two events of the late customer as sent; the second with padded ids and its module
    in capitals, which the cleaning reads as the same ids and module."""
    event = dict(next(rec for _, rec in raw_fixture.build_rows()["eventos_uso"]))
    return [
        {**event, "id_evento": EVENT_USER_ARRIVES, "id_cliente": ARRIVES_LATE, "id_usuario": USER_ARRIVES},
        {
            **event,
            "id_evento": f" {EVENT_USER_NEVER}  ",
            "id_cliente": f"{ARRIVES_LATE} ",
            "id_usuario": USER_NEVER,
            "modulo": event["modulo"].upper(),
        },
    ]


def write_history(db: Path) -> None:
    """The fixture, plus the late customer, its late user and the two events."""
    raw_fixture.write_fixture(db)
    customer = dict(
        next(rec for _, rec in raw_fixture.build_rows()["clientes"] if rec["id_cliente"] == "CLI-000004")
    )
    user = dict(next(rec for _, rec in raw_fixture.build_rows()["usuarios"]))
    con = duckdb.connect(str(db))
    try:
        raw_fixture.insert_row(
            con, "clientes", B3, {**customer, "id_cliente": ARRIVES_LATE, "razao_social": "Chega Tarde"}
        )
        raw_fixture.insert_row(
            con, "usuarios", B4, {**user, "id_usuario": USER_ARRIVES, "id_cliente": ARRIVES_LATE}
        )
        for event in orphan_events():
            raw_fixture.insert_row(con, "eventos_uso", B1, event)
    finally:
        con.close()


def orphans(data_dir: Path) -> dict[str, str]:
    frame = query(
        data_dir,
        f"select event_id, rejection_reason from {A}.int_eventos_uso__orfaos "
        f"where event_id in ('{EVENT_USER_ARRIVES}', '{EVENT_USER_NEVER}')",
    )
    return dict(zip(frame.event_id, frame.rejection_reason, strict=True))


def compared_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    return {table: read_sorted(data_dir, table, keys) for table, keys in COMPARED.items()}


@pytest.fixture(scope="module")
def batch_by_batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = tmp_path_factory.mktemp("dbt-orphans")
    full = data_dir / "full_history.duckdb"
    write_history(full)
    db = duckdb_path(data_dir)
    db.parent.mkdir(parents=True)
    shutil.copy(full, db)
    seen = {}
    for last in (B2, B3, B4):
        raw_fixture.keep_batches_up_to(db, last, full)
        dbt(data_dir, "build" if last == B4 else "run")
        seen[last] = orphans(data_dir)
    incremental = compared_tables(data_dir)
    dbt(data_dir, "run", "--full-refresh")
    return {
        "seen": seen,
        "incremental": incremental,
        "full": compared_tables(data_dir),
    }


def test_orphans_are_rechecked_as_customers_and_users_arrive(batch_by_batch: dict) -> None:
    seen = batch_by_batch["seen"]
    assert seen[B2] == {EVENT_USER_ARRIVES: "orphan_customer", EVENT_USER_NEVER: "orphan_customer"}
    assert seen[B3] == {EVENT_USER_ARRIVES: "orphan_user", EVENT_USER_NEVER: "orphan_user"}
    assert seen[B4] == {EVENT_USER_NEVER: "orphan_user"}


def test_an_orphan_is_quarantined_as_sent(batch_by_batch: dict) -> None:
    quarantine = batch_by_batch["incremental"]["fct_quarentena"]
    shown = quarantine[quarantine.record_key == EVENT_USER_NEVER].raw_values
    sent = raw_fixture.as_sent("eventos_uso", orphan_events()[1])
    assert [json.loads(values) for values in shown] == [sent]


@pytest.mark.parametrize("table", sorted(COMPARED))
def test_batch_by_batch_equals_full_refresh(batch_by_batch: dict, table: str) -> None:
    incremental, full = batch_by_batch["incremental"][table], batch_by_batch["full"][table]
    assert len(incremental) == len(full) > 0
    pd.testing.assert_frame_equal(incremental, full, check_dtype=False)
