"""The action log (warehouse/action_log.py) on dev: a real app-state DuckDB file of its own."""

from __future__ import annotations

import datetime as dt

import pytest

from warehouse.action_log import Action, ActionError, ActionLog
from warehouse.config import load_settings


@pytest.fixture
def action_log(tmp_path) -> ActionLog:
    return ActionLog(load_settings({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(tmp_path)}))


def _action(**changes) -> Action:
    fields = {
        "customer_id": "CLI-000001",
        "action_type": "call",
        "owner": "Ana Souza",
        "due_date": dt.date(2026, 1, 10),
        "author": "ana@example.com",
        "note": "Ligar para o sponsor",
    }
    return Action(**{**fields, **changes})


def test_record_then_revise_keeps_every_revision(action_log, tmp_path):
    first = action_log.record(_action())
    current = action_log.current(customer_id="CLI-000001")
    assert list(current["action_id"]) == [first.action_id]
    action_log.revise(current.iloc[0], "bruno@example.com", status="done", outcome="positive")

    now = action_log.current(customer_id="CLI-000001")
    assert len(now) == 1  # one action, at its newest revision
    assert now.iloc[0]["status"] == "done" and now.iloc[0]["revision"] == 2
    assert now.iloc[0]["author"] == "bruno@example.com"
    history = action_log.history(first.action_id)
    assert list(history["revision"]) == [1, 2]
    assert list(history["status"]) == ["open", "done"]
    assert list(history["author"]) == ["ana@example.com", "bruno@example.com"]
    assert history["recorded_at"].is_monotonic_increasing
    # the log is its own file, never the build file
    assert (tmp_path / "app_state" / "app_state.duckdb").is_file()
    assert not (tmp_path / "warehouse" / "cs_ops.duckdb").exists()


def test_filters_by_customer_and_owner(action_log):
    action_log.record(_action())
    action_log.record(_action(customer_id="CLI-000002", owner="Bruno"))
    assert set(action_log.current()["customer_id"]) == {"CLI-000001", "CLI-000002"}
    assert list(action_log.current(owner="Bruno")["customer_id"]) == ["CLI-000002"]
    assert action_log.current(customer_id="CLI-999").empty


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"action_type": "lunch"}, "action type"),
        ({"status": "maybe"}, "status"),
        ({"owner": " "}, "owner"),
        ({"author": ""}, "author"),
        ({"outcome": "great"}, "outcome"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_a_bad_action_is_refused_with_the_field_named(action_log, changes, named):
    with pytest.raises(ActionError, match=named):
        action_log.record(_action(**changes))
    assert action_log.current().empty  # nothing written


def test_survives_a_reset_of_the_build(action_log, tmp_path, monkeypatch):
    from warehouse.reset import reset_build

    action_log.record(_action())
    monkeypatch.setenv("CS_OPS_TARGET", "dev")
    monkeypatch.setenv("CS_OPS_DATA_DIR", str(tmp_path))
    from warehouse.config import get_settings

    get_settings.cache_clear()
    try:
        reset_build()
    finally:
        get_settings.cache_clear()
    assert len(action_log.current()) == 1


@pytest.mark.prod
def test_the_same_log_on_bigquery(bq_emulator, tmp_path):
    """prod: the action log is a table of its own dataset, written with DML inserts."""
    import dataclasses
    import uuid

    env = {
        "CS_OPS_TARGET": "prod",
        "GOOGLE_CLOUD_PROJECT": "local-project",
        "BIGQUERY_EMULATOR_HOST": bq_emulator,
        "CS_OPS_DATA_DIR": str(tmp_path),
    }
    settings = dataclasses.replace(
        load_settings(env), app_state_dataset=f"cs_ops_app_state_{uuid.uuid4().hex[:10]}"
    )
    log = ActionLog(settings)
    first = log.record(_action())
    log.record(_action(customer_id="CLI-000002", owner="Bruno"))
    log.revise(log.current(customer_id="CLI-000001").iloc[0], "bruno@example.com", status="done")
    current = log.current()
    assert sorted(current["customer_id"]) == ["CLI-000001", "CLI-000002"]
    assert current.set_index("customer_id").loc["CLI-000001", "status"] == "done"
    history = log.history(first.action_id)
    assert list(history["revision"]) == [1, 2] and list(history["author"]) == [
        "ana@example.com",
        "bruno@example.com",
    ]
    assert str(history["due_date"].iloc[0])[:10] == "2026-01-10"
    assert not (tmp_path / "app_state").exists()  # nothing local on prod
