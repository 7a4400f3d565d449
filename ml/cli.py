"""`python -m ml train|evaluate|score`.

python -m ml train [--table fct_clientes_snapshot_mensal | path/to/file.parquet] [--spec ml/feature_spec.yml]
python -m ml evaluate [same options]   # evaluation + model card only, no model saved
python -m ml score [--model path]      # writes cs_ops_analytics.churn_scores and publishes
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from ml.data import MissingInputError, is_file_reference, load_truth, read_table
from ml.model import RANDOM_STATE, SplitError
from ml.model_store import ModelLoadError, load_model
from ml.report import write_model_card
from ml.score import run_score
from ml.spec import SpecError, load_spec
from ml.train import LeakageError, train
from warehouse.config import get_settings

THREADS_HELP = "threads to use (default: CS_OPS_ML_THREADS, else every core this process may use)"


def _threads(text: str) -> int:
    """--threads: a whole number, 1 or more."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of threads (1 or more)")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description="Churn model: train, evaluate, score.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("train", "train, evaluate and save the model + model card"),
        (
            "evaluate",
            "evaluate (train on older months, test on newer) and write the model card; no model saved",
        ),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "--table", help="warehouse table in cs_ops_analytics, or a Parquet file (default: spec's table)"
        )
        p.add_argument("--spec", help="feature spec YAML (default: ml/feature_spec.yml)")
        p.add_argument("--out", help="output folder (default: <data dir>/ml)")
        p.add_argument("--truth", help="generator truth folder for the oracle (default: <data dir>/truth)")
        p.add_argument("--random-state", type=int, default=RANDOM_STATE)
        p.add_argument("--threads", type=_threads, help=THREADS_HELP)
    p = sub.add_parser("score", help="score active customers at the newest snapshot -> churn_scores")
    p.add_argument("--threads", type=_threads, help=THREADS_HELP)
    p.add_argument("--model", help="model file (default: <data dir>/ml/churn_model.skops)")
    p.add_argument("--table", help="snapshot table, or a CSV/Parquet file (default: the model spec's table)")
    p.add_argument(
        "--out", help="scores file when --table is a file (default: <data dir>/ml/churn_scores.csv)"
    )
    return parser


def _train(args: argparse.Namespace, save: bool, threads: int) -> int:
    settings = get_settings()
    spec = load_spec(args.spec)
    table = args.table or spec.table
    if not table:
        raise SpecError("no --table given and the spec names no 'table'")
    out = Path(args.out) if args.out else settings.ml_dir
    started = time.perf_counter()
    frame, source = read_table(table, spec)
    truth = load_truth(Path(args.truth) if args.truth else settings.truth_dir)
    if truth is None:
        print("note: no generator truth folder: the oracle comparison is skipped (real customer data?)")
    try:
        result = train(
            frame, spec, source, out, truth=truth, random_state=args.random_state, save=save, n_jobs=threads
        )
    except LeakageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    card = write_model_card(result.evaluation, out)
    ev = result.evaluation
    print(
        f"{'trained' if save else 'evaluated'} on {source}: {len(frame)} rows "
        f"in {time.perf_counter() - started:.1f} s"
    )
    print(f"split: {ev['split']}")
    report = ev.get("input_report") or {}
    for column, counts in report.items():
        print(f"input: {column}: {counts}")
    if ev.get("model_choice"):
        c = ev["model_choice"]
        print(f"chosen: {c['candidate']} + {c['calibration']} calibration: {c['why']}")
    print(f"{'score':<22}{'ROC AUC':>9}{'PR AUC':>9}{'Brier':>9}{'ECE':>9}{'lift@10%':>10}")
    for key in ("model", "logistic_regression", spec.baseline_column, "oracle", "oracle_realised_path"):
        r = ev.get(key) if key else None
        if not isinstance(r, dict):
            continue
        cells = [r.get(m) for m in ("roc_auc", "pr_auc", "brier", "ece", "top_decile_lift")]
        print(f"{key:<22}" + "".join(f"{c:>9.4f}" if c is not None else f"{'-':>9}" for c in cells))
    print(f"targets: {ev['targets']}")
    if ev.get("oracle_available") and ev.get("oracle_note"):
        print(f"note: {ev['oracle_note']}")
    if result.model:
        print(f"model {result.model.version} saved to {out / 'churn_model.skops'}")
    print(f"evaluation: {out / 'evaluation.json'}  model card: {card}")
    return 0


def _score(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    model = load_model(args.model)
    scores = run_score(model, args.table, args.out)
    tiers = scores["risk_tier"].value_counts().to_dict()
    table = args.table or model.spec.table or ""
    where = (
        "cs_ops_analytics.churn_scores"
        if not is_file_reference(table)
        else (args.out or "<data dir>/ml/churn_scores.csv")
    )
    at = f" at {scores['snapshot_date'].max()}" if model.spec.time_column else ""
    print(
        f"scored {len(scores)} customers{at} with model {model.version} "
        f"in {time.perf_counter() - started:.1f} s; tiers {tiers}; wrote {where}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    threads = args.threads or get_settings().ml_threads
    try:
        # BLAS (the linear models, the calibrators) on one thread: their problems are small, and a
        # second BLAS thread spinning on a busy machine cost 14x the CPU of one (five Platt fits:
        # 0.64 vs 0.05 CPU-s at load 27 on 2 cores; the logistic baseline 2.5 vs 1.1 CPU-s)
        one_blas_thread = threadpool_limits(limits=1, user_api="blas")
        with threadpool_limits(limits=threads, user_api="openmp"), one_blas_thread:
            if args.command == "score":
                return _score(args)
            return _train(args, save=args.command == "train", threads=threads)
    except (MissingInputError, SpecError, SplitError, ModelLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
