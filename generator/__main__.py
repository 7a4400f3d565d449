"""python -m generator [--customers N] [--months M] [--start YYYY-MM] [--seed S] [--dirt-rate R]
[--usage-scale F] [--continue] [--overwrite] [--data-dir PATH] [--quiet]"""

from __future__ import annotations

import argparse
import json
import os
import sys

from generator import process_setup
from generator.options import DEFAULTS, GeneratorError, GeneratorOptions
from warehouse.cli import run_cli
from warehouse.lock import data_dir_lock

process_setup.configure_environment()  # before numpy and pyarrow load (neither import above loads them)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Generate dirty, behaviour-driven Brazilian B2B SaaS customer data "
        "as monthly Parquet batches.",
    )
    parser.add_argument(
        "--customers", type=int, help=f"initial customer base (default {DEFAULTS['customers']})"
    )
    parser.add_argument(
        "--months", type=int, help=f"months (batches) to simulate (default {DEFAULTS['months']})"
    )
    parser.add_argument("--start", help=f"first month YYYY-MM (default {DEFAULTS['start']})")
    parser.add_argument("--seed", type=int, help=f"random seed (default {DEFAULTS['seed']})")
    parser.add_argument(
        "--dirt-rate", type=float, help=f"share of dirty rows per table (default {DEFAULTS['dirt_rate']})"
    )
    parser.add_argument(
        "--usage-scale",
        type=float,
        metavar="FLOAT",
        help="multiply the usage events per active user by FLOAT (> 0, default "
        f"{DEFAULTS['usage_scale']}); e.g. 0.25 for a large customer base with a quarter of the "
        "events. Only eventos_uso volume changes; kept with the run for --continue",
    )
    parser.add_argument(
        "--continue",
        dest="continue_run",
        action="store_true",
        help="append --months new batches to the saved history in the data dir",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace another run's data in the data dir")
    parser.add_argument("--data-dir", help="data dir (default: CS_OPS_DATA_DIR or ./data)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = GeneratorOptions(
        customers=args.customers,
        months=args.months,
        start=args.start,
        seed=args.seed,
        dirt_rate=args.dirt_rate,
        usage_scale=args.usage_scale,
        data_dir=args.data_dir,
        continue_run=args.continue_run,
        overwrite=args.overwrite,
        quiet=args.quiet,
    )
    process_setup.pyarrow_without_pandas()
    # imported here, after configure_environment: --help loads neither numpy nor pyarrow
    from generator.run import check_options, generate

    try:
        check_options(options)  # a bad option is reported before the lock creates the data dir
        with data_dir_lock("python -m generator", data_dir=args.data_dir):
            summary = generate(options)
    except GeneratorError as exc:
        print(f"generator: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    code = run_cli(main)  # one line for a full disk, a read-only data dir, a run already going
    # Everything is written and closed, the writer threads are joined: leave without the
    # interpreter's teardown (it frees every module, array and Arrow buffer one by one, a
    # wasted ~0.03-0.1 s at the end of every run)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
