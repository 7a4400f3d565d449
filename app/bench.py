"""Page render times of the CS Ops Command Center, cold (from the warehouse) and cached.

    python -m app.bench [--repeats 3]        (part of `just bench`)

Runs every page through streamlit.testing.v1.AppTest on the data dir's published
snapshot (CS_OPS_DATA_DIR). "Cold" clears st.cache_data and st.cache_resource first,
so every query goes to the warehouse and the simulator loads the model; "cached" is the
immediate re-run. Medians of `--repeats` runs, both measured side by side in this run.
Target (issue #7): at 100k customers <= 1 s cold and <= 0.3 s cached per page.
Writes <data dir>/reports/bench_app.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

APP = Path(__file__).resolve().parent / "streamlit_app.py"
PAGES = ["visao_executiva", "carteira_em_risco", "cliente_360", "simulador", "modelo", "qualidade_dados"]
TARGET_COLD_S, TARGET_CACHED_S, TARGET_SCALE = 1.0, 0.3, 100_000


def scale() -> dict[str, int]:
    from warehouse import get_warehouse

    wh = get_warehouse(read_only=True)
    counts = {}
    for table in ("fct_clientes_kpis", "fct_mrr_mensal", "fct_clientes_snapshot_mensal", "churn_scores"):
        if wh.table_exists(table):
            counts[table] = int(wh.query(f"select count(*) as n from {{analytics}}.{table}")["n"].iloc[0])
    return counts


def _timed_run(at) -> tuple[float, float, list[str]]:
    started, cpu_started = time.perf_counter(), time.process_time()
    at.run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    issues = [str(e.value)[:200] for e in at.exception] + [str(e.value)[:200] for e in at.error]
    issues += [str(i.value)[:200] for i in at.info if "just " in str(i.value)]
    return elapsed, cpu, issues


def bench(repeats: int = 3) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    results = []
    for page in PAGES:
        cold, cached, cold_cpu, cached_cpu, issues = [], [], [], [], []
        for _ in range(repeats):
            st.cache_data.clear()
            st.cache_resource.clear()
            at.switch_page(f"views/{page}.py")
            seconds, cpu, found = _timed_run(at)
            cold.append(seconds)
            cold_cpu.append(cpu)
            issues += found
            seconds, cpu, found = _timed_run(at)
            cached.append(seconds)
            cached_cpu.append(cpu)
            issues += found
        row = {
            "page": page,
            "cold_s": statistics.median(cold),
            "cached_s": statistics.median(cached),
            "cold_cpu_s": statistics.median(cold_cpu),
            "cached_cpu_s": statistics.median(cached_cpu),
            "cold_runs_s": cold,
            "cached_runs_s": cached,
            "cold_over_cached": statistics.median(cold) / max(statistics.median(cached), 1e-9),
            "problems": sorted(set(issues)),
        }
        row["cold_ok"] = row["cold_s"] <= TARGET_COLD_S
        row["cached_ok"] = row["cached_s"] <= TARGET_CACHED_S
        results.append(row)
    return {"pages": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per page and mode (median reported)")
    args = parser.parse_args(argv)

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from warehouse.config import get_settings

    settings = get_settings()
    try:
        counts = scale()
    except Exception as exc:
        print(f"error: no published data to benchmark ({exc}); run `just dev` first", file=sys.stderr)
        return 1
    started = time.perf_counter()
    result = bench(args.repeats)
    customers = counts.get("fct_clientes_kpis", 0)
    report = {
        "benchmark": "app page render (AppTest), cold vs cached",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": settings.describe(),
        "scale": counts,
        "customers": customers,
        "target": {
            "customers": TARGET_SCALE,
            "cold_s": TARGET_COLD_S,
            "cached_s": TARGET_CACHED_S,
            "note": "targets apply at 100k customers; this run's scale is in `customers`",
        },
        "repeats": args.repeats,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m_before": os.getloadavg()[0],
        },
        "wall_s": None,
        **result,
    }
    report["wall_s"] = time.perf_counter() - started
    out = settings.reports_dir / "bench_app.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")

    print(f"app page render at {customers:,} customers ({settings.describe()}), median of {args.repeats}:")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; cpu = this process's CPU time)")
    print(
        f"{'page':<20} {'cold s':>8} {'cached s':>9} {'cold/cached':>12} {'cold cpu':>9} {'cached cpu':>11}  "
        f"target (<= {TARGET_COLD_S} / {TARGET_CACHED_S} s)"
    )
    for row in report["pages"]:
        verdict = ("ok" if row["cold_ok"] else "SLOW") + " / " + ("ok" if row["cached_ok"] else "SLOW")
        print(
            f"{row['page']:<20} {row['cold_s']:>8.3f} {row['cached_s']:>9.3f} "
            f"{row['cold_over_cached']:>11.1f}x {row['cold_cpu_s']:>9.3f} {row['cached_cpu_s']:>11.3f}  "
            f"{verdict}" + (f"  problems: {row['problems']}" if row["problems"] else "")
        )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
