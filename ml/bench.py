"""python -m ml.bench: the churn model's commands as users run them, and its quality on unseen seeds.

    python -m ml.bench [--data-dirs DIR[,DIR...]] [--repeats 3] [--score-customers 100000]

times `python -m ml train` (fit, candidate choice, calibration, baselines, backtest, bootstrap,
card, plots) on each built data dir's snapshot mart (default: the configured data dir, built by
`just dev`), and `python -m ml score` (drivers included) on `--score-customers` customers: the
mart's newest rows resampled with new ids into a Parquet file. Each command runs in a child process
exactly as a user types it (the thread count is the command's own choice unless `--threads`);
medians of the repeats, wall and CPU seconds side by side (on a shared machine the CPU seconds are
the steadier figure), peak RSS, the table's snapshot rows and the load average around every run.
Targets: train <= 10 s at ~155k snapshot rows and <= 30 s at ~780k; score <= 5 s for 100k
customers. Writes <data dir>/reports/bench_ml.json.

    python -m ml.bench seeds --data-dirs DIR[,DIR...]

runs `python -m ml evaluate` on generator data built with seeds never used in development and
reports each seed's and the mean ROC AUC and top-decile lift ratios to the oracle (goals 0.95x and
0.9x on the mean); writes <data dir>/reports/bench_ml_seeds.json.
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

TRAIN_TARGETS = ((155_000, 10.0), (780_000, 30.0))  # (snapshot rows, seconds) from issue 21
SCORE_TARGET = {"customers": 100_000, "seconds": 5.0}
SEED_GOALS = {"auc_vs_oracle": 0.95, "lift_vs_oracle": 0.9}
# a child that writes the score input: it reads the mart of its own CS_OPS_DATA_DIR, so the
# bench process keeps its own settings
_SCORE_FILE_CHILD = (
    "import sys; from ml.bench import write_score_file; write_score_file(int(sys.argv[1]), sys.argv[2])"
)


class CommandFailed(RuntimeError):
    """A timed command failed; the message names it and ends with its own error line."""


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _timed(args: list[str], data_dir: Path, threads: int | None) -> dict:
    """`python -m ml <args>` in a child process: wall and CPU seconds, peak RSS, load, output."""
    import resource
    import time

    env = {**os.environ, "CS_OPS_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "ml", *args, *(["--threads", str(threads)] if threads else [])]
    load_before = _load()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CommandFailed(f"`python -m ml {' '.join(args)}` on {data_dir} failed: {last}")
    return {
        "command": " ".join(["python -m ml", *command[3:]]),
        "seconds": round(wall, 2),
        "cpu_seconds": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 2),
        "peak_rss_gib": round(after.ru_maxrss / 1024**2, 3),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "output": done.stdout[-2000:],
    }


def write_score_file(customers: int, path: str) -> int:
    """The configured mart's newest snapshot rows, resampled to `customers` rows with new ids."""
    from ml.data import read_table
    from ml.spec import load_spec

    spec = load_spec()
    newest = f"where {spec.time_column} = (select max({spec.time_column}) from {{analytics}}.{spec.table})"
    frame, _ = read_table(spec.table, spec, require_label=False, where=newest)
    rows = frame.sample(n=customers, replace=len(frame) < customers, random_state=0).reset_index(drop=True)
    rows[spec.id_column] = [f"B{i}" for i in range(len(rows))]
    rows.to_parquet(path)
    return len(rows)


def _score_file(data_dir: Path, customers: int, path: Path) -> None:
    env = {**os.environ, "CS_OPS_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", _SCORE_FILE_CHILD, str(customers), str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CommandFailed(f"could not build the score input from {data_dir}: {last}")


def train_target(rows: int) -> float | None:
    """The issue's target for a table of `rows` snapshot rows (the nearest size, within 25%)."""
    for size, seconds in TRAIN_TARGETS:
        if 0.75 * size <= rows <= 1.25 * size:
            return seconds
    return None


def _median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def commands(data_dirs: list[Path], args: argparse.Namespace) -> dict:
    repeats, threads, score_customers = args.repeats, args.threads, args.score_customers
    out: dict = {"runs": []}
    with tempfile.TemporaryDirectory(prefix="ml-bench-") as tmp:
        for data_dir in data_dirs:
            model_dir = Path(tmp) / data_dir.name
            train = [_timed(["train", "--out", str(model_dir)], data_dir, threads) for _ in range(repeats)]
            evaluation = json.loads((model_dir / "evaluation.json").read_text(encoding="utf-8"))
            rows = int(evaluation["rows"])
            score_path = Path(tmp) / f"{data_dir.name}-score.parquet"
            _score_file(data_dir, score_customers, score_path)
            score_args = [
                *("score", "--model", str(model_dir / "churn_model.skops")),
                *("--table", str(score_path), "--out", str(Path(tmp) / "scores.csv")),
            ]
            score = [_timed(score_args, data_dir, threads) for _ in range(repeats)]
            target = train_target(rows)
            out["runs"].append(
                {
                    "data_dir": str(data_dir),
                    "snapshot_rows": rows,
                    "train_seconds_median": _median(train, "seconds"),
                    "train_cpu_seconds_median": _median(train, "cpu_seconds"),
                    "train_target_seconds": target,
                    "train_ok": None if target is None else _median(train, "seconds") <= target,
                    "score_customers": score_customers,
                    "score_seconds_median": _median(score, "seconds"),
                    "score_cpu_seconds_median": _median(score, "cpu_seconds"),
                    "score_ok": _median(score, "seconds") <= SCORE_TARGET["seconds"]
                    if score_customers == SCORE_TARGET["customers"]
                    else None,
                    "train": train,
                    "score": score,
                }
            )
    return out


def seeds(data_dirs: list[Path], args: argparse.Namespace) -> dict:
    threads = args.threads
    runs = []
    with tempfile.TemporaryDirectory(prefix="ml-seeds-") as tmp:
        for data_dir in data_dirs:
            out = Path(tmp) / data_dir.name
            timing = _timed(["evaluate", "--out", str(out)], data_dir, threads)
            ev = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml.bench")
    parser.add_argument("mode", nargs="?", choices=["commands", "seeds"], default="commands")
    parser.add_argument(
        "--data-dirs", help="built data dirs (generator + load + dbt build); default: the data dir"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, help="pass --threads to the commands (default: their own choice)"
    )
    parser.add_argument("--score-customers", type=int, default=SCORE_TARGET["customers"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from warehouse.config import get_settings

    dirs = [Path(d) for d in (args.data_dirs or str(get_settings().data_dir)).split(",") if d]
    load_before = _load()
    try:
        report = (commands if args.mode == "commands" else seeds)(dirs, args)
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.mode == "commands":
        report["targets"] = {"train": dict(TRAIN_TARGETS), "score": SCORE_TARGET}
        for run in report["runs"]:
            print(
                f"{run['data_dir']}: {run['snapshot_rows']} snapshot rows: "
                f"ml train {run['train_seconds_median']:.1f} s (cpu {run['train_cpu_seconds_median']:.1f}, "
                f"target {run['train_target_seconds']}); ml score {run['score_customers']} customers "
                f"{run['score_seconds_median']:.1f} s (cpu {run['score_cpu_seconds_median']:.1f})"
            )
        name = "bench_ml.json"
    else:
        for run in report["runs"]:
            print(
                f"{run['data_dir']}: AUC ratio {run['auc_ratio']:.3f}, lift ratio {run['lift_ratio']:.3f} "
                f"{run['lift_ratio_ci95']}, ECE {run['ece']:.4f}, chosen {run['chosen']}+{run['calibration']}"
            )
        print(f"mean: {report['mean']} (goals {SEED_GOALS})")
        name = "bench_ml_seeds.json"
    report["load_average"] = {"before": load_before, "after": _load()}
    report["cpu_count"] = os.cpu_count()
    path = _write(name, report)
    print(f"load average before {load_before}, after {_load()}; written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
