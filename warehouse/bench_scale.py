"""`just bench-scale`: `just dev` end to end at ~11M raw rows and at ~100M usage events.

    python -m warehouse.bench_scale                      # both scales, then the app pages at 100M
    python -m warehouse.bench_scale --scales 10m         # one scale
    python -m warehouse.bench_scale --memory-limit 2GB   # the same with a smaller DuckDB buffer pool

Not part of CI (the 100M run needs ~10 minutes and tens of GB). Each scale runs the
command users run, `just dev --customers N --months 24`, in a data dir of its own
(`<data>/bench-scale/<scale>`), and records:

- wall time, and the time of each stage from the pipeline's `[stage] <name> <s> s` lines;
- peak RSS: the largest single process (getrusage of the waited-for children) and, per
  stage, the largest single process and the whole process tree (sampled from /proc);
- disk: raw Parquet, build file, releases, the whole data dir at the end and its peak
  during the run (spill files included), and the ratio to raw Parquet + build file;
- the publish of that build alone (median of 3 `python -m warehouse publish`);
- the load average before and after (the machine may be shared: say so with the figures).

Then `python -m app.bench --here` on the largest build (every page cold and cached).
Results and the targets of issue #19 go to `<data>/reports/bench_scale.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from warehouse.config import REPO_ROOT, get_settings

SCALES = {"10m": (6_500, 24), "100m": (65_000, 24)}
TARGETS = {
    "10m": {"wall_s": 45.0, "peak_rss_gib": 4.0},
    "100m": {"wall_s": 480.0, "peak_rss_gib": 6.0, "disk_ratio": 2.5, "stage_ratio_vs_10m": 10.0},
    "app_page_cold_s": 1.0,
}
STAGE_LINE = re.compile(r"^\[stage\] (?P<name>\S+) (?P<seconds>[\d.]+) s$")
PUBLISH_LINE = re.compile(r"^published .* in (?P<seconds>[\d.]+) s$")
SAMPLE_EVERY_S = 0.5
GIB = 2**30


def _just() -> str:
    local = Path(sys.executable).with_name("just")
    return str(local) if local.exists() else (shutil.which("just") or "just")


def _tree_rss(root: int) -> tuple[int, int]:
    """(largest process RSS, sum of RSS) in bytes over `root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    todo, seen = [root], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo += children.get(pid, [])
    sizes = [rss.get(pid, 0) for pid in seen]
    return max(sizes, default=0), sum(sizes)


def _dir_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class Sampler(threading.Thread):
    """Samples the process tree's RSS per stage and the data dir's size while a run goes on."""

    def __init__(self, pid: int, data_dir: Path):
        super().__init__(daemon=True)
        self.pid, self.data_dir = pid, data_dir
        self.stage = "start"
        self.per_stage: dict[str, dict[str, int]] = {}
        self.peak_disk = 0
        self.done = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.done.wait(SAMPLE_EVERY_S):
            largest, total = _tree_rss(self.pid)
            record = self.per_stage.setdefault(self.stage, {"largest_process": 0, "process_tree": 0})
            record["largest_process"] = max(record["largest_process"], largest)
            record["process_tree"] = max(record["process_tree"], total)
            if ticks % 4 == 0:
                self.peak_disk = max(self.peak_disk, _dir_bytes(self.data_dir))
            ticks += 1


def _next_stage(line: str, order: list[str]) -> str | None:
    """The stage that starts after the one a `[stage]` line ends."""
    match = STAGE_LINE.match(line)
    if not match:
        return None
    index = order.index(match["name"]) if match["name"] in order else -1
    return order[index + 1] if 0 <= index < len(order) - 1 else "after"


STAGES = ["reset", "generate", "load", "dbt", "train", "score"]


def run_dev(customers: int, months: int, data_dir: Path, env: dict[str, str], log: Path) -> dict:
    """`just dev` once in data_dir, measured."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    command = [_just(), "dev", "--customers", str(customers), "--months", str(months)]
    wrapper = (
        "import json, resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
        "print(json.dumps({'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}), "
        "file=sys.stderr); sys.exit(code)"
    )
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", wrapper, *command],
        cwd=REPO_ROOT,
        env={**env, "CS_OPS_DATA_DIR": str(data_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = Sampler(child.pid, data_dir)
    sampler.stage = "reset"
    sampler.start()
    stages: dict[str, float] = {}
    with log.open("w", encoding="utf-8") as out:
        for line in child.stdout:
            out.write(line)
            out.flush()  # the log shows progress while a long run goes on
            match = STAGE_LINE.match(line.strip())
            if match:
                stages[match["name"]] = float(match["seconds"])
                sampler.stage = _next_stage(line.strip(), STAGES) or sampler.stage
        err = child.stderr.read()
        out.write("\n--- stderr ---\n" + err)
    child.wait()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"just dev failed in {data_dir} (exit {child.returncode}); log: {log}")
    maxrss = json.loads(err.strip().splitlines()[-1])["maxrss_kib"] * 1024
    return {
        "customers": customers,
        "months": months,
        "wall_s": round(wall, 1),
        "stages_s": stages,
        "peak_rss_gib": round(maxrss / GIB, 2),
        "stage_rss_gib": {
            stage: {key: round(value / GIB, 2) for key, value in record.items()}
            for stage, record in sampler.per_stage.items()
        },
        "peak_data_dir_gib": round(sampler.peak_disk / GIB, 2),
    }


def raw_counts(data_dir: Path) -> dict[str, int]:
    totals: dict[str, int] = {}
    for meta in sorted((data_dir / "raw" / "_batches").glob("*.json")):
        for table, rows in json.loads(meta.read_text())["row_counts"].items():
            totals[table] = totals.get(table, 0) + int(rows)
    return totals


def disk(data_dir: Path) -> dict[str, float]:
    settings_build = data_dir / "warehouse" / "cs_ops.duckdb"
    raw = _dir_bytes(data_dir / "raw")
    build = settings_build.stat().st_size if settings_build.exists() else 0
    releases = _dir_bytes(data_dir / "warehouse" / "published")
    total = _dir_bytes(data_dir)
    return {
        "raw_parquet_gib": round(raw / GIB, 3),
        "build_file_gib": round(build / GIB, 3),
        "releases_gib": round(releases / GIB, 3),
        "data_dir_gib": round(total / GIB, 3),
        "ratio_to_raw_plus_build": round(total / (raw + build), 3) if raw + build else None,
    }


def publish_times(data_dir: Path, env: dict[str, str], repeats: int = 3) -> list[float]:
    times = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-m", "warehouse", "publish"],
            cwd=REPO_ROOT,
            env={**env, "CS_OPS_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            check=True,
        )
        match = PUBLISH_LINE.match(done.stdout.strip().splitlines()[-1])
        times.append(float(match["seconds"]))
    return times


def app_pages(data_dir: Path, env: dict[str, str]) -> dict:
    """`python -m app.bench --here` on a build: every page's render time, cold and cached."""
    done = subprocess.run(
        [sys.executable, "-m", "app.bench", "--here", "--repeats", "3"],
        cwd=REPO_ROOT,
        env={**env, "CS_OPS_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
    )
    result_file = data_dir / "reports" / "bench_app.json"
    if done.returncode != 0 or not result_file.exists():
        return {"error": (done.stdout + done.stderr)[-2000:]}
    return json.loads(result_file.read_text())


def verdicts(results: dict) -> dict[str, bool | None]:
    scales = results["scales"]
    out: dict[str, bool | None] = {}
    for name, targets in TARGETS.items():
        if name not in scales:
            continue
        got = scales[name]
        out[f"{name}_wall"] = got["wall_s"] <= targets["wall_s"]
        out[f"{name}_peak_rss"] = got["peak_rss_gib"] <= targets["peak_rss_gib"]
        if "disk_ratio" in targets:
            out[f"{name}_disk"] = got["disk"]["ratio_to_raw_plus_build"] <= targets["disk_ratio"]
    if "10m" in scales and "100m" in scales:
        small, big = scales["10m"]["stages_s"], scales["100m"]["stages_s"]
        ratios = {s: round(big[s] / small[s], 2) for s in big if small.get(s)}
        results["stage_ratio_100m_vs_10m"] = ratios
        out["100m_stages_within_10x"] = all(
            r <= TARGETS["100m"]["stage_ratio_vs_10m"] for r in ratios.values()
        )
    pages = results.get("app_pages", {})
    cold = _cold_times(pages)
    if cold:
        out["app_pages_cold"] = max(cold.values()) <= TARGETS["app_page_cold_s"]
    return out


def _cold_times(pages: dict) -> dict[str, float]:
    """{page: median cold seconds} from app.bench's JSON (`pages`: rows with `page` and `cold_s`)."""
    return {
        row["page"]: float(row["cold_s"])
        for row in pages.get("pages") or []
        if isinstance(row, dict) and isinstance(row.get("cold_s"), int | float)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench_scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--scales", default="10m,100m", help="comma-separated: 10m, 100m (default both)")
    parser.add_argument("--memory-limit", help="CS_OPS_DUCKDB_MEMORY_LIMIT for the runs (default: settings)")
    parser.add_argument("--no-app", action="store_true", help="skip the app pages on the largest build")
    parser.add_argument("--clean", action="store_true", help="delete each scale's data dir when measured")
    args = parser.parse_args(argv)
    settings = get_settings()
    root = settings.data_dir / "bench-scale"
    report_path = settings.reports_dir / "bench_scale.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "CS_OPS_DATA_DIR"}
    env["CS_OPS_TARGET"] = "dev"
    if args.memory_limit:
        env["CS_OPS_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_limit": env.get("CS_OPS_DUCKDB_MEMORY_LIMIT", settings.duckdb_memory_limit),
        "load_average_before": os.getloadavg(),
        "targets": TARGETS,
        "scales": {},
    }
    names = [name.strip() for name in args.scales.split(",") if name.strip()]
    for name in names:
        customers, months = SCALES[name]
        data_dir = root / name
        print(
            f"[bench-scale] {name}: just dev --customers {customers} --months {months} in {data_dir}",
            flush=True,
        )
        record = run_dev(customers, months, data_dir, env, settings.reports_dir / f"bench_scale_{name}.log")
        record["load_average_after"] = os.getloadavg()
        record["raw_rows"] = raw_counts(data_dir)
        record["disk"] = disk(data_dir)
        times = publish_times(data_dir, env)
        record["publish_s"] = {"median": statistics.median(times), "runs": times}
        results["scales"][name] = record
        print(f"[bench-scale] {name}: {json.dumps(record)}", flush=True)
        report_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
        if args.clean and (args.no_app or name != names[-1]):
            shutil.rmtree(data_dir)
    if not args.no_app and names:
        largest = root / names[-1]
        print(f"[bench-scale] app pages on {largest}", flush=True)
        results["app_pages"] = app_pages(largest, env)
        if args.clean:
            shutil.rmtree(largest)
    results["load_average_after"] = os.getloadavg()
    results["met"] = verdicts(results)
    report_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"[bench-scale] results in {report_path}: {json.dumps(results['met'])}")
    return 0


if __name__ == "__main__":
    from warehouse.cli import run_cli

    raise SystemExit(run_cli(main))
