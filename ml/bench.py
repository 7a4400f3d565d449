"""python -m ml.bench: speed and memory of the churn model on 1M synthetic snapshot rows.

Measured in fresh child processes (so peak RSS is the model's own), medians of repeats, wall
and CPU seconds side by side (on a shared machine the CPU seconds are the steadier figure):

1. train: the production recipe (Pipeline fit on the fit window + calibration on the
   newest training months) on ~1M snapshot rows; target <= 15 s;
2. score: probability + risk tier for 1M customers with the saved model; target <= 5 s;
3. score with drivers: the same plus per-customer what-if drivers (exact, tree by tree: only
   the trees that split on a feature's columns are re-run), on `--driver-rows` rows and
   extrapolated to 1M (no separate target in the issue; it is what `ml score` does);
4. peak RSS of each child; target <= 4 GiB.

Writes <data dir>/reports/bench_ml.json and prints a short table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGETS = {"train_seconds": 15.0, "score_seconds": 5.0, "peak_rss_gib": 4.0}

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from threadpoolctl import threadpool_limits
import pandas as pd
from ml.spec import load_spec, prepare_frame
from ml.model import time_split, fit_models
from ml.explain import reference_values
from ml.model_store import save_model, load_model, predict_with_drivers

task, data, out, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = load_spec()
frame = pd.read_parquet(data)
result = {"rows": len(frame)}
with threadpool_limits(limits=threads, user_api="openmp"):
    if task == "train":
        t0, c0 = time.perf_counter(), time.process_time()
        frame = prepare_frame(frame, spec, data)
        split = time_split(frame, spec, validation_periods=0)
        models = fit_models(frame, spec, split, with_logistic=False)
        result["seconds"] = time.perf_counter() - t0
        result["cpu_seconds"] = time.process_time() - c0
        result["fit_rows"] = int(split.fit.sum())
        result["calibration_rows"] = int(split.calibration.sum())
        save_model(models.calibrated, spec, reference_values(frame[split.fit], spec), {}, Path(out))
    else:
        model = load_model(out)
        t0, c0 = time.perf_counter(), time.process_time()
        if task == "score":
            work = prepare_frame(frame, spec, data, require_label=False)
            p = pd.Series(model.predict_proba(work), index=work.index)
            tiers = spec.risk_tier(p)
        else:
            scored = predict_with_drivers(model, frame)
        result["seconds"] = time.perf_counter() - t0
        result["cpu_seconds"] = time.process_time() - c0
result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps(result))
"""


def _child(task: str, data: Path, model: Path, threads: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, task, str(data), str(model), str(threads)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child {task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    return {
        "rows": runs[0]["rows"],
        "seconds_median": round(statistics.median(r["seconds"] for r in runs), 3),
        "seconds_runs": [round(r["seconds"], 3) for r in runs],
        "cpu_seconds_median": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
        "peak_rss_gib": round(max(r["peak_rss_gib"] for r in runs), 3),
        **{k: runs[0][k] for k in ("fit_rows", "calibration_rows") if k in runs[0]},
    }


def run(rows: int, repeats: int, threads: list[int], driver_rows: int) -> dict:
    import numpy as np

    from ml.synthetic import make_snapshots

    months = 24
    customers = int(np.ceil(rows / (months * 0.6)))  # ~60-70% of customer-months are active
    snaps, _ = make_snapshots(customers=customers, months=months, seed=0)
    snaps = snaps.head(rows)
    latest = snaps.sort_values("snapshot_date").groupby("customer_id").tail(1)
    score_frame = latest.sample(n=rows, replace=True, random_state=0).reset_index(drop=True)
    score_frame["customer_id"] = [f"C{i}" for i in range(len(score_frame))]
    results: dict = {"train_rows": int(len(snaps)), "score_rows": int(len(score_frame)), "by_threads": {}}
    with tempfile.TemporaryDirectory(prefix="ml-bench-") as tmp:
        train_file = Path(tmp) / "snapshots.parquet"
        score_file = Path(tmp) / "score.parquet"
        drivers_file = Path(tmp) / "drivers.parquet"
        snaps.to_parquet(train_file)
        score_frame.to_parquet(score_file)
        score_frame.head(driver_rows).to_parquet(drivers_file)
        for n in threads:
            model = Path(tmp) / f"model_{n}.skops"
            entry = {
                "train": _median([_child("train", train_file, model, n) for _ in range(repeats)]),
                "score": _median([_child("score", score_file, model, n) for _ in range(repeats)]),
                "score_with_drivers": _median(
                    [_child("drivers", drivers_file, model, n) for _ in range(repeats)]
                ),
            }
            d = entry["score_with_drivers"]
            d["seconds_per_1m_rows_extrapolated"] = round(d["seconds_median"] * 1_000_000 / d["rows"], 2)
            d["cpu_seconds_per_1m_rows_extrapolated"] = round(
                d["cpu_seconds_median"] * 1_000_000 / d["rows"], 2
            )
            results["by_threads"][str(n)] = entry
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", default="1,2", help="OpenMP thread counts to compare, e.g. 1,2")
    parser.add_argument("--driver-rows", type=int, default=100_000, help="rows for the with-drivers run")
    args = parser.parse_args(argv)
    from warehouse.config import get_settings

    threads = [int(t) for t in args.threads.split(",") if t]
    load_before = os.getloadavg()[0]
    results = run(args.rows, args.repeats, threads, args.driver_rows)
    results["load_average_1min"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    checks = {}
    for n, entry in results["by_threads"].items():
        checks[n] = {
            "train_ok": entry["train"]["seconds_median"] <= TARGETS["train_seconds"],
            "score_ok": entry["score"]["seconds_median"] <= TARGETS["score_seconds"],
            "memory_ok": max(e["peak_rss_gib"] for e in entry.values()) <= TARGETS["peak_rss_gib"],
        }
    report = {"targets": TARGETS, **results, "checks": checks, "cpu_count": os.cpu_count()}
    out = get_settings().reports_dir / "bench_ml.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{'threads':<8}{'measure':<22}{'rows':>10}{'median s':>10}{'cpu s':>8}{'peak GiB':>10}  target")
    for n, entry in results["by_threads"].items():
        for name, r in entry.items():
            target = {"train": "<= 15 s", "score": "<= 5 s"}.get(name, "(no target)")
            cells = f"{r['rows']:>10}{r['seconds_median']:>10.2f}{r['cpu_seconds_median']:>8.2f}"
            cells += f"{r['peak_rss_gib']:>10.2f}"
            print(f"{n:<8}{name:<22}{cells}  {target}")
    print(f"checks: {checks}\nwritten to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
