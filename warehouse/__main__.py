"""`python -m warehouse check|load|publish|info` on the backend chosen by CS_OPS_TARGET."""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

from warehouse import get_warehouse
from warehouse.base import LoadError, Warehouse, WarehouseError
from warehouse.cli import run_cli
from warehouse.config import get_settings
from warehouse.late_batches import find_late_batches
from warehouse.lock import data_dir_lock


def _out_of_order_note(wh: Warehouse, loaded: list[str], newest_before: str | None) -> str | None:
    """A note for batches loaded after a newer one, and what that means for the next build."""
    older = [batch for batch in loaded if newest_before is not None and batch < newest_before]
    if not older:
        return None
    note = f"note: batch(es) {', '.join(older)} loaded out of order (after {newest_before}); "
    late = find_late_batches(wh)
    if set(older) & set(late.batch_ids):
        return note + (
            f"the analytics models already processed {late.newest_processed}, so the next "
            "`python -m warehouse.dbt build` runs with --full-refresh to include them"
        )
    return note + "no build has processed a newer batch yet, so the next build stays incremental"


def _load(args: argparse.Namespace) -> int:
    with data_dir_lock("python -m warehouse load"):
        return _load_locked(args)


def _load_locked(args: argparse.Namespace) -> int:
    wh = get_warehouse()
    started = time.perf_counter()
    newest_before = max(wh.loaded_batch_ids(), default=None)
    try:
        results = wh.load_raw()
        failed = False
    except LoadError as exc:
        results, failed = exc.results, True
        print(f"error: {exc}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    per_batch: dict[str, int] = defaultdict(int)
    for result in results:
        if result.status == "loaded":
            per_batch[result.batch] += result.rows
    for batch, rows in per_batch.items():
        print(f"loaded {batch}: {rows:,} rows")
    total = sum(per_batch.values())
    print(f"{len(per_batch)} new batch(es), {total:,} rows in {elapsed:.1f}s on {wh.settings.describe()}")
    note = _out_of_order_note(wh, sorted(per_batch), newest_before)
    if note:
        print(note)
    if args.publish and not failed and not wh.settings.is_prod:
        print(f"published {wh.publish()}")
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> int:
    settings = get_settings()
    print(f"CS_OPS_TARGET={settings.target}: {settings.describe()}; data dir {settings.data_dir}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    wh = get_warehouse()
    with data_dir_lock("python -m warehouse publish"):
        started = time.perf_counter()
        where = wh.publish()
    if where:
        print(f"published {where} in {time.perf_counter() - started:.1f} s")
        return 0
    print("nothing to publish on BigQuery (readers query it directly)")
    return 0


def _info(args: argparse.Namespace) -> int:
    wh = get_warehouse()
    if not wh.settings.is_prod and not wh.settings.duckdb_path.exists():
        print(f"target: {wh.settings.describe()}\nno DuckDB build file yet: run `python -m warehouse load`")
        return 0
    info = wh.info()
    print(f"target: {info['target']}")
    for dataset, tables in info["datasets"].items():
        print(f"{dataset}: {len(tables)} table(s)")
        for name, rows in tables.items():
            print(f"  {name:<40} {rows:>14,} rows")
    ledger = info["ledger"]
    if ledger is None or ledger.empty:
        print("ledger: no batch loaded yet")
    else:
        for row in ledger.itertuples(index=False):
            print(
                f"ledger: {row.batches} batch(es) {row.status}, {row.files} file(s), "
                f"{int(row.row_count):,} rows, last at {row.last_loaded_at}"
            )
    if not wh.settings.is_prod:
        reader = get_warehouse(read_only=True)
        try:
            print(f"published snapshot: {reader.snapshot_info()}")
        except WarehouseError as exc:
            print(f"published snapshot: none ({exc})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load every new raw batch (idempotent)")
    load.add_argument("--publish", action="store_true", help="publish a snapshot afterwards (dev)")
    load.set_defaults(run=_load)
    commands.add_parser("check", help="validate the configuration before any work").set_defaults(run=_check)
    commands.add_parser("publish", help="publish a read-only snapshot for readers (dev)").set_defaults(
        run=_publish
    )
    commands.add_parser("info", help="target, datasets, tables with row counts, ledger").set_defaults(
        run=_info
    )
    args = parser.parse_args(argv)
    get_settings()  # a bad configuration stops here, before any work
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
