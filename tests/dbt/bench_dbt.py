"""Benchmark of the dbt project on DuckDB: `python tests/dbt/bench_dbt.py [--customers N]`.

Measured side by side in one run, on the same generated history:
  full     `dbt build --full-refresh` over every batch (~10M usage events at the default
           size: 17,000 initial customers, 10 monthly batches)
  incremental  `dbt build` after one new monthly batch (~1M events), on a copy of the
               database as built (by this code) before that batch (median of --repeats runs)
Both builds run the models and every data test and leave out the dbt unit tests
(`--exclude-resource-type unit_test`, dbt's advice for production builds): unit tests
check the SQL logic on fixed inputs, not the data, so they need not run with each batch.
CI (`pytest tests/dbt`) still runs all of them with `dbt build`. `--unit-tests` times both
builds with them.
Wall seconds and CPU seconds (user + system of the dbt process) are both reported: on a
shared machine the CPU time is the steadier figure.
Two floors of the incremental build are timed in the same run, for scale:
  no new data   `dbt build` on the database as built before the batch, nothing loaded
  empty inputs  `dbt build --empty` (dbt reads every ref and source as zero rows) on a
                database whose models were built the same way: what the wrapper, dbt
                itself and the 130-odd nodes cost before any data is read; the full
                build is timed on empty inputs too, and "above empty inputs" compares
                what each build spends beyond that floor (incremental - its floor over
                full - its floor): the part of the work that follows the data
Targets (issue #16): full build <= 30 s at ~10M events, peak memory <= 4 GiB (DuckDB's
memory_limit and threads come from profiles.yml); incremental <= 0.25x of full above the
empty-input floors at ~10M events, and <= 0.15x of full plain at ~50M events
(`--customers 32000 --months 24`).
Writes <data dir>/reports/bench_dbt.json and prints a short table. The generated
history is kept under <data dir>/bench_dbt/ and reused by later runs; the database built
before the last batch is rebuilt whenever the dbt project changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from warehouse.config import get_settings  # noqa: E402


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_EMULATOR"))}
    env.update(CS_OPS_TARGET="dev", CS_OPS_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
    return env


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], data_dir: Path) -> tuple[float, float]:
    """Runs a command; returns (wall seconds, CPU seconds of the child)."""
    cpu, start = cpu_seconds(), time.perf_counter()
    done = subprocess.run(args, env=env_for(data_dir), cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    return elapsed, cpu_seconds() - cpu


def project_hash() -> str:
    """A hash of every file of the dbt project, of profiles.yml and of the fingerprints
    (a new fingerprint scheme would make every incremental run a full rebuild)."""
    digest = hashlib.sha256()
    files = sorted((REPO / "cs_ops_dbt").glob("[mt]*s/**/*.*")) + [
        REPO / "cs_ops_dbt" / "dbt_project.yml", REPO / "profiles.yml",
        REPO / "warehouse" / "dbt_fingerprints.py",
    ]  # fmt: skip
    for path in files:
        if path.is_file() and "target" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


PRODUCTION_BUILD = ["--exclude-resource-type", "unit_test"]


def dbt(data_dir: Path, *args: str) -> tuple[float, float]:
    paths = ["--target-path", str(data_dir / "dbt-target"), "--log-path", str(data_dir / "dbt-logs")]
    return run([sys.executable, "-m", "warehouse.dbt", "build", *args, *paths], data_dir)


def slowest_nodes(data_dir: Path, top: int = 8) -> list[list]:
    """The slowest nodes of the last dbt run (from its run_results.json)."""
    results = json.loads((data_dir / "dbt-target" / "run_results.json").read_text())["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:top]
    return [[r["unique_id"].split(".", 2)[-1], round(r["execution_time"], 2)] for r in ranked]


def count_events(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from cs_ops_raw_data.eventos_uso").fetchone()[0]
    finally:
        con.close()


def restore(copy: Path, db: Path) -> None:
    """Put a saved database in place; a WAL left by an interrupted run would be replayed onto it."""
    db.parent.mkdir(parents=True, exist_ok=True)
    db.with_name(db.name + ".wal").unlink(missing_ok=True)
    shutil.copy(copy, db)


def prepare(bench_dir: Path, customers: int, months: int) -> tuple[Path, Path]:
    """`before.duckdb`: all batches but the last, loaded and built by this code;
    the last batch waits as Parquet (each timed run loads it first, untimed)."""
    db = bench_dir / "warehouse" / "cs_ops.duckdb"
    raw = bench_dir / "raw_before.duckdb"
    before = bench_dir / "before.duckdb"
    marker = bench_dir / "prepared.json"
    wanted = {"customers": customers, "months": months}
    state = json.loads(marker.read_text()) if marker.exists() else {}
    if {k: state.get(k) for k in wanted} != wanted or not raw.exists():
        shutil.rmtree(bench_dir, ignore_errors=True)
        bench_dir.mkdir(parents=True)
        gen = [sys.executable, "-m", "generator", "--customers", str(customers), "--quiet"]
        print(f"generating {months - 1} months for {customers} customers ...", flush=True)
        run([*gen, "--months", str(months - 1)], bench_dir)
        run([sys.executable, "-m", "warehouse", "load"], bench_dir)
        shutil.copy(db, raw)
        print("generating the last month (loaded before each timed run) ...", flush=True)
        run([*gen, "--months", "1", "--continue"], bench_dir)
        state = dict(wanted)
        marker.write_text(json.dumps(state))
    if state.get("project") != project_hash() or not before.exists():
        print("building the history before the last batch (untimed) ...", flush=True)
        restore(raw, db)
        dbt(bench_dir)
        shutil.copy(db, before)
        state["project"] = project_hash()
        marker.write_text(json.dumps(state))
    return db, before


def floors(bench_dir: Path, before: Path, db: Path, build: list[str], repeats: int) -> dict[str, list[float]]:
    """Wall seconds of the incremental build with no new batch, and of both builds with
    every input empty (`--empty`), `repeats` times each, interleaved."""
    empty_dir = bench_dir / "empty_inputs"
    empty_db = empty_dir / "warehouse" / "cs_ops.duckdb"
    restore(bench_dir / "raw_before.duckdb", empty_db)
    dbt(empty_dir, "--empty", "--full-refresh", *build)  # parses the project once (untimed)
    runs: dict[str, list[float]] = {"no_new_data": [], "empty_incremental": [], "empty_full": []}
    for _ in range(repeats):
        restore(before, db)
        runs["no_new_data"].append(dbt(bench_dir, *build)[0])
        runs["empty_full"].append(dbt(empty_dir, "--empty", "--full-refresh", *build)[0])
        runs["empty_incremental"].append(dbt(empty_dir, "--empty", *build)[0])
    shutil.rmtree(empty_dir)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=17000,
        help="initial customers (17000 over 10 months -> ~10.1M events, ~1.1M in the last batch)",
    )
    parser.add_argument(
        "--months", type=int, default=10, help="monthly batches in total (the last is the increment)"
    )
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each build (median reported)")
    parser.add_argument(
        "--unit-tests", action="store_true", help="run the dbt unit tests in both timed builds too"
    )
    args = parser.parse_args()
    build = [] if args.unit_tests else PRODUCTION_BUILD

    settings = get_settings()
    bench_dir = settings.data_dir / "bench_dbt"
    db, before = prepare(bench_dir, args.customers, args.months)
    incremental, full, incremental_cpu, full_cpu = [], [], [], []
    for _ in range(args.repeats):
        # the database as built up to the previous batch, then the new batch loaded (untimed)
        restore(before, db)
        run([sys.executable, "-m", "warehouse", "load"], bench_dir)
        wall, cpu = dbt(bench_dir, *build)
        incremental.append(wall)
        incremental_cpu.append(cpu)
        slowest_incremental = slowest_nodes(bench_dir)
        wall, cpu = dbt(bench_dir, "--full-refresh", *build)
        full.append(wall)
        full_cpu.append(cpu)
        slowest_full = slowest_nodes(bench_dir)
    events_total = count_events(db)
    events_before = count_events(before)
    floor_runs = floors(bench_dir, before, db, build, args.repeats)
    no_new_data, empty_inputs = floor_runs["no_new_data"], floor_runs["empty_incremental"]
    empty_full = floor_runs["empty_full"]
    peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    result = {
        "usage_events_total": events_total,
        "usage_events_in_new_batch": events_total - events_before,
        "full_build_seconds_median": round(statistics.median(full), 2),
        "incremental_build_seconds_median": round(statistics.median(incremental), 2),
        "full_build_seconds_runs": [round(x, 2) for x in full],
        "incremental_build_seconds_runs": [round(x, 2) for x in incremental],
        "incremental_over_full": round(statistics.median(incremental) / statistics.median(full), 3),
        "full_build_cpu_seconds_median": round(statistics.median(full_cpu), 2),
        "incremental_build_cpu_seconds_median": round(statistics.median(incremental_cpu), 2),
        "incremental_over_full_cpu": round(
            statistics.median(incremental_cpu) / statistics.median(full_cpu), 3
        ),
        "no_new_data_build_seconds_median": round(statistics.median(no_new_data), 2),
        "no_new_data_over_full": round(statistics.median(no_new_data) / statistics.median(full), 3),
        "empty_inputs_build_seconds_median": round(statistics.median(empty_inputs), 2),
        "empty_inputs_over_full": round(statistics.median(empty_inputs) / statistics.median(full), 3),
        "empty_inputs_full_refresh_seconds_median": round(statistics.median(empty_full), 2),
        # the part of each build that reads data: each build minus the same build on empty inputs
        "incremental_over_full_above_empty_inputs": round(
            (statistics.median(incremental) - statistics.median(empty_inputs))
            / (statistics.median(full) - statistics.median(empty_full)),
            3,
        ),
        "peak_rss_mib_of_largest_child": round(peak_rss_mib, 1),
        "slowest_nodes_seconds_last_run": {"full": slowest_full, "incremental": slowest_incremental},
        "targets": {
            "full_build_seconds": 30,
            "incremental_over_full_above_empty_inputs": 0.25,
            "incremental_over_full_at_50m_events": 0.15,
            "peak_memory_mib": 4096,
        },
        "machine": {"cpus": os.cpu_count()},
        "notes": (
            "dbt build = models + data tests"
            + (" + unit tests" if args.unit_tests else " (both builds exclude unit tests; CI runs them)")
            + "; DuckDB memory_limit/threads: profiles.yml"
        ),
        "unit_tests_in_timed_builds": args.unit_tests,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    result["meets_targets"] = {
        "full_build": result["full_build_seconds_median"] <= 30,
        "incremental_ratio_above_empty_inputs": result["incremental_over_full_above_empty_inputs"] <= 0.25,
        "memory": peak_rss_mib <= 4096,
    }
    reports = settings.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "bench_dbt.json").write_text(json.dumps(result, indent=2))
    print(f"{'measure':<38}{'value':>12}{'target':>10}")
    print(f"{'usage events (total / new batch)':<38}{events_total:>12,} {events_total - events_before:>,}")
    print(f"{'full dbt build, s (median)':<38}{result['full_build_seconds_median']:>12}{30:>10}")
    print(f"{'incremental dbt build, s (median)':<38}{result['incremental_build_seconds_median']:>12}")
    print(f"{'incremental / full':<38}{result['incremental_over_full']:>12}{'0.15@50M':>10}")
    cpu = f"{result['full_build_cpu_seconds_median']} / {result['incremental_build_cpu_seconds_median']}"
    print(f"{'CPU s full / incremental (median)':<38}{cpu:>12}")
    print(f"{'incremental / full (CPU)':<38}{result['incremental_over_full_cpu']:>12}")
    floor = f"{result['no_new_data_build_seconds_median']} / {result['empty_inputs_build_seconds_median']}"
    print(f"{'floors: no new data / empty inputs, s':<38}{floor:>12}")
    ratios = f"{result['no_new_data_over_full']} / {result['empty_inputs_over_full']}"
    print(f"{'floors / full':<38}{ratios:>12}")
    above = result["incremental_over_full_above_empty_inputs"]
    print(f"{'incremental / full, above empty inputs':<38}{above:>12}{0.25:>10}")
    print(f"{'load average (1 min) at the end':<38}{result['load_average_1m_at_end']:>12}")
    print(f"{'peak RSS of a child, MiB':<38}{round(peak_rss_mib):>12}{4096:>10}")
    print(f"written to {reports / 'bench_dbt.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
