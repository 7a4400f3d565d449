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

The commands users run, end to end, in child processes (wall and CPU seconds, peak RSS):

    python -m ml.bench commands --data-dirs DIR[,DIR...] [--score-customers 100000]

times `python -m ml train` (fit, choice, calibration, baselines, backtest, bootstrap, card, plots)
on each built data dir's snapshot mart, and `python -m ml score` on `--score-customers` customers
(the mart's newest rows resampled with new ids into a Parquet file: drivers included). Targets:
train <= 10 s at ~155k snapshot rows and <= 30 s at ~780k; score <= 5 s for 100k customers.

    python -m ml.bench seeds --data-dirs DIR[,DIR...]

runs `python -m ml evaluate` on generator data built with seeds never used in development and
reports each seed's and the mean ROC AUC and top-decile lift ratios to the oracle (goals 0.95x and
0.9x on the mean). Both write to <data dir>/reports/ (bench_ml_commands.json, bench_ml_seeds.json).
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


COMMAND_TARGETS = {"train_seconds_155k": 10.0, "train_seconds_780k": 30.0, "score_seconds_100k": 5.0}
SEED_GOALS = {"auc_vs_oracle": 0.95, "lift_vs_oracle": 0.9}


def _timed(args: list[str], data_dir: Path, threads: int) -> dict:
    """One command in a child process: wall and CPU seconds, peak RSS, its output."""
    import resource
    import time

    env = {**os.environ, "CS_OPS_DATA_DIR": str(data_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ml", *args, "--threads", str(threads)],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"`python -m ml {' '.join(args)}` failed:\n{done.stderr[-3000:]}")
    return {
        "command": "python -m ml " + " ".join(args),
        "seconds": round(wall, 2),
        "cpu_seconds": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 2),
        "peak_rss_gib": round(after.ru_maxrss / 1024**2, 3),
        "output": done.stdout[-2000:],
    }


def _score_file(data_dir: Path, customers: int, path: Path) -> int:
    """The mart's newest snapshot rows, resampled to `customers` rows with new ids, as Parquet."""
    import pandas as pd

    os.environ["CS_OPS_DATA_DIR"] = str(data_dir)
    from ml.data import read_table
    from ml.spec import load_spec

    spec = load_spec()
    frame, _ = read_table(
        spec.table,
        spec,
        require_label=False,
        where=f"where {spec.time_column} = (select max({spec.time_column}) from {{analytics}}.{spec.table})",
    )
    rows = frame.sample(n=customers, replace=len(frame) < customers, random_state=0).reset_index(drop=True)
    rows[spec.id_column] = [f"B{i}" for i in range(len(rows))]
    pd.DataFrame(rows).to_parquet(path)
    return len(rows)


def commands(data_dirs: list[Path], repeats: int, threads: int, score_customers: int) -> dict:
    import json as _json

    out: dict = {"runs": []}
    with tempfile.TemporaryDirectory(prefix="ml-bench-") as tmp:
        for data_dir in data_dirs:
            model_dir = Path(tmp) / data_dir.name
            train = [_timed(["train", "--out", str(model_dir)], data_dir, threads) for _ in range(repeats)]
            evaluation = _json.loads((model_dir / "evaluation.json").read_text(encoding="utf-8"))
            rows = sum(v for k, v in evaluation["split_rows"].items() if k != "excluded_label_incomplete")
            rows += evaluation["split_rows"].get("excluded_label_incomplete", 0)
            score_path = Path(tmp) / f"{data_dir.name}-score.parquet"
            n = _score_file(data_dir, score_customers, score_path)
            score_args = [
                "score",
                "--model",
                str(model_dir / "churn_model.skops"),
                "--table",
                str(score_path),
                "--out",
                str(Path(tmp) / "scores.csv"),
            ]
            score = [_timed(score_args, data_dir, threads) for _ in range(repeats)]
            out["runs"].append(
                {
                    "data_dir": str(data_dir),
                    "snapshot_rows": int(rows),
                    "train_seconds_median": statistics.median(r["seconds"] for r in train),
                    "train_cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in train),
                    "score_customers": n,
                    "score_seconds_median": statistics.median(r["seconds"] for r in score),
                    "score_cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in score),
                    "train": train,
                    "score": score,
                }
            )
    return out


def seeds(data_dirs: list[Path], threads: int) -> dict:
    import json as _json

    runs = []
    with tempfile.TemporaryDirectory(prefix="ml-seeds-") as tmp:
        for data_dir in data_dirs:
            out = Path(tmp) / data_dir.name
            timing = _timed(["evaluate", "--out", str(out)], data_dir, threads)
            ev = _json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
            t = ev["targets"]
            runs.append(
                {
                    "data_dir": str(data_dir),
                    "validation_rows": ev["split_rows"]["validation"],
                    "churners": ev["model"]["positives"],
                    "chosen": ev.get("model_choice", {}).get("candidate"),
                    "calibration": ev.get("model_choice", {}).get("calibration"),
                    "model_auc": ev["model"]["roc_auc"],
                    "oracle_auc": (ev.get("oracle") or {}).get("roc_auc"),
                    "logistic_auc": (ev.get("logistic_regression") or {}).get("roc_auc"),
                    "auc_ratio": t.get("auc_ratio_vs_oracle"),
                    "lift_ratio": t.get("lift_ratio_vs_oracle"),
                    "lift_ratio_ci95": t.get("lift_ratio_vs_oracle_ci95"),
                    "point_in_time_lift_ratio": t.get("point_in_time_lift_ratio_vs_oracle"),
                    "ece": t.get("ece"),
                    "seconds": timing["seconds"],
                }
            )
    mean = {
        k: statistics.mean(r[k] for r in runs)
        for k in ("auc_ratio", "lift_ratio", "ece")
        if all(r[k] is not None for r in runs)
    }
    return {
        "goals": SEED_GOALS,
        "runs": runs,
        "mean": mean,
        "auc_ok": mean.get("auc_ratio", 0) >= SEED_GOALS["auc_vs_oracle"],
        "lift_ok": mean.get("lift_ratio", 0) >= SEED_GOALS["lift_vs_oracle"],
    }


def _write(name: str, report: dict) -> Path:
    from warehouse.config import get_settings

    out = get_settings().reports_dir / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return out


def main_commands(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.bench")
    parser.add_argument("mode", choices=["commands", "seeds"])
    parser.add_argument("--data-dirs", required=True, help="built data dirs (generator + load + dbt build)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--score-customers", type=int, default=100_000)
    args = parser.parse_args(argv)
    dirs = [Path(d) for d in args.data_dirs.split(",") if d]
    load_before = os.getloadavg()
    if args.mode == "commands":
        report = commands(dirs, args.repeats, args.threads, args.score_customers)
        report["targets"] = COMMAND_TARGETS
        for run in report["runs"]:
            print(
                f"{run['data_dir']}: {run['snapshot_rows']} snapshot rows: "
                f"ml train {run['train_seconds_median']:.1f} s "
                f"(cpu {run['train_cpu_seconds_median']:.1f}); ml score {run['score_customers']} customers "
                f"{run['score_seconds_median']:.1f} s (cpu {run['score_cpu_seconds_median']:.1f})"
            )
    else:
        report = seeds(dirs, args.threads)
        for run in report["runs"]:
            print(
                f"{run['data_dir']}: AUC ratio {run['auc_ratio']:.3f}, lift ratio {run['lift_ratio']:.3f} "
                f"{run['lift_ratio_ci95']}, ECE {run['ece']:.4f}, chosen {run['chosen']}+{run['calibration']}"
            )
        print(f"mean: {report['mean']} (goals {SEED_GOALS})")
    report["load_average"] = {"before": load_before, "after": os.getloadavg()}
    report["cpu_count"] = os.cpu_count()
    path = _write(f"bench_ml_{args.mode}.json", report)
    print(f"load average before {load_before}, after {os.getloadavg()}; written to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("commands", "seeds"):
        return main_commands(argv)
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
