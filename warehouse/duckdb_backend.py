"""DuckDB backend (CS_OPS_TARGET=dev).

Two kinds of files:

* the build file (`settings.duckdb_path`): loads, dbt and score writes go here, through
  short-lived read-write connections (so a dbt subprocess can take the lock in between);
  every connection caps DuckDB's buffer pool at `CS_OPS_DUCKDB_MEMORY_LIMIT` and spills
  beyond it to `<data>/warehouse/tmp`;
* releases (`<data>/warehouse/published/<stamp>.duckdb` plus the pointer `CURRENT.json`,
  see `warehouse/releases.py`): `publish()` copies what readers read (marts, scores, the
  load ledger) into a new release. Readers (`DuckDBReader`, the app and reports) open the
  release the pointer names, read-only, for one query at a time, so they never hold the
  build file's lock and a rebuild never disturbs them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from warehouse.base import (
    BATCH_COLUMNS,
    BATCHES_TABLE,
    LEDGER_COLUMNS,
    LEDGER_TABLE,
    STATUS_LOADED,
    ReadOnlyError,
    Warehouse,
    WarehouseBusyError,
    WarehouseError,
    check_identifier,
    dataset_name,
    fill_datasets,
    translate_params,
    utc_now,
)
from warehouse.batches import BadInputError, Batch, CheckedFile
from warehouse.config import Settings
from warehouse.contract import LINEAGE_COLUMNS, Contract
from warehouse.releases import (
    current_release,
    published_at,
    releases_dir,
    rollback_quietly,
    write_release,
)

if TYPE_CHECKING:  # pandas loads only when a frame is asked for
    import pandas as pd

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "bool": "BOOLEAN",
}
LOAD_MEMORY_LIMIT = "384MB"  # DuckDB's buffer pool during load_raw (it spills beyond)
LOAD_GROUP_BYTES = 128 * 2**20  # Parquet bytes loaded per transaction when several batches wait
_TRANSIENT_MARKERS = ("lock", "conflicting", "could not set", "does not exist", "no such file", "resource")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_transient(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _TRANSIENT_MARKERS)


def _columns_sql(columns: Mapping[str, str]) -> str:
    return ", ".join(f"{_quote(name)} {DUCKDB_TYPES[kind]}" for name, kind in columns.items())


def _retry(action, what: str, timeout: float, first_wait: float = 0.05):
    """Run action(); retry transient lock / missing-file errors with backoff until timeout."""
    deadline = time.monotonic() + timeout
    wait = first_wait
    while True:
        try:
            return action()
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_transient(exc) or time.monotonic() + wait > deadline:
                if _is_transient(exc):
                    raise WarehouseBusyError(
                        f"{what}: still busy after {timeout:.0f}s ({exc}); another process holds the "
                        "database — try again when it finishes"
                    ) from exc
                raise
            time.sleep(wait)
            wait = min(wait * 2, 1.0)


class DuckDBWarehouse(Warehouse):
    """Read-write access to the DuckDB build file."""

    target = "dev"
    load_group_bytes = LOAD_GROUP_BYTES

    def __init__(self, settings: Settings, contract: Contract | None = None, lock_timeout: float = 60.0):
        super().__init__(settings, contract)
        self.path = settings.duckdb_path
        self.lock_timeout = lock_timeout
        self._session_con: duckdb.DuckDBPyConnection | None = None

    # -- connections ----------------------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived read-write connection (waits while another process holds the lock).

        Inside `session()` the session's connection is reused.
        """
        if self._session_con is not None:
            yield self._session_con
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = _retry(lambda: duckdb.connect(str(self.path)), f"opening {self.path}", self.lock_timeout)
        try:
            con.execute("set TimeZone = 'UTC'")
            set_memory(con, self.settings)
            yield con
        finally:
            con.close()

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold one connection for several operations (a whole load: one checkpoint at the end)."""
        if self._session_con is not None:
            yield self._session_con
            return
        with self.connect() as con:
            self._session_con = con
            try:
                yield con
            finally:
                self._session_con = None

    def load_raw(self, raise_on_error: bool = True):
        with self.session() as con:
            # raw rows have no meaningful order; letting DuckDB drop it makes inserts parallel
            con.execute("set preserve_insertion_order = false")
            con.execute(f"set memory_limit = '{LOAD_MEMORY_LIMIT}'")  # spills, never grows with history
            try:
                return super().load_raw(raise_on_error=raise_on_error)
            finally:
                con.execute("reset preserve_insertion_order")
                # the memory limit only: DuckDB refuses to set temp_directory again once it spilled
                con.execute(f"set memory_limit = '{self.settings.duckdb_memory_limit}'")

    def _sql(self, sql: str, params: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
        sql = fill_datasets(sql, self.settings.raw_dataset, self.settings.analytics_dataset)
        return translate_params(sql, params, "duckdb")

    # -- datasets -------------------------------------------------------------------------
    def ensure_datasets(self) -> None:
        raw = _quote(self.settings.raw_dataset)
        with self.connect() as con:
            con.begin()
            for schema in (self.settings.raw_dataset, self.settings.analytics_dataset):
                con.execute(f"create schema if not exists {_quote(schema)}")
            con.execute(f"create table if not exists {raw}.{LEDGER_TABLE} ({_columns_sql(LEDGER_COLUMNS)})")
            con.execute(f"create table if not exists {raw}.{BATCHES_TABLE} ({_columns_sql(BATCH_COLUMNS)})")
            existing: dict[str, set[str]] = {}
            for table_name, column_name in con.execute(
                "select table_name, column_name from information_schema.columns where table_schema = $s",
                {"s": self.settings.raw_dataset},
            ).fetchall():
                existing.setdefault(table_name, set()).add(column_name)
            for table in self.contract.tables.values():
                columns = {c.name: c.type for c in table.columns} | LINEAGE_COLUMNS
                if table.name not in existing:
                    con.execute(f"create table {raw}.{_quote(table.name)} ({_columns_sql(columns)})")
                    continue
                for name, kind in columns.items():  # additive schema evolution
                    if name not in existing[table.name]:
                        column = f"{_quote(name)} {DUCKDB_TYPES[kind]}"
                        con.execute(f"alter table {raw}.{_quote(table.name)} add column {column}")
            con.commit()

    # -- loads ----------------------------------------------------------------------------
    def _ledger(self) -> dict[str, dict[str, str]]:
        raw = _quote(self.settings.raw_dataset)
        with self.connect() as con:
            rows = con.execute(
                f"select l.batch_id, l.source_file, l.sha256 from {raw}.{LEDGER_TABLE} as l "
                f"inner join {raw}.{BATCHES_TABLE} as b on b.batch_id = l.batch_id "
                "where l.status = $status",
                {"status": STATUS_LOADED},
            ).fetchall()
        ledger: dict[str, dict[str, str]] = {}
        for batch_id, source_file, digest in rows:
            ledger.setdefault(batch_id, {})[source_file] = digest
        return ledger

    def _insert_sql(self, checked: CheckedFile) -> str:
        table = self.contract.table(checked.file.table)
        names, exprs = _contract_columns(table, checked.present_columns, source="")
        exprs += ["$batch_id", "$source_file", "$loaded_at"]
        return (
            f"insert into {_quote(self.settings.raw_dataset)}.{_quote(table.name)} ({', '.join(names)}) "
            f"select {', '.join(exprs)} from read_parquet($path)"
        )

    def _group_insert_sql(self, files: list[CheckedFile]) -> str:
        """One INSERT over several files of a table with the same schema (one per batch).

        read_parquet scans the files in parallel (a generator file is one row group, so a
        single-file scan uses one thread); each row takes its file's batch id and source
        file from the `$batch_ids` / `$source_files` lists by read_parquet's `file_index`
        (the file's position in `$paths`). A join on the `filename` column did the same but
        also made DuckDB push the file list into the scan as a per-row IN filter.
        """
        table = self.contract.table(files[0].file.table)
        names, exprs = _contract_columns(table, files[0].present_columns, source="src.")
        exprs += [
            "$batch_ids[src.file_index::bigint + 1]",
            "$source_files[src.file_index::bigint + 1]",
            "$loaded_at",
        ]
        return (
            f"insert into {_quote(self.settings.raw_dataset)}.{_quote(table.name)} ({', '.join(names)}) "
            f"select {', '.join(exprs)} from read_parquet($paths) as src"
        )

    def _write_ledger(
        self, con: duckdb.DuckDBPyConnection, group: list[tuple[Batch, list[CheckedFile]]], loaded_at
    ) -> None:
        """The ledger rows of a group: one INSERT per table from list parameters.

        (`executemany` ran one statement per row: ~3 ms each, 0.05-0.1 s for 16 batches.)
        """
        raw = _quote(self.settings.raw_dataset)
        files = [(batch, f) for batch, checked in group for f in checked]
        con.execute(
            f"insert into {raw}.{LEDGER_TABLE} ({', '.join(LEDGER_COLUMNS)}) "
            "select unnest($batch_ids), unnest($tables), unnest($source_files), unnest($digests), "
            "unnest($rows), $status, $loaded_at",
            {
                "batch_ids": [batch.batch_id for batch, _ in files],
                "tables": [f.file.table for _, f in files],
                "source_files": [f.file.source_file for _, f in files],
                "digests": [f.sha256 for _, f in files],
                "rows": [f.rows for _, f in files],
                "status": STATUS_LOADED,
                "loaded_at": loaded_at,
            },
        )
        con.execute(
            f"insert into {raw}.{BATCHES_TABLE} ({', '.join(BATCH_COLUMNS)}) select unnest($batch_ids), "
            "unnest($starts::date[]), unnest($ends::date[]), $loaded_at",
            {
                "batch_ids": [batch.batch_id for batch, _ in group],
                "starts": [batch.period_start for batch, _ in group],
                "ends": [batch.period_end for batch, _ in group],
                "loaded_at": loaded_at,
            },
        )

    def _load_group(self, group: list[tuple[Batch, list[CheckedFile]]]) -> dict[str, str]:
        """Load several validated batches in one transaction: one multi-file INSERT per table.

        All-or-nothing for the group, hence for each of its batches. If DuckDB cannot read
        or cast a file (something the footer check cannot see) or an insert's row count is
        not the footers', the group is rolled back and loaded batch by batch, so the error
        names the file and only its batch fails.
        Ends with a checkpoint: the WAL and the buffer pool hold at most one group.
        """
        if len(group) == 1:
            errors = super()._load_group(group)
        else:
            try:
                self._load_together(group)
                errors = {}
            except (duckdb.Error, BadInputError):
                errors = super()._load_group(group)
        with self.connect() as con:
            con.execute("checkpoint")
        return errors

    def _load_together(self, group: list[tuple[Batch, list[CheckedFile]]]) -> None:
        loaded_at = utc_now()
        scans: dict[tuple, list[tuple[Batch, CheckedFile]]] = {}
        for batch, files in group:
            for checked in files:
                scans.setdefault(checked.signature(), []).append((batch, checked))
        with self.connect() as con:
            con.begin()
            try:
                for members in scans.values():
                    inserted = con.execute(
                        self._group_insert_sql([checked for _, checked in members]),
                        {
                            "paths": [str(checked.file.path) for _, checked in members],
                            "batch_ids": [batch.batch_id for batch, _ in members],
                            "source_files": [checked.file.source_file for _, checked in members],
                            "loaded_at": loaded_at,
                        },
                    ).fetchone()[0]
                    _check_inserted(inserted, [checked for _, checked in members])
                    for batch, checked in members:
                        self._checkpoint(f"{batch.batch_id}:table:{checked.file.table}")
                self._write_ledger(con, group, loaded_at)
                for batch, _ in group:
                    self._checkpoint(f"{batch.batch_id}:before_commit")
                con.commit()
            except BaseException:
                rollback_quietly(con)
                raise

    def _load_batch(self, batch: Batch, files: list[CheckedFile], loaded_at: dt.datetime) -> None:
        with self.connect() as con:
            con.begin()
            try:
                for checked in files:
                    try:
                        inserted = con.execute(
                            self._insert_sql(checked),
                            {
                                "batch_id": batch.batch_id,
                                "source_file": checked.file.source_file,
                                "loaded_at": loaded_at,
                                "path": str(checked.file.path),
                            },
                        ).fetchone()[0]
                    except duckdb.Error as exc:
                        raise BadInputError(
                            f"{checked.file.source_file}: could not be loaded ({exc})"
                        ) from exc
                    _check_inserted(inserted, [checked])
                    self._checkpoint(f"{batch.batch_id}:table:{checked.file.table}")
                self._write_ledger(con, [(batch, files)], loaded_at)
                self._checkpoint(f"{batch.batch_id}:before_commit")
                con.commit()
            except BaseException:
                rollback_quietly(con)
                raise

    # -- reads and writes -----------------------------------------------------------------
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        sql, used = self._sql(sql, params)
        with self.connect() as con:
            return con.execute(sql, used or None).df()

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        sql, used = self._sql(sql, params)
        with self.connect() as con:
            return con.sql(sql, params=used or None).to_arrow_table()

    def write_table(
        self, df: pd.DataFrame, name: str, dataset: str = "analytics", mode: str = "replace"
    ) -> int:
        self._require_writable("write_table")
        if mode not in ("replace", "append"):
            raise WarehouseError(f"write_table mode must be 'replace' or 'append', not {mode!r}")
        target = f"{_quote(dataset_name(self.settings, dataset))}.{_quote(check_identifier(name))}"
        with self.connect() as con:
            con.execute(f"create schema if not exists {_quote(dataset_name(self.settings, dataset))}")
            con.register("_cs_ops_frame", df)
            con.begin()
            try:
                if mode == "replace":
                    con.execute(f"create or replace table {target} as select * from _cs_ops_frame")
                else:
                    con.execute(f"create table if not exists {target} as select * from _cs_ops_frame limit 0")
                    con.execute(f"insert into {target} by name select * from _cs_ops_frame")
                con.commit()
            except BaseException:
                rollback_quietly(con)
                raise
            finally:
                con.unregister("_cs_ops_frame")
        return len(df)

    def table_exists(self, name: str, dataset: str = "analytics") -> bool:
        return name in self.existing_tables([name], dataset)

    def existing_tables(self, names: Iterable[str], dataset: str = "analytics") -> set[str]:
        if not self.path.exists():  # asking must not create an empty build file
            return set()
        found = self.query_arrow(
            "select table_name from information_schema.tables where table_schema = @s",
            {"s": dataset_name(self.settings, dataset)},
        )
        return set(names) & set(found["table_name"].to_pylist())

    def list_tables(self, dataset: str) -> dict[str, int]:
        schema = dataset_name(self.settings, dataset)
        names = self.query(
            "select table_name, table_type from information_schema.tables where table_schema = @s "
            "order by table_name",
            {"s": schema},
        )
        if names.empty:
            return {}
        counts = self.query(
            " union all ".join(
                f"select '{name}' as table_name, count(*) as n from {_quote(schema)}.{_quote(name)}"
                for name in names["table_name"]
            )
        )
        return {name: int(n) for name, n in counts.itertuples(index=False)}

    def data_timestamp(self) -> dt.datetime | None:
        if not self.table_exists(BATCHES_TABLE, "raw"):
            return None
        return self.query_arrow(f"select max(loaded_at) as t from {{raw}}.{BATCHES_TABLE}")["t"][0].as_py()

    # -- publish --------------------------------------------------------------------------
    @property
    def published_dir(self) -> Path:
        return releases_dir(self.settings)

    def publish(self) -> Path:
        """Write a new release of what readers read and point them at it (warehouse/releases.py)."""
        self._require_writable("publish")
        with self.session() as con:  # one connection: it keeps other writers out while copying
            self.ensure_datasets()
            raw = _quote(self.settings.raw_dataset)
            loaded_at = con.execute(f"select max(loaded_at) from {raw}.{BATCHES_TABLE}").fetchone()[0]
            return write_release(con, self.settings, loaded_at)


class DuckDBReader(Warehouse):
    """Read-only access to the current release: one short connection per query.

    `release` pins one release (a file name from `release_id()`): a page that reads it
    for every query sees one release, even if a newer one is published meanwhile. A
    pinned release pruned since (two newer ones published) gives way to the current one.
    """

    target = "dev"
    read_only = True

    def __init__(
        self,
        settings: Settings,
        contract: Contract | None = None,
        busy_timeout: float = 15.0,
        release: str | None = None,
    ):
        super().__init__(settings, contract)
        self.published_dir = releases_dir(settings)
        self.busy_timeout = busy_timeout
        self.release = release

    def snapshot_info(self) -> dict[str, Any]:
        """The pointer: release file name (`snapshot`), published_at, data_loaded_at."""
        return current_release(self.settings)

    def release_id(self) -> str:
        """The file name of the release this reader reads (the current one unless pinned)."""
        return self.release or self.snapshot_info()["snapshot"]

    def pinned(self, release: str | None = None) -> DuckDBReader:
        """A reader of one release (the current one by default) for every query it runs."""
        return DuckDBReader(self.settings, self.contract, self.busy_timeout, release or self.release_id())

    @property
    def path(self) -> Path:
        """The release file this reader reads (existing_tables checks it exists before asking)."""
        return self._release_path()

    def _release_path(self) -> Path:
        if self.release:
            pinned = self.published_dir / self.release
            if pinned.exists():
                return pinned
        return self.published_dir / self.snapshot_info()["snapshot"]

    def _read(self, sql: str, params: Mapping[str, Any] | None, arrow: bool) -> Any:
        sql = fill_datasets(sql, self.settings.raw_dataset, self.settings.analytics_dataset)
        sql, used = translate_params(sql, params, "duckdb")

        def attempt() -> Any:
            con = duckdb.connect(str(self._release_path()), read_only=True)
            try:
                con.execute("set TimeZone = 'UTC'")
                con.execute(f"set memory_limit = '{self.settings.duckdb_memory_limit}'")
                if arrow:
                    return con.sql(sql, params=used or None).to_arrow_table()
                return con.execute(sql, used or None).df()
            finally:
                con.close()

        return _retry(attempt, "reading the published release", self.busy_timeout)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self._read(sql, params, arrow=False)

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        return self._read(sql, params, arrow=True)

    table_exists = DuckDBWarehouse.table_exists
    existing_tables = DuckDBWarehouse.existing_tables
    list_tables = DuckDBWarehouse.list_tables

    def data_timestamp(self) -> dt.datetime | None:
        """When the release being read was published."""
        return published_at(self.release_id())

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise ReadOnlyError(
            "this warehouse was opened with read_only=True (published snapshot); use get_warehouse() to write"
        )

    ensure_datasets = _refuse
    write_table = _refuse
    publish = _refuse
    _ledger = _refuse
    _load_batch = _refuse


def set_memory(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """DuckDB's buffer pool limit and spill directory from the settings (both under the data dir)."""
    con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")  # validated in config.py
    temp_dir = str(settings.duckdb_temp_dir).replace("'", "''")
    con.execute(f"set temp_directory = '{temp_dir}'")


def _contract_columns(table, present_columns, source: str) -> tuple[list[str], list[str]]:
    """Target column names (contract columns, then lineage) and the cast of each contract
    column from `source` (a table alias prefix, or ""); a column the file lacks is null."""
    present = set(present_columns)
    names = [_quote(column.name) for column in table.columns] + [_quote(n) for n in LINEAGE_COLUMNS]
    exprs = [
        f"cast({source + _quote(column.name) if column.name in present else 'null'} "
        f"as {DUCKDB_TYPES[column.type]})"
        for column in table.columns
    ]
    return names, exprs


def _check_inserted(inserted: int, files: list[CheckedFile]) -> None:
    """The rows an INSERT wrote must be the rows the footers promised (else roll back).

    A path that read_parquet expands as a glob (it holds `*`, `?` or `[`) could read other
    files or shift `file_index`; this turns that into a clear error instead of wrong rows.
    """
    expected = sum(checked.rows for checked in files)
    if inserted != expected:
        listing = ", ".join(checked.file.source_file for checked in files)
        raise BadInputError(
            f"{listing}: DuckDB inserted {inserted} rows but the Parquet footers hold {expected}; "
            "nothing was loaded (does a path contain glob characters such as * ? [ ?)"
        )
