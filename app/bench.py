"""Page render times of the CS Ops Command Center at 100k customers, cold (from the warehouse) and cached.

    python -m app.bench                      (part of `just bench`)
    python -m app.bench --here               (bench the data dir as it is, no build)

By default the bench first makes its own real pipeline build at 100,000 customers in
<data dir>/bench-app-100k (generator -> warehouse load -> dbt build -> publish -> ml train
-> ml score -> publish, the same steps as `just dev`). The build is reused when its
fingerprint matches: the generator options plus the content of generator/, warehouse/,
cs_ops_dbt/ and ml/ (a code change there rebuilds; `--rebuild` forces it). So the first
`just bench` pays the build (its time is recorded and reported), later runs only render.

Every page runs through streamlit.testing.v1.AppTest on that build's published snapshot.
"Cold" clears st.cache_data and st.cache_resource first, so every query goes to the
warehouse and the simulator loads the model; "cached" is the immediate re-run. Medians
of `--repeats` runs, both measured side by side in this run.
Target (issue #7): at 100k customers <= 1 s cold and <= 0.3 s cached per page.
Writes <data dir>/reports/bench_app.json and prints a table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = Path(__file__).resolve().parent / "streamlit_app.py"
PAGES = [
    "visao_executiva",
    "minha_carteira",
    "alertas",
    "carteira_em_risco",
    "cliente_360",
    "simulador",
    "modelo",
    "qualidade_dados",
]
TARGET_COLD_S, TARGET_CACHED_S, TARGET_SCALE = 1.0, 0.3, 100_000
TARGET_RECORD_S = 0.2  # recording one action in the action log, on dev

# What the bench build depends on: the generator options below and the code of these parts.
FINGERPRINT_DIRS = ("generator", "warehouse", "cs_ops_dbt", "ml")
FINGERPRINT_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".md", ".json", ".toml"}
FINGERPRINT_SKIP = {"target", "logs", "dbt_packages", "__pycache__", "emulator", "tests"}
BUILD_FILE = "bench_build.json"


def generator_supports(flag: str) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--help"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return flag in done.stdout


def generator_args(customers: int, months: int | None, usage_scale: float | None, seed: int) -> list[str]:
    """The bench build's generator options (fewer usage events per user keep the build short)."""
    if usage_scale is None and generator_supports("--usage-scale"):
        usage_scale = 0.1
    if months is None:
        months = 15  # ml train needs >= 13 months (label horizon + gap + validation + calibration)
    args = ["--customers", str(customers), "--months", str(months), "--seed", str(seed)]
    if usage_scale is not None:
        args += ["--usage-scale", repr(float(usage_scale))]
    return args


def code_fingerprint() -> str:
    """sha256 over the files of FINGERPRINT_DIRS that can change what the build contains."""
    digest = hashlib.sha256()
    for part in FINGERPRINT_DIRS:
        for path in sorted((REPO / part).rglob("*")):
            relative = path.relative_to(REPO)
            if (
                not path.is_file()
                or path.suffix not in FINGERPRINT_SUFFIXES
                or path.name == "bench.py"
                or FINGERPRINT_SKIP & set(relative.parts)
            ):
                continue
            digest.update(str(relative).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def pipeline_steps(gen_args: list[str]) -> list[tuple[str, list[str]]]:
    """The `just dev` steps (justfile `_pipeline`) as (name, python args)."""
    return [
        ("check", ["-m", "warehouse", "check"]),
        ("reset", ["-m", "warehouse.reset"]),
        ("generate", ["-m", "generator", "--overwrite", "--quiet", *gen_args]),
        ("load", ["-m", "warehouse", "load"]),
        ("dbt build", ["-m", "warehouse.dbt", "build"]),
        ("publish", ["-m", "warehouse", "publish"]),
        ("ml train", ["-m", "ml", "train"]),
        ("ml score", ["-m", "ml", "score"]),
        ("publish again", ["-m", "warehouse", "publish"]),
    ]


def ensure_build(bench_dir: Path, gen_args: list[str], rebuild: bool = False) -> dict:
    """Reuse the bench build in bench_dir when its fingerprint matches, else run the pipeline there."""
    fingerprint = {"generator_args": gen_args, "target": "dev", "code_sha256": code_fingerprint()}
    record_path = bench_dir / BUILD_FILE
    if not rebuild and record_path.is_file():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("fingerprint") == fingerprint and (bench_dir / "warehouse" / "published").is_dir():
            print(f"reusing the bench build in {bench_dir} (fingerprint matches; built {record['built_at']})")
            return {**record, "reused": True}
        print(f"the bench build in {bench_dir} is stale (inputs changed): rebuilding")
    bench_dir.mkdir(parents=True, exist_ok=True)
    record_path.unlink(missing_ok=True)
    env = {**os.environ, "CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(bench_dir), "PYTHONPATH": str(REPO)}
    steps = {}
    started = time.perf_counter()
    print(f"building the bench data in {bench_dir}: generator {' '.join(gen_args)}")
    for name, args in pipeline_steps(gen_args):
        step_started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
        )
        steps[name] = round(time.perf_counter() - step_started, 2)
        if done.returncode != 0:
            raise SystemExit(
                f"error: bench build step `{name}` (python {' '.join(args)}) failed with exit "
                f"{done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
        print(f"  {name:<14} {steps[name]:>7.1f} s")
    record = {
        "fingerprint": fingerprint,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_s": round(time.perf_counter() - started, 1),
        "steps_s": steps,
        "load_average_1m_after": os.getloadavg()[0],
    }
    record_path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return {**record, "reused": False}


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
    return {"pages": results, "record_action": bench_record(repeats)}


def bench_browser(data_dir: Path, repeats: int, viewport: tuple[int, int] = (1440, 900)) -> dict:
    """Each page in Debian's Chromium: seconds from navigation (a new session) to its last element drawn.

    Cold: a new server process, warmed by one visit to another page that reads none of this
    page's data (so imports are done; data version rechecked after 2 s), then this page opened
    in a new session: every query, chart spec and the model load on this visit. Cached: the
    next new session on the same server. Medians of `repeats`, side by side.
    """
    from playwright.sync_api import sync_playwright

    from app.browser import CHROMIUM, CHROMIUM_ARGS, PAGE_URLS, open_measured, open_timed, streamlit_server

    titles = dict(zip(PAGES, PAGE_URLS, strict=True))
    log_path = data_dir / "reports" / "bench_app_browser_server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            floor, floor_received = streamlit_floor(browser, data_dir, log_path, repeats, viewport)
            for page_name in PAGES:
                path, title = titles[page_name]
                warm_path, warm_title = titles["qualidade_dados" if page_name == "modelo" else "modelo"]
                cold, cached, cold_stats, cached_stats = [], [], [], []
                for _ in range(repeats):
                    with streamlit_server(data_dir, log_path) as url:
                        _, warm = open_timed(browser, f"{url}/{warm_path}", warm_title, viewport)
                        warm.context.close()
                        time.sleep(2.2)  # the data version is cached for 2 s
                        for runs, stats in ((cold, cold_stats), (cached, cached_stats)):
                            seconds, page, received = open_measured(browser, f"{url}/{path}", title, viewport)
                            page.context.close()
                            runs.append(seconds)
                            stats.append(received)
                rows.append(
                    {
                        "page": page_name,
                        "cold_s": statistics.median(cold),
                        "cached_s": statistics.median(cached),
                        "cold_runs_s": cold,
                        "cached_runs_s": cached,
                        "cold_received": cold_stats,
                        "cached_received": cached_stats,
                        "cold_ok": statistics.median(cold) <= TARGET_COLD_S,
                        "cached_ok": statistics.median(cached) <= TARGET_CACHED_S,
                    }
                )
        finally:
            browser.close()
    return {
        "what": "seconds from page.goto in a new browser context (a new Streamlit session) to the page's "
        "last element drawn (app/browser.py RENDERED_JS), Debian chromium headless",
        "viewport": list(viewport),
        "repeats": repeats,
        "streamlit_floor_s": floor,
        "streamlit_floor_received": floor_received,
        "pages": rows,
    }


def streamlit_floor(
    browser, data_dir: Path, log_path: Path, repeats: int, viewport: tuple[int, int]
) -> tuple[float, dict]:
    """The same measure for a one-line Streamlit app (a title): what any page costs on this machine now
    (median seconds, and what the browser received and drew on the last visit)."""
    import tempfile

    from app.browser import open_measured, streamlit_server

    with tempfile.TemporaryDirectory() as folder:
        app = Path(folder) / "floor.py"
        app.write_text('import streamlit as st\n\nst.title("Floor")\n', encoding="utf-8")
        runs = []
        with streamlit_server(data_dir, log_path, app=app) as url:
            for _ in range(repeats + 1):  # the first visit starts the script runner
                seconds, page, received = open_measured(browser, url, "Floor", viewport)
                page.context.close()
                runs.append(seconds)
    return statistics.median(runs[1:]), received


def bench_record(repeats: int) -> dict:
    """Recording one action through warehouse.get_action_log(), as the page does (median of repeats).

    The bench's actions go to the bench build's own app-state file and are marked as such.
    """
    import datetime as dt

    from warehouse import get_action_log
    from warehouse.action_log import Action

    log = get_action_log()
    runs, cpu = [], []
    for _ in range(max(repeats, 5)):
        action = Action(
            customer_id="BENCH",
            action_type="other",
            owner="app.bench",
            due_date=dt.date.today(),
            author="app.bench",
            note="timing run of app.bench",
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        log.record(action)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    median = statistics.median(runs)
    return {
        "median_s": median,
        "median_cpu_s": statistics.median(cpu),
        "runs_s": runs,
        "target_s": TARGET_RECORD_S,
        "ok": median <= TARGET_RECORD_S,
    }


def print_received(name: str, row: dict | None, received: dict, verdict: str = "") -> None:
    """One line of the browser table: times (cold, cached), then what the cached visit received and drew."""
    times = f"{row['cold_s']:>8.3f} {row['cached_s']:>9.3f}" if row else f"{'':>8} {'':>9}"
    print(
        f"{name:<20} {times}  {verdict:<11} http {received['requests']:>3} req "
        f"{received['http_bytes'] / 1024:>6.0f} KiB"
        f"  ws {received['ws_bytes'] / 1024:>5.0f} KiB last at {received['ws_last_s']:>5.2f} s"
        f"  drew {received['elements']:>3} elements, {received['charts']} charts, {received['tables']} tables"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per page and mode (median reported)")
    parser.add_argument("--customers", type=int, default=TARGET_SCALE, help="bench build size (100000)")
    parser.add_argument(
        "--months", type=int, default=None, help="bench build months (default 15: ml train needs at least 13)"
    )
    parser.add_argument(
        "--usage-scale",
        type=float,
        default=None,
        help="generator usage events per user scale (default 0.1 when the generator supports it)",
    )
    parser.add_argument("--seed", type=int, default=42, help="bench build seed")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the bench data even if it matches")
    parser.add_argument("--here", action="store_true", help="no build: bench CS_OPS_DATA_DIR as it is")
    parser.add_argument(
        "--no-browser", action="store_true", help="skip the real-browser timings (Debian chromium)"
    )
    parser.add_argument(
        "--browser-repeats", type=int, default=None, help="browser runs per page and mode (default --repeats)"
    )
    args = parser.parse_args(argv)

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from warehouse.config import get_settings

    home = get_settings()
    reports_dir = home.reports_dir
    build = None
    if not args.here:
        gen_args = generator_args(args.customers, args.months, args.usage_scale, args.seed)
        bench_dir = home.data_dir / f"bench-app-{args.customers // 1000}k"
        build = ensure_build(bench_dir, gen_args, args.rebuild)
        os.environ["CS_OPS_TARGET"] = "dev"
        os.environ["CS_OPS_DATA_DIR"] = str(bench_dir)
        get_settings.cache_clear()
    settings = get_settings()
    try:
        counts = scale()
    except Exception as exc:
        print(f"error: no published data to benchmark ({exc}); run `just dev` first", file=sys.stderr)
        return 1
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = bench(args.repeats)
    from app.browser import CHROMIUM

    if not args.no_browser and CHROMIUM.exists():
        result["browser"] = bench_browser(settings.data_dir, args.browser_repeats or args.repeats)
    customers = counts.get("fct_clientes_kpis", 0)
    report = {
        "benchmark": "app page render (AppTest), cold vs cached",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": settings.describe(),
        "data_dir": str(settings.data_dir),
        "build": build,
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
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "wall_s": None,
        **result,
    }
    report["wall_s"] = time.perf_counter() - started
    out = reports_dir / "bench_app.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")

    if build:
        how = "reused" if build["reused"] else "built"
        print(
            f"bench data {how}: {settings.data_dir} ({' '.join(build['fingerprint']['generator_args'])}); "
            f"build took {build['build_s']:.0f} s" + (f" on {build['built_at']}" if build["reused"] else "")
        )
    print(f"app page render at {customers:,} customers ({settings.describe()}), median of {args.repeats}:")
    print(
        f"(load average {load_before[0]:.1f} before / {os.getloadavg()[0]:.1f} after "
        f"on {os.cpu_count()} CPUs; "
        "cpu = this process's CPU time)"
    )
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
    if "browser" in report:
        print(
            f"in Chromium at {report['browser']['viewport'][0]} px (navigation, new session -> last element; "
            f"a one-line Streamlit app takes {report['browser']['streamlit_floor_s']:.3f} s); "
            "what the cached visit received (HTTP requests and KiB: the frontend's code; websocket KiB "
            "and when the last message came) and drew:"
        )
        print_received("floor", None, report["browser"]["streamlit_floor_received"])
        for row in report["browser"]["pages"]:
            verdict = ("ok" if row["cold_ok"] else "SLOW") + " / " + ("ok" if row["cached_ok"] else "SLOW")
            print_received(row["page"], row, row["cached_received"][-1], verdict)
    record = report["record_action"]
    print(
        f"recording an action: {record['median_s'] * 1000:.0f} ms median "
        f"({record['median_cpu_s'] * 1000:.0f} ms CPU) "
        f"(target <= {TARGET_RECORD_S * 1000:.0f} ms) {'ok' if record['ok'] else 'SLOW'}"
    )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
