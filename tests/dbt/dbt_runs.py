"""Helpers of the dbt project tests: real dbt runs (`python -m warehouse.dbt`), the generator
and the loader on a data dir, and queries of its DuckDB file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))


def environment(data_dir: Path, target: str = "dev", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_EMULATOR"))}
    env.update(CS_OPS_TARGET=target, CS_OPS_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def run(command: list[str], env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed with exit {done.returncode}:\n"
            f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def generate(data_dir: Path, customers: int, months: int, *extra: str) -> None:
    run([sys.executable, "-m", "generator", "--customers", str(customers), "--months", str(months),
         "--quiet", *extra], environment(data_dir))  # fmt: skip


def load(data_dir: Path, target: str = "dev", **extra: str) -> None:
    run([sys.executable, "-m", "warehouse", "load"], environment(data_dir, target, **extra))


def dbt(data_dir: Path, *args: str, target: str = "dev", timeout: float = 600, **extra: str) -> str:
    """`python -m warehouse.dbt <args>` on the data dir; each run gets its own target/log dirs.
    The log is never rolled over (dbt's default at 10 MB would move earlier runs to dbt.log.1)."""
    paths = ["--target-path", str(data_dir / "dbt-target"), "--log-path", str(data_dir / "dbt-logs")]
    paths += ["--log-file-max-bytes", "0"]
    command = [sys.executable, "-m", "warehouse.dbt", *args, *paths]
    return run(command, environment(data_dir, target, **extra), timeout)


def duckdb_path(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "cs_ops.duckdb"


def query(data_dir: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(duckdb_path(data_dir)), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


# bookkeeping of the run that wrote a row, not data: the run's start, and whether an id
# was unknown when the row was written (a superset of the final orphans, by design), with
# the raw values kept for such a candidate
RUN_COLUMNS = ["processed_at", "is_orphan_candidate", "candidate_raw_values"]


def read_sorted(data_dir: Path, table: str, keys: list[str]) -> pd.DataFrame:
    """A cs_ops_analytics table without RUN_COLUMNS, sorted by `keys`: two builds compare equal."""
    frame = query(data_dir, f"select * from cs_ops_analytics.{table}")
    frame = frame.drop(columns=[c for c in RUN_COLUMNS if c in frame.columns])
    return frame.sort_values(keys).reset_index(drop=True)


# not data: when a row was written, and the table of fingerprints (its stored_at)
BOOKKEEPING_COLUMNS = {"processed_at", "stored_at"}


def table_checksums(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Rows and an order-independent checksum of every table and view in cs_ops_analytics
    (bookkeeping columns left out): two builds that hold the same rows compare equal."""
    con = duckdb.connect(str(duckdb_path(data_dir)), read_only=True)
    try:
        columns = con.execute(
            "select table_name, list(column_name order by column_name) from information_schema.columns "
            "where table_schema = 'cs_ops_analytics' group by table_name order by table_name"
        ).fetchall()
        sums = {}
        for table, names in columns:
            kept = ", ".join(f'"{name}" := "{name}"' for name in names if name not in BOOKKEEPING_COLUMNS)
            sums[table] = con.execute(
                f"select count(*), coalesce(sum(hash(struct_pack({kept}))::hugeint), 0) "
                f"from cs_ops_analytics.{table}"
            ).fetchone()
        return {table: (int(rows), int(total)) for table, (rows, total) in sums.items()}
    finally:
        con.close()
