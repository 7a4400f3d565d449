"""The CS team's action log: what a CSM did on an account, append-only with history.

The one flag picks where it lives:

* dev: `<data>/app_state/app_state.duckdb`, a small DuckDB file of its own that the app
  may write. It is never the build file and never published, so recording an action
  never waits for a rebuild and a rebuild (or `warehouse.reset`) never loses actions.
* prod: the BigQuery table `cs_ops_app_state.account_actions` (its own dataset: dbt never
  touches it).

Rows are only ever inserted. A new action gets a new `action_id` at revision 1; changing
it (status, outcome, due date...) inserts the same `action_id` at the next revision, with
who changed it and when. The action as it stands is its newest revision; `history()` has
them all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warehouse.config import Settings, get_settings

if TYPE_CHECKING:
    import pandas as pd

ACTIONS_TABLE = "account_actions"
COLUMNS: dict[str, str] = {
    "action_id": "STRING",
    "revision": "INT64",
    "customer_id": "STRING",
    "action_type": "STRING",
    "note": "STRING",
    "owner": "STRING",
    "due_date": "DATE",
    "status": "STRING",
    "outcome": "STRING",
    "playbook_id": "STRING",
    "author": "STRING",
    "recorded_at": "TIMESTAMP",
}
DUCKDB_TYPES = {"STRING": "VARCHAR", "INT64": "BIGINT", "DATE": "DATE", "TIMESTAMP": "TIMESTAMPTZ"}
ACTION_TYPES = ("call", "meeting", "email", "training", "support_escalation", "billing", "renewal", "other")
STATUSES = ("open", "in_progress", "done", "cancelled")
OUTCOMES = ("", "positive", "neutral", "negative")
MAX_NOTE_CHARS = 2000


class ActionError(ValueError):
    """An action the log refuses; the message names the field and what to do."""


@dataclass(frozen=True)
class Action:
    """One revision of an action, as written."""

    customer_id: str
    action_type: str
    owner: str
    due_date: dt.date
    author: str
    status: str = "open"
    note: str = ""
    outcome: str = ""
    playbook_id: str = ""
    action_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    revision: int = 1
    recorded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def checked(self) -> Action:
        """The action itself, or ActionError naming the first field that is wrong."""
        for name in ("customer_id", "owner", "author"):
            if not str(getattr(self, name) or "").strip():
                raise ActionError(f"action field {name!r} is empty: fill it in")
        if self.action_type not in ACTION_TYPES:
            raise ActionError(f"action type {self.action_type!r} is not one of {', '.join(ACTION_TYPES)}")
        if self.status not in STATUSES:
            raise ActionError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.outcome not in OUTCOMES:
            raise ActionError(f"outcome {self.outcome!r} is not one of {', '.join(o for o in OUTCOMES if o)}")
        if not isinstance(self.due_date, dt.date):
            raise ActionError(f"due date {self.due_date!r} is not a date")
        if len(self.note or "") > MAX_NOTE_CHARS:
            raise ActionError(f"note has {len(self.note)} characters; keep it under {MAX_NOTE_CHARS}")
        if self.revision < 1:
            raise ActionError(f"revision {self.revision} must be 1 or more")
        return self

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


CURRENT_SQL = """
    select *
    from {actions}
    where (@customer_id = '*' or customer_id = @customer_id)
        and (@owner = '*' or owner = @owner)
    qualify row_number() over (partition by action_id order by revision desc) = 1
    order by due_date, recorded_at desc
    limit @row_limit
"""
HISTORY_SQL = "select * from {actions} where action_id = @action_id order by revision"


class ActionLog:
    """Append-only action log on the backend CS_OPS_TARGET names."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self._store = _BigQueryStore(self.settings) if self.settings.is_prod else _DuckDBStore(self.settings)

    def record(self, action: Action) -> Action:
        """Append one checked revision; returns it."""
        self._store.insert(action.checked().row())
        return action

    def revise(self, current: Mapping[str, Any], author: str, **changes: Any) -> Action:
        """Append the next revision of an action (a row of `current()`) with `changes` applied."""
        fields = {name: current[name] for name in COLUMNS if name not in ("revision", "recorded_at")}
        fields.update(changes, author=author)
        fields["due_date"] = _as_date(fields["due_date"])
        fields = {
            k: ("" if v is None and k in ("note", "outcome", "playbook_id") else v) for k, v in fields.items()
        }
        return self.record(Action(**fields, revision=int(current["revision"]) + 1))

    def current(self, customer_id: str = "*", owner: str = "*", limit: int = 1000) -> pd.DataFrame:
        """Each action's newest revision (filtered by customer and/or owner), soonest due first."""
        params = {"customer_id": customer_id, "owner": owner, "row_limit": int(limit)}
        return self._store.select(CURRENT_SQL, params)

    def history(self, action_id: str) -> pd.DataFrame:
        """Every revision of one action, oldest first."""
        return self._store.select(HISTORY_SQL, {"action_id": action_id})


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):  # pandas Timestamp
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


_READY: set[str] = set()  # app-state files whose table this process has created or seen


class _DuckDBStore:
    """dev: the app-state DuckDB file, one short connection per call (never held open)."""

    def __init__(self, settings: Settings):
        self.path = settings.app_state_path
        self.schema = settings.app_state_dataset
        self.table = f'"{self.schema}"."{ACTIONS_TABLE}"'

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        """Read-write even to read: one configuration for every connection of the process
        (DuckDB refuses a read-only and a read-write connection to one file at once)."""
        # each store loads only its own backend, and `import warehouse` stays light (no pyarrow)
        import duckdb

        from warehouse.duckdb_backend import _retry

        fresh = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = _retry(lambda: duckdb.connect(str(self.path)), f"opening {self.path}", 15)
        try:
            con.execute("set TimeZone = 'UTC'")
            if fresh or str(self.path) not in _READY:  # the table, once per file and process
                columns = ", ".join(f"{name} {DUCKDB_TYPES[kind]}" for name, kind in COLUMNS.items())
                con.execute(f'create schema if not exists "{self.schema}"')
                con.execute(f"create table if not exists {self.table} ({columns})")
                _READY.add(str(self.path))
            yield con
        finally:
            con.close()

    def insert(self, row: dict[str, Any]) -> None:
        names = ", ".join(row)
        marks = ", ".join(f"${name}" for name in row)
        with self._connect() as con:
            con.execute(f"insert into {self.table} ({names}) values ({marks})", row)

    def select(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        from warehouse.base import translate_params

        sql, used = translate_params(sql.replace("{actions}", self.table), params, "duckdb")
        with self._connect() as con:
            return con.execute(sql, used).df()


class _BigQueryStore:
    """prod: `cs_ops_app_state.account_actions`, written with parameterised DML inserts."""

    def __init__(self, settings: Settings):
        from warehouse.bigquery_backend import BigQueryWarehouse

        self.settings = settings
        self.wh = BigQueryWarehouse(settings)
        self.table_id = f"{settings.gcp_project}.{settings.app_state_dataset}.{ACTIONS_TABLE}"
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        from google.cloud import bigquery

        dataset = bigquery.Dataset(f"{self.settings.gcp_project}.{self.settings.app_state_dataset}")
        dataset.location = self.settings.bq_location
        self.wh.client.create_dataset(dataset, exists_ok=True)
        schema = [bigquery.SchemaField(name, kind) for name, kind in COLUMNS.items()]
        self.wh.client.create_table(bigquery.Table(self.table_id, schema=schema), exists_ok=True)
        self._ready = True

    def _params(self, params: Mapping[str, Any]) -> list[Any]:
        from warehouse.bigquery_backend import query_parameter

        return [query_parameter(name, value) for name, value in params.items()]

    def insert(self, row: dict[str, Any]) -> None:
        self._ensure()
        names = ", ".join(row)
        marks = ", ".join(f"@{name}" for name in row)
        self.wh._run(f"insert into `{self.table_id}` ({names}) values ({marks})", self._params(row))

    def select(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        from warehouse.base import translate_params

        self._ensure()
        sql, used = translate_params(sql.replace("{actions}", f"`{self.table_id}`"), params, "bigquery")
        return self.wh._run(sql, self._params(used)).to_dataframe(create_bqstorage_client=False)
