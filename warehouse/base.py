"""What both backends share: the load loop, ledger checks, results and SQL helpers.

A backend implements the storage-specific steps (`_load_batch`, `_ledger`, `query`, ...);
the order of work and the guarantees (validate a whole batch before loading any of it,
skip batches already in the ledger, refuse files that changed since they were loaded)
live here once.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from warehouse.batches import (
    BATCHES_DIR,
    BadInputError,
    Batch,
    CheckedFile,
    check_batch,
    read_batch,
    sha256_of,
)
from warehouse.config import Settings
from warehouse.contract import Contract, load_contract

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (python -m warehouse.dbt starts without it)
    import pandas as pd

LEDGER_TABLE = "load_ledger"
BATCHES_TABLE = "load_batches"
LEDGER_COLUMNS: dict[str, str] = {
    "batch_id": "string",
    "table_name": "string",
    "source_file": "string",
    "sha256": "string",
    "row_count": "int64",
    "status": "string",
    "loaded_at": "timestamp",
}
BATCH_COLUMNS: dict[str, str] = {
    "batch_id": "string",
    "period_start": "date",
    "period_end": "date",
    "loaded_at": "timestamp",
}
VALIDATION_THREADS = 2  # files validated (footer schema + sha256) at once, ahead of the load
STATUS_LOADED = "loaded"
STATUS_FAILED = "failed"


class WarehouseError(RuntimeError):
    """Base for warehouse errors with a message meant for the user."""


class LoadError(WarehouseError):
    """Some batches could not be loaded; `.results` has every batch's outcome."""

    def __init__(self, message: str, results: list[LoadResult]):
        super().__init__(message)
        self.results = results


class WarehouseBusyError(WarehouseError):
    """The database stayed locked by another process for longer than the retry budget."""


class ReadOnlyError(WarehouseError):
    """A write was attempted through a read-only warehouse."""


class NotPublishedError(WarehouseError):
    """A reader found no published snapshot."""


@dataclass(frozen=True)
class LoadResult:
    batch: str
    table: str
    rows: int
    status: str  # loaded | failed
    error: str | None = None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- SQL helpers --------------------------------------------------------------------------

_TOKENS = re.compile(
    r"""('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`|--[^\n]*|/\*.*?\*/|@@\w+|@(?P<name>[A-Za-z_]\w*))""",
    re.DOTALL,
)


def fill_datasets(sql: str, raw: str, analytics: str) -> str:
    """Replace the {raw} and {analytics} placeholders (only those: other braces stay)."""
    return sql.replace("{raw}", raw).replace("{analytics}", analytics)


_IN_UNNEST = re.compile(r"\bin\s+unnest\s*\(\s*@([A-Za-z_]\w*)\s*\)", re.IGNORECASE)


def translate_params(sql: str, params: Mapping[str, Any] | None, style: str) -> tuple[str, dict[str, Any]]:
    """Rewrite @name parameters for the engine (`$name` for DuckDB), skipping quoted text.

    Returns the SQL and the parameters it uses. BigQuery's `x in unnest(@list)` becomes
    `x in (select unnest($list))` on DuckDB. Raises WarehouseError for a parameter the
    query uses but `params` lacks.
    """
    params = params or {}
    used: dict[str, Any] = {}
    if style == "duckdb":
        sql = _IN_UNNEST.sub(r"in (select unnest(@\1))", sql)

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name is None:
            return match.group(0)
        if name not in params:
            raise WarehouseError(f"query uses parameter @{name} but no value was given for {name!r}")
        used[name] = params[name]
        return f"${name}" if style == "duckdb" else f"@{name}"

    return _TOKENS.sub(replace, sql), used


def dataset_name(settings: Settings, dataset: str) -> str:
    aliases = {
        "raw": settings.raw_dataset,
        settings.raw_dataset: settings.raw_dataset,
        "analytics": settings.analytics_dataset,
        settings.analytics_dataset: settings.analytics_dataset,
    }
    try:
        return aliases[dataset]
    except KeyError:
        raise WarehouseError(
            f"unknown dataset {dataset!r}: use 'raw', 'analytics', {settings.raw_dataset!r} "
            f"or {settings.analytics_dataset!r}"
        ) from None


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str, what: str = "table") -> str:
    if not _IDENTIFIER.match(name):
        raise WarehouseError(f"{what} name {name!r} is not a plain identifier (letters, digits, _)")
    return name


# --- the shared backend skeleton -----------------------------------------------------------


class Warehouse(ABC):
    """One interface over DuckDB and BigQuery (see ARCHITECTURE.md section 3)."""

    target: str = ""
    read_only: bool = False
    load_group_bytes: int = 0  # Parquet bytes handed to _load_group at once (0: one batch)

    def __init__(self, settings: Settings, contract: Contract | None = None):
        self.settings = settings
        self.contract = contract or load_contract()

    # -- to implement ---------------------------------------------------------------------
    @abstractmethod
    def ensure_datasets(self) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...

    @abstractmethod
    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Like query(), as an Arrow table."""

    @abstractmethod
    def write_table(
        self, df: pd.DataFrame, name: str, dataset: str = "analytics", mode: str = "replace"
    ) -> int: ...

    @abstractmethod
    def table_exists(self, name: str, dataset: str = "analytics") -> bool: ...

    def existing_tables(self, names: Iterable[str], dataset: str = "analytics") -> set[str]:
        """Those of `names` that exist in the dataset (backends ask in one round trip)."""
        return {name for name in names if self.table_exists(name, dataset)}

    @abstractmethod
    def list_tables(self, dataset: str) -> dict[str, int]:
        """{table: row count} for one dataset (empty if it does not exist)."""

    @abstractmethod
    def publish(self) -> str | None: ...

    @abstractmethod
    def data_timestamp(self) -> dt.datetime | None: ...

    def release_id(self) -> str | None:
        """The release a reader sees (DuckDB: the current release's file); None when readers
        query the warehouse itself (BigQuery)."""
        return None

    def pinned(self, release: str | None = None) -> Warehouse:
        """A handle that reads one release (`release_id()`) for every query; itself on BigQuery."""
        return self

    @abstractmethod
    def _ledger(self) -> dict[str, dict[str, str]]:
        """{batch_id: {source_file: sha256}} for every batch fully loaded."""

    @abstractmethod
    def _load_batch(self, batch: Batch, files: list[CheckedFile], loaded_at: dt.datetime) -> None:
        """Load one validated batch all-or-nothing, ledger rows included."""

    # -- shared -----------------------------------------------------------------------------
    def _checkpoint(self, point: str) -> None:  # noqa: B027 - a hook, empty on purpose
        """Called at named points of a load; tests replace it to kill the process there."""

    def _require_writable(self, action: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{action} needs a writable warehouse; this one was opened read_only=True")

    def loaded_batch_ids(self) -> list[str]:
        """The batches fully loaded so far, in batch-id order (creates the datasets if needed)."""
        self._require_writable("loaded_batch_ids")
        self.ensure_datasets()
        return sorted(self._ledger())

    def raw_batch_paths(self) -> list[Path]:
        meta_dir = self.settings.raw_dir / BATCHES_DIR
        return sorted(meta_dir.glob("*.json")) if meta_dir.is_dir() else []

    def load_raw(self, raise_on_error: bool = True) -> list[LoadResult]:
        """Load every batch under <data>/raw that is not in the ledger yet, in batch-id order.

        Each batch is validated completely before any of it is loaded, then loaded
        all-or-nothing (all its tables and its ledger rows, or none). Validated batches are
        handed to the backend in groups of up to `load_group_bytes` of Parquet (one batch
        per group when 0): a backend may load a group in one transaction, which keeps every
        batch of it all-or-nothing. A bad batch does not stop the others; when any failed,
        LoadError is raised at the end (unless raise_on_error=False) listing each problem.
        Returns one LoadResult per (batch, table) loaded or failed in this call.
        """
        self._require_writable("load_raw")
        self.ensure_datasets()
        ledger = self._ledger()
        results: list[LoadResult] = []
        problems: list[str] = []
        group: list[tuple[Batch, list[CheckedFile]]] = []
        group_bytes = 0

        def fail(batch_id: str, message: str) -> None:
            problems.append(message)
            results.append(LoadResult(batch_id, "*", 0, STATUS_FAILED, message))

        def flush() -> None:
            errors = self._load_group(group) if group else {}
            for batch, checked in group:
                if batch.batch_id in errors:
                    fail(batch.batch_id, errors[batch.batch_id])
                else:
                    results.extend(
                        LoadResult(batch.batch_id, f.file.table, f.rows, STATUS_LOADED) for f in checked
                    )
            group.clear()

        # Batches not in the ledger are validated (footers + sha256) ahead on a small pool:
        # hashing releases the GIL, so two files hash at once; results are taken in batch order.
        waiting: list[tuple[str, Batch | None, Future | str]] = []
        pool = ThreadPoolExecutor(max_workers=VALIDATION_THREADS, thread_name_prefix="validate")
        try:
            for meta_path in self.raw_batch_paths():
                batch_id = meta_path.stem
                try:
                    batch = read_batch(meta_path, self.settings.raw_dir, self.settings.data_dir)
                    if batch_id in ledger:
                        self._check_unchanged(batch, ledger[batch_id])
                        continue
                except BadInputError as exc:
                    waiting.append((batch_id, None, str(exc)))
                    continue
                waiting.append((batch_id, batch, pool.submit(check_batch, batch, self.contract)))
            for batch_id, batch, pending in waiting:
                try:
                    if isinstance(pending, str):
                        raise BadInputError(pending)
                    checked = pending.result()
                except BadInputError as exc:
                    fail(batch_id, str(exc))
                    continue
                group.append((batch, checked))
                group_bytes += sum(f.size for f in checked)
                if group_bytes >= self.load_group_bytes:
                    flush()
                    group_bytes = 0
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # an error or a kill does not wait for the rest
        flush()
        results.sort(key=lambda result: result.batch)  # stable: tables keep their order
        if problems and raise_on_error:
            listing = "\n  - ".join(problems)
            raise LoadError(
                f"{len(problems)} batch(es) not loaded (nothing of them was written; other batches "
                f"are loaded):\n  - {listing}",
                results,
            )
        return results

    def _load_group(self, group: list[tuple[Batch, list[CheckedFile]]]) -> dict[str, str]:
        """Load validated batches, each all-or-nothing; {batch_id: error} for those that failed.

        The default loads one batch per transaction (`_load_batch`); a backend may override
        it to load the whole group in one unit.
        """
        errors: dict[str, str] = {}
        for batch, checked in group:
            try:
                self._load_batch(batch, checked, utc_now())
            except BadInputError as exc:
                errors[batch.batch_id] = str(exc)
        return errors

    def _check_unchanged(self, batch: Batch, loaded: dict[str, str]) -> None:
        for file in batch.files:
            before = loaded.get(file.source_file)
            if before is None or not file.path.is_file():
                continue  # pruned raw files are fine; the warehouse keeps the data
            now = sha256_of(file.path)
            if now != before:
                raise BadInputError(
                    f"{file.source_file}: sha256 changed since batch {batch.batch_id} was loaded "
                    f"(ledger {before[:12]}…, file now {now[:12]}…); restore the original file or "
                    "start a fresh warehouse — loaded batches are never reloaded"
                )

    def ledger_summary(self) -> pd.DataFrame:
        return self.query(
            "select status, count(distinct batch_id) as batches, count(*) as files, "
            "sum(row_count) as row_count, max(loaded_at) as last_loaded_at "
            f"from {{raw}}.{LEDGER_TABLE} group by status order by status"
        )

    def info(self) -> dict[str, Any]:
        datasets = {}
        for dataset in (self.settings.raw_dataset, self.settings.analytics_dataset):
            datasets[dataset] = self.list_tables(dataset)
        ledger = None
        if LEDGER_TABLE in datasets[self.settings.raw_dataset]:
            ledger = self.ledger_summary()
        return {"target": self.settings.describe(), "datasets": datasets, "ledger": ledger}
