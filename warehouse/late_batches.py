"""Batches loaded too late for an incremental dbt build.

The incremental dbt models read only the batches after the newest one they already
hold (`batch_id > max(batch_id)`). A batch loaded after a newer one was processed (a bad
batch fixed and loaded later, or any batch loaded out of order) sorts below that
watermark, so an incremental build would skip its rows and only the reconciliation
test would notice. `python -m warehouse.dbt build` asks `find_late_batches` first and
runs a full refresh when it finds one.

The record of what dbt processed is `int_eventos_uso__lotes`: the incremental model
that writes one row per batch it processes (the batches' usage-event counts; the
`eventos_uso` rows of `fct_qualidade_dados` are copied from it). It holds a few rows
per batch on either engine, and it is exact even when the last build stopped before
the marts. A loaded batch counts as late when it has usage events, is not in that
record and sorts below the newest batch that is.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.base import LEDGER_TABLE, STATUS_LOADED, Warehouse

PROCESSED_MODEL = "int_eventos_uso__lotes"  # one row per batch an incremental run processed
EVENTS_TABLE = "eventos_uso"

LATE_BATCHES_SQL = f"""
with

processed as (

    select distinct batch_id
    from {{analytics}}.{PROCESSED_MODEL}

),

newest as (

    select max(batch_id) as newest_batch_id
    from processed

),

loaded as (

    select distinct batch_id
    from {{raw}}.{LEDGER_TABLE}
    where status = @status
        and table_name = @events_table
        and row_count > 0

)

select
    loaded.batch_id,
    newest.newest_batch_id
from loaded
cross join newest
left join processed
    on loaded.batch_id = processed.batch_id
where processed.batch_id is null
    and loaded.batch_id < newest.newest_batch_id
order by loaded.batch_id
"""


@dataclass(frozen=True)
class LateBatches:
    """Loaded batches an incremental build would skip, and the watermark that skips them."""

    batch_ids: tuple[str, ...] = ()
    newest_processed: str | None = None

    def __bool__(self) -> bool:
        return bool(self.batch_ids)

    def describe(self) -> str:
        listing = ", ".join(self.batch_ids)
        return (
            f"late batch(es) {listing}: loaded after the analytics models had processed "
            f"{self.newest_processed} (an incremental run reads only later batches and would skip them)"
        )


def find_late_batches(wh: Warehouse) -> LateBatches:
    """The loaded batches the incremental models have not processed and would skip.

    Nothing when there is no warehouse, no ledger or no analytics build yet (the first
    build is a full one anyway). Never creates the DuckDB file.
    """
    if not wh.settings.is_prod and not wh.settings.duckdb_path.exists():
        return LateBatches()
    if not (wh.table_exists(LEDGER_TABLE, "raw") and wh.table_exists(PROCESSED_MODEL)):
        return LateBatches()
    # an Arrow table, not a DataFrame: the check runs before every incremental dbt build and
    # pandas would add ~0.3 s to its start-up
    late = wh.query_arrow(LATE_BATCHES_SQL, {"status": STATUS_LOADED, "events_table": EVENTS_TABLE})
    if late.num_rows == 0:
        return LateBatches()
    return LateBatches(tuple(late["batch_id"].to_pylist()), str(late["newest_batch_id"][0].as_py()))
