"""Warehouse load benchmark: `python -m warehouse.bench [--batches 8 --events 150000 --repeat 5]`.

Side by side in one run, on the same Parquet files (written here with the contract's
schemas, so the bench does not depend on the generator):

* baseline: a bare `create table t as select * from read_parquet([...every file of t...])`
  per table in a fresh DuckDB file;
* warehouse: `DuckDBWarehouse.load_raw()` into a fresh data dir (validation, checksums,
  one transaction per batch, lineage columns, ledger).

Each measurement runs in its own subprocess (so its peak RSS is its own); runs alternate
and the medians are compared. Peak memory is also measured for loading half of the
history and all of it: bounded by batch means the two stay close. Results go to
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

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.config import get_settings, load_settings
from warehouse.contract import load_contract
from warehouse.duckdb_backend import LOAD_MEMORY_LIMIT

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
    from warehouse.batches import sha256_of

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


def run_baseline(raw_dir: Path, db_path: Path) -> dict:
    import duckdb

    tables = sorted(load_contract().tables)
    cpu, started = _cpu(), time.perf_counter()
    con = duckdb.connect(str(db_path))
    rows = 0
    for table in tables:
        files = sorted(str(p) for p in (raw_dir / table).glob("*.parquet"))
        con.execute(f"create table {table} as select * from read_parquet($files)", {"files": files})
        rows += con.execute(f"select count(*) from {table}").fetchone()[0]
    con.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": _cpu() - cpu, "rows": rows, "peak_mib": _peak_mib()}


def run_load(raw_dir: Path, data_dir: Path, batches: int | None) -> dict:
    from warehouse.duckdb_backend import DuckDBWarehouse

    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "raw").mkdir(exist_ok=True)
    metas = sorted((raw_dir / "_batches").glob("*.json"))[:batches]
    for name in [p.name for p in raw_dir.iterdir() if p.is_dir() and p.name != "_batches"]:
        os.symlink(raw_dir / name, data_dir / "raw" / name)
    (data_dir / "raw" / "_batches").mkdir()
    for meta in metas:
        shutil.copy(meta, data_dir / "raw" / "_batches" / meta.name)
    settings = load_settings({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir)})
    cpu, started = _cpu(), time.perf_counter()
    results = DuckDBWarehouse(settings).load_raw()
    seconds = time.perf_counter() - started
    rows = sum(r.rows for r in results)
    return {"seconds": seconds, "cpu_seconds": _cpu() - cpu, "rows": rows, "peak_mib": _peak_mib()}


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
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--events", type=int, default=150_000, help="eventos_uso rows per batch")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", nargs=3, metavar=("KIND", "RAW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # a single measurement (subprocess)
        kind, raw, out = args.one
        if kind == "baseline":
            result = run_baseline(Path(raw), Path(out).with_suffix(".duckdb"))
        else:
            result = run_load(Path(raw), Path(out), args.batches if kind == "partial" else None)
        print(json.dumps(result))
        return 0

    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="cs_ops_bench_") as tmp:
        work = Path(tmp)
        raw_dir = work / "raw"
        total = write_dataset(raw_dir, args.batches, args.events)
        size = sum(p.stat().st_size for p in raw_dir.rglob("*.parquet"))
        runs: dict[str, list[dict]] = {"baseline": [], "warehouse": []}
        for _ in range(args.repeat):  # alternate, so drift hits both sides alike
            runs["baseline"].append(_measure("baseline", raw_dir, work))
            runs["warehouse"].append(_measure("load", raw_dir, work))
        half = _measure("partial", raw_dir, work, batches=max(args.batches // 2, 1))
    for kind, items in runs.items():
        assert all(item["rows"] == total for item in items), f"{kind} loaded a different row count"
    median = {kind: statistics.median(item["seconds"] for item in items) for kind, items in runs.items()}
    cpu = {kind: statistics.median(item["cpu_seconds"] for item in items) for kind, items in runs.items()}
    rate = {kind: total / seconds for kind, seconds in median.items()}
    ratio = rate["warehouse"] / rate["baseline"]
    peak_full = statistics.median(item["peak_mib"] for item in runs["warehouse"])
    report = {
        "rows": total,
        "parquet_mib": round(size / 2**20, 1),
        "batches": args.batches,
        "repeat": args.repeat,
        "median_seconds": {k: round(v, 3) for k, v in median.items()},
        "median_cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
        "rows_per_second": {k: round(v) for k, v in rate.items()},
        "cpu_ratio_baseline_over_warehouse": round(cpu["baseline"] / cpu["warehouse"], 3),
        "load_average_at_end": os.getloadavg()[0],
        "load_rate_ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "load_memory_limit": LOAD_MEMORY_LIMIT,
        "peak_rss_mib": {
            "baseline": round(statistics.median(item["peak_mib"] for item in runs["baseline"]), 1),
            "warehouse_all_batches": round(peak_full, 1),
            f"warehouse_first_{max(args.batches // 2, 1)}_batches": round(half["peak_mib"], 1),
        },
        "runs": runs,
    }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    out = settings.reports_dir / "bench_warehouse.json"
    out.write_text(json.dumps(report, indent=2))
    print(
        f"{total:,} rows in {args.batches} batches ({report['parquet_mib']} MiB Parquet), "
        f"medians of {args.repeat}"
    )
    print(f"{'':<26}{'seconds':>9}{'cpu s':>8}{'rows/s':>12}{'peak MiB':>10}")
    for kind, label in (("baseline", "bare CTAS read_parquet"), ("warehouse", "warehouse load_raw")):
        peak = report["peak_rss_mib"]["baseline"] if kind == "baseline" else peak_full
        print(f"{label:<26}{median[kind]:>9.2f}{cpu[kind]:>8.2f}{rate[kind]:>12,.0f}{peak:>10.0f}")
    print(
        f"load rate ratio {ratio:.2f} (target >= {TARGET_RATIO}) -> "
        f"{'OK' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    print(
        f"peak memory: half the history {half['peak_mib']:.0f} MiB vs all of it {peak_full:.0f} MiB "
        f"(DuckDB buffer pool capped at {LOAD_MEMORY_LIMIT} during loads; one checkpoint per batch)"
    )
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
