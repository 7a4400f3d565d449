"""Warehouse load benchmark: `python -m warehouse.bench [--customers 2000 --months 16 --repeat 5]`.

Side by side in one run, on the same Parquet files (a history written by
`python -m generator` into a temporary dir; `--synthetic` writes random files with the
contract's schemas instead):

* baseline: a bare `create table t as select * from read_parquet([...every file of t...])`
  per table into a fresh, persisted DuckDB file, then `checkpoint` and close, with the
  same DuckDB settings as the load (threads, memory_limit = LOAD_MEMORY_LIMIT,
  preserve_insertion_order = false);
* warehouse: `DuckDBWarehouse.load_raw()` into a fresh data dir (schema check from the
  Parquet footers, sha256 of every file, lineage columns, ledger, all-or-nothing
  transactions of at most LOAD_GROUP_BYTES, a checkpoint after each). Its files are hard
  links under the load's own data dir, so `_source_file` holds what users get
  (`raw/<table>/<batch>.parquet`).

Each measurement runs in its own subprocess (so its peak RSS is its own); runs alternate
and the medians are compared. Peak RSS is also measured for loading the first half of
the history and all of it: bounded by batch (not history) means the two stay close.
One extra instrumented load reports where the warehouse's time goes. Results go to
`<data>/reports/bench_warehouse.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import warehouse.batches as batches_module
from warehouse import base
from warehouse.batches import sha256_of
from warehouse.config import get_settings, load_settings
from warehouse.contract import load_contract
from warehouse.duckdb_backend import LOAD_GROUP_BYTES, LOAD_MEMORY_LIMIT, DuckDBWarehouse

TARGET_RATIO = 0.8


def _column(kind: str, n: int, rng: np.random.Generator, prefix: str) -> pa.Array:
    if kind == "string":
        ids = rng.integers(0, 1_000_000, n)
        return pa.array(np.char.add(prefix, ids.astype(str)))
    if kind == "int64":
        return pa.array(rng.integers(-5, 5000, n), pa.int64())
    if kind == "float64":
        return pa.array(rng.random(n) * 1000)
    if kind == "timestamp":
        micros = 1_704_067_200_000_000 + rng.integers(0, 86_400_000_000 * 365, n)
        return pa.array(micros, pa.timestamp("us", tz="UTC"))
    if kind == "date":
        return pa.array(19_723 + rng.integers(0, 365, n), pa.int32()).cast(pa.date32())
    return pa.array(rng.random(n) < 0.5)


def write_dataset(raw_dir: Path, batches: int, events: int, seed: int = 7) -> int:
    """Write `batches` batches; eventos_uso has `events` rows per batch, the others fewer."""

    contract = load_contract()
    rng = np.random.default_rng(seed)
    sizes = {"eventos_uso": events, "usuarios": events // 20, "faturas": events // 100}
    total = 0
    for index in range(1, batches + 1):
        bid = f"b{index:04d}_bench"
        entries = {}
        for table in contract.tables.values():
            n = sizes.get(table.name, max(events // 400, 10))
            arrays = [_column(c.type, n, rng, f"{c.name[:3]}-") for c in table.columns]
            frame = pa.Table.from_arrays(arrays, schema=table.arrow_schema())
            path = raw_dir / table.name / f"{bid}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(frame, path)
            entries[table.name] = {
                "file": f"{table.name}/{bid}.parquet",
                "rows": n,
                "sha256": sha256_of(path),
            }
            total += n
        (raw_dir / "_batches").mkdir(parents=True, exist_ok=True)
        meta = {"batch_id": bid, "period_start": None, "period_end": None, "tables": entries}
        (raw_dir / "_batches" / f"{bid}.json").write_text(json.dumps(meta))
    return total


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def _threads() -> int:
    return int(duckdb.connect().execute("select current_setting('threads')").fetchone()[0])


def run_baseline(raw_dir: Path, db_path: Path, batches: int | None = None) -> dict:
    """Bare CTAS per table with the load's DuckDB settings, checkpointed, into a persisted file."""
    tables = sorted(load_contract().tables)
    metas = sorted((raw_dir / "_batches").glob("*.json"))[:batches]
    cpu, started = _cpu(), time.perf_counter()
    con = duckdb.connect(
        str(db_path),
        config={
            "threads": _threads(),
            "memory_limit": LOAD_MEMORY_LIMIT,
            "preserve_insertion_order": False,
        },
    )
    rows = 0
    for table in tables:
        files = [str(raw_dir / table / f"{meta.stem}.parquet") for meta in metas]
        con.execute(f"create table {table} as select * from read_parquet($files)", {"files": files})
        rows += con.execute(f"select count(*) from {table}").fetchone()[0]
    con.execute("checkpoint")
    con.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": _cpu() - cpu, "rows": rows, "peak_mib": _peak_mib()}


def _link_history(raw_dir: Path, data_dir: Path, batches: int | None) -> None:
    """Put the first `batches` batches under <data_dir>/raw, as the generator would.

    The Parquet files are hard links (copies across file systems), not symlinked dirs: a
    symlink resolves outside the data dir, which made `_source_file` an absolute temp
    path instead of the `raw/<table>/<batch>.parquet` users get.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    metas = sorted((raw_dir / "_batches").glob("*.json"))[:batches]
    (data_dir / "raw" / "_batches").mkdir(parents=True)
    for meta in metas:
        shutil.copy(meta, data_dir / "raw" / "_batches" / meta.name)
        for source in raw_dir.glob(f"*/{meta.stem}.parquet"):
            if source.parent.name.startswith("_"):
                continue
            target = data_dir / "raw" / source.parent.name / source.name
            target.parent.mkdir(exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copy(source, target)


def run_load(raw_dir: Path, data_dir: Path, batches: int | None) -> dict:
    _link_history(raw_dir, data_dir, batches)
    settings = load_settings({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir)})
    cpu, started = _cpu(), time.perf_counter()
    results = DuckDBWarehouse(settings).load_raw()
    seconds = time.perf_counter() - started
    rows = sum(r.rows for r in results)
    return {"seconds": seconds, "cpu_seconds": _cpu() - cpu, "rows": rows, "peak_mib": _peak_mib()}


def run_profile(raw_dir: Path, data_dir: Path) -> dict:
    """One load with a timer around each step (what a batch load spends its time on)."""
    _link_history(raw_dir, data_dir, None)
    spent: dict[str, float] = {}

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    settings = load_settings({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir)})
    wh = DuckDBWarehouse(settings)
    base.check_batch = timed("validate (footer schema + sha256)", base.check_batch)  # summed over threads
    base.sha256_of = timed("  of which sha256", base.sha256_of)
    batches_module.sha256_of = base.sha256_of
    wh.ensure_datasets = timed("ensure_datasets", wh.ensure_datasets)
    wh._ledger = timed("ledger lookup", wh._ledger)
    wh._load_together = timed("insert with lineage + ledger rows + commit", wh._load_together)
    wh._load_batch = timed("per-batch transactions", wh._load_batch)
    wh._load_group = timed("load groups incl. checkpoint", wh._load_group)
    started = time.perf_counter()
    wh.load_raw()
    spent["total"] = time.perf_counter() - started
    grouped = spent.get("load groups incl. checkpoint", 0.0)
    spent["checkpoint"] = grouped - spent.get("insert with lineage + ledger rows + commit", 0.0)
    spent["checkpoint"] -= spent.get("per-batch transactions", 0.0)
    order = [
        "ensure_datasets",
        "ledger lookup",
        "validate (footer schema + sha256)",
        "  of which sha256",
        "insert with lineage + ledger rows + commit",
        "per-batch transactions",
        "checkpoint",
        "total",
    ]
    return {name: round(spent[name], 3) for name in order if name in spent}


def generate_history(out: Path, customers: int, months: int) -> Path:
    """A real history from the generator (its CLI) in `out`; returns its raw dir."""
    command = [sys.executable, "-m", "generator", "--customers", str(customers), "--months", str(months)]
    command += ["--seed", "7", "--data-dir", str(out), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"generator failed:\n{done.stderr[-3000:]}")
    return out / "raw"


def _measure(kind: str, raw_dir: Path, work: Path, batches: int | None = None) -> dict:
    """One measurement in a fresh subprocess."""
    out = work / f"{kind}-{time.monotonic_ns()}"
    command = [sys.executable, "-m", "warehouse.bench", "--one", kind, str(raw_dir), str(out)]
    if batches:
        command += ["--batches", str(batches)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench {kind} failed:\n{done.stderr[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    out.with_suffix(".duckdb").unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.bench", description=__doc__)
    parser.add_argument("--customers", type=int, default=2000, help="generator customers")
    parser.add_argument("--months", type=int, default=16, help="generator months (= batches)")
    parser.add_argument("--synthetic", action="store_true", help="random files instead of the generator")
    parser.add_argument("--batches", type=int, default=8, help="with --synthetic: batches")
    parser.add_argument("--events", type=int, default=150_000, help="with --synthetic: events per batch")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", nargs=3, metavar=("KIND", "RAW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # a single measurement (subprocess)
        kind, raw, out = args.one
        partial = args.batches if kind.endswith("partial") else None
        if kind.startswith("baseline"):
            result = run_baseline(Path(raw), Path(out).with_suffix(".duckdb"), partial)
        elif kind == "profile":
            result = run_profile(Path(raw), Path(out))
        else:
            result = run_load(Path(raw), Path(out), partial)
        print(json.dumps(result))
        return 0

    settings = get_settings()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cs_ops_bench_") as tmp:
        work = Path(tmp)
        if args.synthetic:
            raw_dir = work / "raw"
            write_dataset(raw_dir, args.batches, args.events)
            source = f"synthetic ({args.batches} batches, {args.events} eventos_uso rows each)"
        else:
            raw_dir = generate_history(work / "gen", args.customers, args.months)
            source = f"python -m generator --customers {args.customers} --months {args.months} --seed 7"
        batches = len(list((raw_dir / "_batches").glob("*.json")))
        half_batches = max(batches // 2, 1)
        size = sum(p.stat().st_size for p in raw_dir.rglob("*.parquet") if p.parent.name != "_state")
        runs: dict[str, list[dict]] = {"baseline": [], "warehouse": []}
        for _ in range(args.repeat):  # alternate, so drift hits both sides alike
            runs["baseline"].append(_measure("baseline", raw_dir, work))
            runs["warehouse"].append(_measure("load", raw_dir, work))
        half = [_measure("partial", raw_dir, work, batches=half_batches)]
        half_baseline = _measure("baseline-partial", raw_dir, work, batches=half_batches)
        profile = _measure("profile", raw_dir, work)
    total = runs["baseline"][0]["rows"]
    for kind, items in runs.items():
        assert all(item["rows"] == total for item in items), f"{kind} loaded a different row count"
    median = {kind: statistics.median(item["seconds"] for item in items) for kind, items in runs.items()}
    cpu = {kind: statistics.median(item["cpu_seconds"] for item in items) for kind, items in runs.items()}
    rate = {kind: total / seconds for kind, seconds in median.items()}
    ratio = rate["warehouse"] / rate["baseline"]
    paired = [b["seconds"] / w["seconds"] for b, w in zip(runs["baseline"], runs["warehouse"], strict=True)]
    peak_full = statistics.median(item["peak_mib"] for item in runs["warehouse"])
    peak_half = statistics.median(item["peak_mib"] for item in half)
    report = {
        "source": source,
        "rows": total,
        "parquet_mib": round(size / 2**20, 1),
        "batches": batches,
        "repeat": args.repeat,
        "duckdb_settings_both_sides": {
            "threads": _threads(),
            "memory_limit": LOAD_MEMORY_LIMIT,
            "preserve_insertion_order": False,
            "persisted_file_and_final_checkpoint": True,
        },
        "load_group_bytes": LOAD_GROUP_BYTES,
        "median_seconds": {k: round(v, 3) for k, v in median.items()},
        "median_cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
        "rows_per_second": {k: round(v) for k, v in rate.items()},
        "load_rate_ratio": round(ratio, 3),
        "paired_ratios": [round(r, 3) for r in paired],
        "cpu_ratio_baseline_over_warehouse": round(cpu["baseline"] / cpu["warehouse"], 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        "peak_rss_mib": {
            "baseline_all_batches": round(statistics.median(i["peak_mib"] for i in runs["baseline"]), 1),
            f"baseline_first_{half_batches}_batches": round(half_baseline["peak_mib"], 1),
            "warehouse_all_batches": round(peak_full, 1),
            f"warehouse_first_{half_batches}_batches": round(peak_half, 1),
            "warehouse_all_over_half": round(peak_full / peak_half, 3),
        },
        "warehouse_profile_seconds": profile,
        "runs": runs | {"warehouse_half": half, "baseline_half": [half_baseline]},
    }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    out = settings.reports_dir / "bench_warehouse.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"{total:,} rows in {batches} batches ({report['parquet_mib']} MiB Parquet) from {source}")
    print(f"medians of {args.repeat}; DuckDB settings on both sides: {report['duckdb_settings_both_sides']}")
    print(f"{'':<26}{'seconds':>9}{'cpu s':>8}{'rows/s':>12}{'peak MiB':>10}")
    peaks = {"baseline": report["peak_rss_mib"]["baseline_all_batches"], "warehouse": peak_full}
    for kind, label in (("baseline", "bare CTAS read_parquet"), ("warehouse", "warehouse load_raw")):
        print(f"{label:<26}{median[kind]:>9.2f}{cpu[kind]:>8.2f}{rate[kind]:>12,.0f}{peaks[kind]:>10.0f}")
    print(
        f"load rate ratio {ratio:.2f} (target >= {TARGET_RATIO}) -> "
        f"{'OK' if ratio >= TARGET_RATIO else 'MISSED'}; paired {report['paired_ratios']}"
    )
    print(
        f"peak RSS: first {half_batches} batches {peak_half:.0f} MiB vs all {batches} {peak_full:.0f} MiB "
        f"(x{peak_full / peak_half:.2f}; baseline {half_baseline['peak_mib']:.0f} vs "
        f"{peaks['baseline']:.0f} MiB)"
    )
    print("where the load's time goes (one instrumented run, seconds):")
    for name, value in profile.items():
        print(f"  {name:<46}{value:>8.2f}")
    print(f"load average before {report['load_average_before']}, at end {report['load_average_at_end']}")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
