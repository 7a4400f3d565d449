"""python -m generator.bench: speed and memory of the generator, side by side in one run.

Measures (medians of repeated runs, all in this process run):

1. full generation at ~10M usage events (all 7 tables + truth + manifest written to
   Parquet) by `python -m generator` in a fresh process: the generation seconds it reports,
   the whole process's wall seconds (interpreter start, imports, exit), CPU seconds, peak RSS;
2. the customer table (clientes): vectorised numpy/pyarrow vs a row-by-row Faker loop
   producing the same columns into the same result, an Arrow table (rows/s ratio; target
   >= 400x); both measured alternately in this run, medians;
3. usage-event rows: the generator vs DuckDB generating comparable rows with SQL
   (range() + random(), COPY ... TO parquet) (rows/s ratio; target >= 1.5x).

Writes <data dir>/reports/bench_generator.json and prints a short table.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pyarrow as pa
from faker import Faker

from generator import customers, pools, simulation
from generator.frame import materialize
from warehouse.config import get_settings

TARGETS = {"seconds_10m_events": 3.0, "peak_rss_mib": 400.0, "faker_ratio": 400.0, "duckdb_ratio": 1.5}
BENCH_CUSTOMERS = 6500  # x 24 months ~ 10M usage events at the default behaviour parameters
BENCH_MONTHS = 24
REPO = Path(__file__).resolve().parent.parent  # the child runs this checkout's generator


def _compile_generator() -> None:
    """Byte-compile the generator's modules, as an installed package or any earlier run has them.

    With PYTHONDONTWRITEBYTECODE set (as in some shells here) every child would otherwise compile
    the generator's sources again at each start (~0.05 CPU s), a cost no real installation pays
    twice."""
    compileall.compile_dir(str(Path(__file__).resolve().parent), quiet=1, force=False)


def bench_full(repeats: int, customers: int, months: int) -> dict:
    """`python -m generator` exactly as a user runs it, in a fresh process each time: the wall
    time of the whole process (interpreter start, imports, generation, exit) measured from here,
    the generation time it reports, its CPU seconds and peak RSS (from wait4)."""
    _compile_generator()
    unset = ("ARROW_DEFAULT_MEMORY_POOL", "OPENBLAS_NUM_THREADS")  # the CLI sets them itself
    env = {k: v for k, v in os.environ.items() if k not in unset}
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="generator-bench-") as tmp:
            args = [sys.executable, "-m", "generator", "--customers", str(customers), "--months", str(months)]
            args += ["--data-dir", tmp, "--overwrite", "--quiet", "--json"]
            with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
                t0 = time.perf_counter()
                child = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=REPO)
                _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage: CPU, peak RSS
                seconds_process = time.perf_counter() - t0
                child.returncode = os.waitstatus_to_exitcode(status)
                out.seek(0), err.seek(0)
                if child.returncode:
                    error = err.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"python -m generator failed ({child.returncode}): {error}")
                out = out.read()
            summary = json.loads(out)
            runs.append(
                {
                    "seconds_process": seconds_process,
                    "seconds_generate": summary["seconds"],
                    "cpu_seconds": usage.ru_utime + usage.ru_stime,
                    "peak_rss_mib": usage.ru_maxrss / 1024,
                    "rows": summary["rows"],
                    "total_rows": summary["total_rows"],
                }
            )
    seconds = statistics.median(r["seconds_generate"] for r in runs)
    rows = runs[0]["total_rows"]
    return {
        "customers": customers,
        "months": months,
        "usage_events": runs[0]["rows"]["eventos_uso"],
        "total_rows": rows,
        "seconds_median": round(seconds, 3),
        "seconds_runs": [round(r["seconds_generate"], 3) for r in runs],
        "seconds_process_median": round(statistics.median(r["seconds_process"] for r in runs), 3),
        "seconds_process_runs": [round(r["seconds_process"], 3) for r in runs],
        "cpu_seconds_median": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
        "rows_per_second": round(rows / seconds),
        "rows_per_cpu_second": round(rows / statistics.median(r["cpu_seconds"] for r in runs)),
        "peak_rss_mib": round(max(r["peak_rss_mib"] for r in runs), 1),
    }


def _vectorised_customers(n: int, seed: int) -> int:
    """The clientes table exactly as the generator builds it: profile arrays -> Arrow -> rendered text."""
    rng = np.random.default_rng(seed)
    c = customers.customer_profile(rng, n)
    c["signup"] = 19_723 - rng.integers(20, 6 * 365, n)  # up to six years before 2024-01-01
    rows = [(np.arange(n), "Ativo", c["signup"], None)]
    fr = simulation._clientes_frame(SimpleNamespace(**c), rng, rows, 1)
    return materialize(fr).num_rows


def _faker_customers(n: int, seed: int) -> int:
    """The same twelve columns row by row with Faker, into the same kind of result (an Arrow table)."""
    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(
            {
                "id_cliente": f"CLI-{i + 1:06d}",
                "razao_social": fake.company(),
                "cnpj": fake.cnpj(),
                "segmento": rnd.choice(pools.SEGMENTOS),
                "porte": rnd.choice(pools.PORTES),
                "uf": fake.estado_sigla(),
                "cidade": fake.city(),
                "csm_responsavel": fake.name(),
                "data_cadastro": fake.date_between(start_date="-6y", end_date="today").isoformat(),
                "email_contato": fake.company_email(),
                "status": "Ativo",
                "updated_at": fake.date_time(),
            }
        )
    return pa.Table.from_pylist(rows).num_rows


def _time(fn, n: int, seed: int) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn(n, seed)
    return time.perf_counter() - t0, time.process_time() - c0


def bench_faker(repeats: int, vector_rows: int, faker_rows: int) -> dict:
    _vectorised_customers(1000, 0)  # warm the name pools (built once per process)
    _faker_customers(50, 0)  # and Faker's providers
    runs = {"vec": [], "faker": []}
    for r in range(max(repeats, 5)):  # alternate, so a change in machine load hits both sides
        runs["vec"].append(_time(_vectorised_customers, vector_rows, 1 + r))
        runs["faker"].append(_time(_faker_customers, faker_rows, 1 + r))
    vec_rate = vector_rows / statistics.median(w for w, _ in runs["vec"])
    vec_cpu = vector_rows / statistics.median(c for _, c in runs["vec"])
    fak_rate = faker_rows / statistics.median(w for w, _ in runs["faker"])
    fak_cpu = faker_rows / statistics.median(c for _, c in runs["faker"])
    return {
        "vectorised_rows": vector_rows,
        "vectorised_rows_per_second": round(vec_rate),
        "vectorised_rows_per_cpu_second": round(vec_cpu),
        "faker_rows": faker_rows,
        "faker_rows_per_second": round(fak_rate),
        "faker_rows_per_cpu_second": round(fak_cpu),
        "ratio": round(vec_rate / fak_rate, 1),
        "ratio_cpu": round(vec_cpu / fak_cpu, 1),
        "runs": max(repeats, 5),
        "note": "same 12 columns; both end as an Arrow table; medians of alternating runs",
    }


_DUCKDB_SQL = """
COPY (
    SELECT
        'EVT-' || lpad(i::VARCHAR, 12, '0') AS id_evento,
        'CLI-' || lpad((1 + floor(random() * {customers}))::BIGINT::VARCHAR, 6, '0') AS id_cliente,
        'USR-' || lpad((1 + floor(random() * {users}))::BIGINT::VARCHAR, 7, '0') AS id_usuario,
        ['Financeiro','Fiscal','Estoque','Vendas','Compras','RH','BI'][1 + floor(random() * 7)::INT]
            AS modulo,
        ['emitir_nfe','conciliacao_bancaria','pedido_venda','inventario','folha_pagamento',
         'dashboard_vendas','pedido_compra'][1 + floor(random() * 7)::INT] AS funcionalidade,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(floor(random() * 86400 * 730)::BIGINT)
            AS ocorrido_em,
        (5 + exp(6.0 + 0.9 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())))::BIGINT AS duracao_segundos
    FROM range({rows}) t(i)
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def bench_duckdb(repeats: int, rows: int, ours: dict) -> dict:
    wall, cpu = [], []
    with tempfile.TemporaryDirectory(prefix="generator-bench-duckdb-") as tmp:
        for r in range(repeats):
            con = duckdb.connect()
            con.execute(f"SELECT setseed({0.1 * (r + 1)})")
            sql = _DUCKDB_SQL.format(
                customers=6500, users=600_000, rows=rows, path=f"{tmp}/events_{r}.parquet"
            )
            t0, c0 = time.perf_counter(), time.process_time()
            con.execute(sql)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)  # all DuckDB threads
            con.close()
    rate = rows / statistics.median(wall)
    rate_cpu = rows / statistics.median(cpu)
    return {
        "duckdb_rows": rows,
        "duckdb_threads": os.cpu_count(),
        "duckdb_seconds_median": round(statistics.median(wall), 3),
        "duckdb_cpu_seconds_median": round(statistics.median(cpu), 3),
        "duckdb_rows_per_second": round(rate),
        "duckdb_rows_per_cpu_second": round(rate_cpu),
        "generator_rows_per_second": ours["rows_per_second"],
        "generator_rows_per_cpu_second": ours["rows_per_cpu_second"],
        "ratio": round(ours["rows_per_second"] / rate, 2),
        "ratio_cpu": round(ours["rows_per_cpu_second"] / rate_cpu, 2),
        "note": "generator = full simulation of all 7 tables + dirt + truth; DuckDB = events-like rows only",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--customers", type=int, default=BENCH_CUSTOMERS)
    parser.add_argument("--months", type=int, default=BENCH_MONTHS)
    parser.add_argument("--data-dir", help="where reports/ goes (default: CS_OPS_DATA_DIR or ./data)")
    args = parser.parse_args(argv)
    if args.data_dir:
        data_dir = Path(args.data_dir)
    else:
        data_dir = get_settings().data_dir
    load_before = os.getloadavg()
    full = bench_full(args.repeats, args.customers, args.months)
    # enough rows that per-call setup does not matter on either side (vectorised: ~0.2 s a run)
    faker = bench_faker(args.repeats, vector_rows=500_000, faker_rows=3_000)
    duck = bench_duckdb(args.repeats, full["usage_events"], full)
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average": os.getloadavg(),
            "load_average_at_start": load_before,
        },
        "full_generation": full,
        "customers_vs_faker": faker,
        "events_vs_duckdb": duck,
        "targets": TARGETS,
        "meets": {
            "seconds_10m_events": full["seconds_median"] <= TARGETS["seconds_10m_events"],
            "peak_rss_mib": full["peak_rss_mib"] <= TARGETS["peak_rss_mib"],
            "faker_ratio": faker["ratio"] >= TARGETS["faker_ratio"],
            "duckdb_ratio": duck["ratio"] >= TARGETS["duckdb_ratio"],
        },
    }
    out = data_dir / "reports" / "bench_generator.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    rows = [
        ("full run: usage events", f"{full['usage_events']:,}", ""),
        ("full run: all rows", f"{full['total_rows']:,}", ""),
        ("full run: seconds (median)", f"{full['seconds_median']}", f"<= {TARGETS['seconds_10m_events']}"),
        ("full run: whole process seconds", f"{full['seconds_process_median']}", "incl. start-up, exit"),
        ("full run: CPU seconds (median)", f"{full['cpu_seconds_median']}", ""),
        ("full run: peak RSS MiB", f"{full['peak_rss_mib']}", f"<= {TARGETS['peak_rss_mib']}"),
        ("clientes rows/s vectorised", f"{faker['vectorised_rows_per_second']:,}", ""),
        ("clientes rows/s Faker loop", f"{faker['faker_rows_per_second']:,}", ""),
        ("ratio vs Faker (wall)", f"{faker['ratio']}x", f">= {TARGETS['faker_ratio']}x"),
        ("ratio vs Faker (CPU time)", f"{faker['ratio_cpu']}x", ""),
        ("DuckDB SQL rows/s", f"{duck['duckdb_rows_per_second']:,}", ""),
        ("generator rows/s", f"{duck['generator_rows_per_second']:,}", ""),
        ("ratio vs DuckDB (wall)", f"{duck['ratio']}x", f">= {TARGETS['duckdb_ratio']}x"),
        ("ratio vs DuckDB (CPU time)", f"{duck['ratio_cpu']}x", ""),
        ("machine load average (1 min)", f"{os.getloadavg()[0]:.1f}", f"on {os.cpu_count()} CPUs"),
    ]
    for label, value, target in rows:
        print(f"{label:<34} {value:>14}   {target}")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
