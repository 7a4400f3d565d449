"""What a dbt run costs on BigQuery at scale: `python tests/dbt/bench_bytes_billed.py [--events 100e6]`.

The emulator bills nothing, so the bytes are estimated (tests/dbt/bytes_billed.py) from
what dbt really sends on prod:
1. a small history (25 customers, 3 monthly batches) is loaded and built on the BigQuery
   emulator, then one more batch is loaded and built incrementally, both as production
   builds (`--exclude-resource-type unit_test`), each logging every statement (JSON);
2. table sizes come from the dev build of the dbt bench (`tests/dbt/bench_dbt.py`, ~10M
   events under <data dir>/bench_dbt/; run it first, as `just bench` does): rows of every
   table scaled to --events, average bytes of each string column as measured;
3. GoogleSQL's analyzer resolves every statement; a full build costs what the first build's
   statements read at that size, an incremental batch of --batch-events what the second
   build's read, a pruned scan reading twice a batch's share of its table (the new month and
   the one before it, as int_uso__janelas_mensais reads).
Also checks (and warns) that the largest statement of a full build fits the per-query cap
(`maximum_bytes_billed`, CS_OPS_MAX_BYTES_BILLED, default in warehouse/config.py).
Writes <data dir>/reports/bench_bytes_billed.json and prints a short table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import bytes_billed  # noqa: E402
import zetasql_server  # noqa: E402
from dbt_runs import dbt, generate, load  # noqa: E402
from googlesql_checker import GoogleSQLChecker, captured_statements  # noqa: E402

from warehouse.config import ANALYTICS_DATASET, DEFAULT_MAX_BYTES_BILLED, RAW_DATASET, get_settings  # noqa: E402
from warehouse.emulator import PROJECT, running_emulator  # noqa: E402

GIB = 2**30
PRODUCTION_BUILD = ("--exclude-resource-type", "unit_test", "--log-format-file", "json")


def prod_builds(work: Path, endpoint: str, select: list[str]) -> tuple[Path, Path]:
    """The JSON logs of a first prod build and of an incremental one after a new batch."""
    env = {"GOOGLE_CLOUD_PROJECT": PROJECT, "BIGQUERY_EMULATOR_HOST": endpoint}
    selection = ["--select", *select, "--indirect-selection", "cautious"] if select else []
    logs = []
    for step, months in (("first", 3), ("incremental", 1)):
        generate(work, 25, months, *(("--continue",) if step == "incremental" else ()))
        load(work, "prod", **env)
        dbt(work, "build", *PRODUCTION_BUILD, *selection, target="prod", timeout=3600, **env)
        log = work / "dbt-logs" / "dbt.log"
        logs.append(log.rename(work / f"{step}.log"))
    return logs[0], logs[1]


def estimate(logs: tuple[Path, Path], sizes: dict, fraction: float, server) -> list[bytes_billed.Bill]:
    """The bill of each run's statements, analysed in order (later runs read what earlier created)."""
    estimate = bytes_billed.Estimate(GoogleSQLChecker(server, project=PROJECT), sizes, fraction)
    return [estimate.run(captured_statements(log)) for log in logs]


# the nodes of the usage-event lineage (models and their tests): what partitioning addresses;
# the rest (entity tables, customer-months, marts) is rebuilt in full by every run, by design
EVENT_NODES = ("eventos_uso", "int_uso__")


def event_bytes(bill: bytes_billed.Bill) -> float:
    return sum(b.bytes for b in bill.statements if any(part in b.node for part in EVENT_NODES))


def summary(bill: bytes_billed.Bill) -> dict:
    return {
        "statements": len(bill.statements),
        "gib": round(bill.total_bytes / GIB, 2),
        "event_lineage_gib": round(event_bytes(bill) / GIB, 2),
        "largest_statements_gib": [[b.node, round(b.bytes / GIB, 2)] for b in bill.largest(6)],
        "statements_analysed_with_views_as_tables": bill.not_expanded,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=float, default=100e6, help="usage events in the history")
    parser.add_argument("--batch-events", type=float, default=1e6, help="usage events in one batch")
    parser.add_argument(
        "--select", nargs="+", help="dbt nodes to build (e.g. +int_uso__janelas_mensais); default: all"
    )
    parser.add_argument(
        "--sizes-from", type=Path, help="a dev build to measure (default: <data dir>/bench_dbt's database)"
    )
    args = parser.parse_args()
    settings = get_settings()
    dev_build = args.sizes_from or settings.data_dir / "bench_dbt" / "warehouse" / "cs_ops.duckdb"
    if not dev_build.exists():
        print(f"error: {dev_build} not found: run `python tests/dbt/bench_dbt.py` first", file=sys.stderr)
        return 2
    dev_events = bytes_billed.count_rows(dev_build, f"{RAW_DATASET}.eventos_uso")
    sizes = bytes_billed.measure_sizes(dev_build, (RAW_DATASET, ANALYTICS_DATASET), args.events / dev_events)
    pruned_fraction = 2 * args.batch_events / args.events

    with tempfile.TemporaryDirectory(prefix="bench-bytes-") as tmp, running_emulator() as endpoint:
        logs = prod_builds(Path(tmp) / "data", endpoint, args.select or [])
        with zetasql_server.running_server() as server:
            full, incremental = estimate(logs, sizes, pruned_fraction, server)

    largest = max(b.bytes for b in full.statements)
    result = {
        "usage_events": args.events,
        "usage_events_per_batch": args.batch_events,
        "dbt_selection": " ".join(args.select) if args.select else "the whole project",
        "sizes_from": f"{dev_build} ({dev_events:,} events, rows x {args.events / dev_events:.2f})",
        "full_build": summary(full),
        "incremental_batch": summary(incremental),
        "incremental_over_full": round(incremental.total_bytes / full.total_bytes, 4),
        "incremental_over_full_event_lineage": round(event_bytes(incremental) / event_bytes(full), 4),
        "target_incremental_over_full": 0.05,
        "largest_statement_gib": round(largest / GIB, 2),
        "maximum_bytes_billed_gib": round(DEFAULT_MAX_BYTES_BILLED / GIB, 2),
        # the cap's rule (cs_ops_dbt/README.md): the largest statement of a full build, + 50%
        "suggested_maximum_bytes_billed_gib": math.ceil(1.5 * largest / GIB),
        "cap_passes_the_full_build": largest <= DEFAULT_MAX_BYTES_BILLED,
        "notes": "estimate: columns each statement reads (GoogleSQL analyzer, views inline) x rows; "
        "10 MB minimum per table; a pruned scan reads 2 batches' share; writes are free",
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    reports = settings.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "bench_bytes_billed.json").write_text(json.dumps(result, indent=2))
    print(f"{'bytes billed at ' + format(int(args.events), ',') + ' events':<44}{'GiB':>10}")
    print(f"{'full build':<44}{result['full_build']['gib']:>10}")
    print(f"{'incremental batch (' + format(int(args.batch_events), ',') + ' events)':<44}"
          f"{result['incremental_batch']['gib']:>10}")  # fmt: skip
    print(f"{'incremental / full (target 0.05)':<44}{result['incremental_over_full']:>10}")
    print(f"{'  the event lineage alone':<44}{result['incremental_over_full_event_lineage']:>10}")
    print(f"{'largest statement / per-query cap':<44}{result['largest_statement_gib']:>10} / "
          f"{result['maximum_bytes_billed_gib']}")  # fmt: skip
    if not result["cap_passes_the_full_build"]:
        print("warning: the largest statement of a full build exceeds maximum_bytes_billed: raise it")
    print(f"written to {reports / 'bench_bytes_billed.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
