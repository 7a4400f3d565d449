"""Releases: what readers of the DuckDB build (the app, the report) see.

A release is a small DuckDB file `<data>/warehouse/published/<stamp>.duckdb` that holds
only what readers read: the marts (`fct_*`, `dim_*`), the tables the pipeline writes
for readers (`churn_scores`, any other non-dbt table in cs_ops_analytics) and the load
ledger (`load_ledger`, `load_batches`). Raw rows, staging views and intermediate models
stay in the build file, so a release costs what the marts cost, not what the event
history costs. Marts no reader reads are left out (`NOT_RELEASED`): the event grain (readers
get usage per customer and month from `fct_clientes_snapshot_mensal`) and the user list.
Tables readers only take examples from keep a bounded sample (`SAMPLED`: the first 1,000
quarantined rows per table and reason).

Tables with a `customer_id` column are written sorted by it: a one-customer read
(Cliente 360) then scans only the row groups that hold that customer.

A release is complete or invisible: it is written under a hidden temporary name, synced,
renamed into place (`warehouse.files.write_atomic`), and only then named by the pointer
`CURRENT.json` (replaced atomically). Readers open the release the pointer names; the previous one stays until
the next release is complete. The newest `KEEP_RELEASES` are kept (a reader that still
has an older one open keeps reading it), and partial files a killed publish left behind
are removed by the next publish.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.base import NotPublishedError
from warehouse.config import Settings
from warehouse.files import write_atomic, write_text_atomic

RELEASES_DIR = "published"
POINTER = "CURRENT.json"
KEEP_RELEASES = 2  # the current release and the one before it
RAW_RELEASED = ("load_ledger", "load_batches")  # the data-quality page shows the load history
INTERNAL_PREFIXES = ("stg_", "int_")  # dbt's staging and intermediate layers
NOT_RELEASED = {
    "fct_eventos_uso": "one row per usage event: grows with the history; readers use "
    "fct_clientes_snapshot_mensal (usage per customer and month)",
    "dim_usuarios": "one row per user (3M at 100M events, a quarter of a release's copy time): "
    "no page or report reads it; the app counts active users from fct_clientes_kpis",
}
# Tables readers only take examples from: the release keeps the first rows of each group in
# the order readers read them. fct_quarentena holds every rejected row (it grows with the
# dirty events of the history); the app shows a few examples per table and reason and takes
# its counts from fct_qualidade_dados_motivos. The whole table stays in the build file.
SAMPLED = {
    "fct_quarentena": {"group": ("table_name", "reason"), "order": ("batch_id", "record_key"), "rows": 1000},
}
CLUSTER_COLUMN = "customer_id"
STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"  # a release's file name: when it was published, in UTC
RELEASE_ALIAS = "cs_ops_release"


@dataclass(frozen=True)
class ReleasedTable:
    schema: str
    name: str
    clustered: bool  # written sorted by customer_id


def releases_dir(settings: Settings) -> Path:
    return settings.warehouse_dir / RELEASES_DIR


def current_release(settings: Settings) -> dict[str, str]:
    """The pointer: the current release's file name (`snapshot`), published_at, data_loaded_at."""
    pointer = releases_dir(settings) / POINTER
    try:
        return json.loads(pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotPublishedError(
            f"no published release in {pointer.parent}: run `just dev` (or load, build and then "
            "`python -m warehouse publish`)"
        ) from None


def published_at(release: str) -> dt.datetime:
    """When a release was published, from its file name."""
    return dt.datetime.strptime(Path(release).stem, STAMP_FORMAT).replace(tzinfo=dt.UTC)


def is_released(name: str) -> bool:
    """An analytics relation readers get: not staging/intermediate, not event grain."""
    return not name.startswith(INTERNAL_PREFIXES) and name not in NOT_RELEASED


def released_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[ReleasedTable]:
    """The relations of the build that go into a release, in a stable order."""
    rows = con.execute(
        """
        select
            tables.table_schema,
            tables.table_name,
            bool_or(columns.column_name = $cluster) as clustered
        from information_schema.tables as tables
        inner join information_schema.columns as columns
            on columns.table_schema = tables.table_schema and columns.table_name = tables.table_name
        where tables.table_catalog = current_database()
            and columns.table_catalog = current_database()
            and (
                tables.table_schema = $analytics
                or (tables.table_schema = $raw and tables.table_name in (select unnest($raw_tables)))
            )
        group by all
        order by all
        """,
        {
            "cluster": CLUSTER_COLUMN,
            "analytics": settings.analytics_dataset,
            "raw": settings.raw_dataset,
            "raw_tables": list(RAW_RELEASED),
        },
    ).fetchall()
    return [
        ReleasedTable(schema, name, bool(clustered))
        for schema, name, clustered in rows
        if schema == settings.raw_dataset or is_released(name)
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_release(con: duckdb.DuckDBPyConnection, settings: Settings, loaded_at: dt.datetime | None) -> Path:
    """Write a new release from the build `con` reads and point readers at it.

    `con` must be a read-write connection to the build file: holding it keeps other
    writers out while the release is copied (one transaction: one consistent state).
    """
    out = releases_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    remove_partial(out)
    now = dt.datetime.now(dt.UTC)
    release = out / f"{now.strftime(STAMP_FORMAT)}.duckdb"
    write_atomic(release, lambda partial: _copy_released_tables(con, settings, partial))
    pointer = {
        "snapshot": release.name,
        "published_at": now.isoformat(),
        "data_loaded_at": loaded_at.isoformat() if loaded_at else None,
    }
    write_text_atomic(out / POINTER, json.dumps(pointer, indent=2))
    prune(out, release.name)
    return release


def _copy_released_tables(con: duckdb.DuckDBPyConnection, settings: Settings, partial: Path) -> None:
    """Copy the released tables into a new DuckDB file at `partial`, in one transaction."""
    con.execute(f"attach {_sql_string(str(partial))} as {RELEASE_ALIAS}")
    try:
        con.begin()
        for schema in (settings.raw_dataset, settings.analytics_dataset):
            con.execute(f"create schema {RELEASE_ALIAS}.{_quote(schema)}")
        for table in released_tables(con, settings):
            source = f"{_quote(table.schema)}.{_quote(table.name)}"
            con.execute(f"create table {RELEASE_ALIAS}.{source} as {_release_select(table, source)}")
        con.commit()
    except BaseException:
        rollback_quietly(con)
        raise
    finally:
        con.execute(f"detach {RELEASE_ALIAS}")


def _release_select(table: ReleasedTable, source: str) -> str:
    """The rows of `source` a release holds: all (sorted by customer when clustered) or a sample."""
    sample = SAMPLED.get(table.name)
    if sample:
        group = ", ".join(_quote(column) for column in sample["group"])
        order = ", ".join(_quote(column) for column in sample["order"])
        return (
            f"select * from {source} "
            f"qualify row_number() over (partition by {group} order by {order}) <= {int(sample['rows'])}"
        )
    order = f" order by {_quote(CLUSTER_COLUMN)}" if table.clustered else ""
    return f"select * from {source}{order}"


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open; never hide the error that got us here.

    When a commit fails (a full disk), DuckDB has already ended the transaction, and a
    second error from `rollback()` ("no transaction is active") would replace the real one.
    """
    try:
        con.rollback()
    except duckdb.Error:
        pass


def prune(out: Path, current: str) -> list[Path]:
    """Delete all but the newest KEEP_RELEASES releases up to `current`; returns the deleted."""
    releases = sorted(path for path in out.glob("*.duckdb") if path.name <= current)
    pruned = releases[:-KEEP_RELEASES]
    for old in pruned:
        old.unlink(missing_ok=True)
        old.with_name(old.name + ".wal").unlink(missing_ok=True)
    return pruned


def remove_partial(out: Path) -> list[Path]:
    """Delete what an interrupted publish left (hidden temporary files and their WALs).

    Called by the one publisher holding the build file, so no other publish is writing them.
    """
    partial = [path for path in out.glob(".*") if path.is_file()]
    for path in partial:
        path.unlink(missing_ok=True)
    return partial
