"""Batches loaded too late for an incremental dbt build.

The incremental dbt models (the usage events and what is aggregated from them) read
only the batches after the newest one they already hold (`batch_id > max(batch_id)`).
A batch loaded after a newer one was processed (a bad batch fixed and loaded later, or
any batch loaded out of order) sorts below that watermark, so an incremental build would
skip its rows and only the reconciliation test would notice. `python -m warehouse.dbt
build` asks `find_late_batches` first and runs a full refresh when it finds one. The
other raw tables are read in full by every build, so a late batch of them needs nothing.

The record of what dbt processed is `int_eventos_uso__lotes` (one row per batch of usage
events, written by the same incremental run; the `eventos_uso` rows of
`fct_qualidade_dados` are copied from it), exact even when the last build stopped before
the marts. A loaded batch counts as late when it has usage events, is not in that record
and sorts below the newest batch that is.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.base import LEDGER_TABLE, STATUS_LOADED, Warehouse

# raw table read incrementally -> the dbt model that records the batches a run processed
PROCESSED_MODELS = {"eventos_uso": "int_eventos_uso__lotes"}


def late_batches_sql(models: dict[str, str]) -> str:
    """The late (table, batch) pairs, given the record models that exist."""
    processed = "\n    union all\n".join(
        f"    select '{table}' as table_name, batch_id\n    from {{analytics}}.{model}\n    group by batch_id"
        for table, model in models.items()
    )
    return f"""
with

processed as (

{processed}

),

newest as (

    select table_name, max(batch_id) as newest_batch_id
    from processed
    group by table_name

),

loaded as (

    select distinct table_name, batch_id
    from {{raw}}.{LEDGER_TABLE}
    where status = @status
        and row_count > 0

)

select
    loaded.batch_id,
    loaded.table_name,
    newest.newest_batch_id
from loaded
inner join newest
    on loaded.table_name = newest.table_name
left join processed
    on loaded.table_name = processed.table_name
    and loaded.batch_id = processed.batch_id
where processed.batch_id is null
    and loaded.batch_id < newest.newest_batch_id
order by loaded.batch_id, loaded.table_name
"""


@dataclass(frozen=True)
class LateBatches:
    """Loaded batches an incremental build would skip, and the watermark that skips them."""

    batch_ids: tuple[str, ...] = ()
    newest_processed: str | None = None
    tables: tuple[str, ...] = ()  # the raw tables whose rows in those batches would be skipped

    def __bool__(self) -> bool:
        return bool(self.batch_ids)

    def describe(self) -> str:
        listing = ", ".join(self.batch_ids)
        tables = f" ({', '.join(self.tables)})" if self.tables else ""
        return (
            f"late batch(es) {listing}{tables}: loaded after the analytics models had processed "
            f"{self.newest_processed} (an incremental run reads only later batches and would skip them)"
        )


def find_late_batches(wh: Warehouse) -> LateBatches:
    """The loaded batches the incremental models have not processed and would skip.

    Nothing when there is no warehouse, no ledger or no analytics build yet (the first
    build is a full one anyway). Never creates the DuckDB file.
    """
    if not wh.settings.is_prod and not wh.settings.duckdb_path.exists():
        return LateBatches()
    if not wh.table_exists(LEDGER_TABLE, "raw"):
        return LateBatches()
    existing = wh.existing_tables(PROCESSED_MODELS.values())
    models = {table: model for table, model in PROCESSED_MODELS.items() if model in existing}
    if not models:
        return LateBatches()
    # an Arrow table, not a DataFrame: the check runs before every incremental dbt build and
    # pandas would add ~0.3 s to its start-up
    late = wh.query_arrow(late_batches_sql(models), {"status": STATUS_LOADED})
    if late.num_rows == 0:
        return LateBatches()
    batch_ids = late["batch_id"].to_pylist()
    tables = late["table_name"].to_pylist()
    return LateBatches(
        tuple(dict.fromkeys(batch_ids)),
        str(max(late["newest_batch_id"].to_pylist())),
        tuple(sorted(set(tables))),
    )
