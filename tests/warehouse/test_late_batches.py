"""Batches loaded after a newer one was processed: found, reported, and built with a full refresh.

The query runs on both backends (hand-written stand-ins for the models that record the
processed batches: `int_eventos_uso__lotes`); the build runs
real dbt on a small generated history whose second batch is bad at first and fixed later.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import rawfiles
from warehouse_envs import WarehouseEnv, make_settings

from warehouse.config import REPO_ROOT
from warehouse.dbt import with_late_batches
from warehouse.late_batches import PROCESSED_MODELS, LateBatches, find_late_batches

LATE = LateBatches(("b0002_2024-02",), "b0003_2024-03")


def _processed(wh_env: WarehouseEnv, *indexes: int) -> None:
    """Stand in for dbt: the batches int_eventos_uso__lotes says were processed."""
    ids = [rawfiles.batch_id(i) for i in indexes]
    frame = pd.DataFrame({"batch_id": ids, "raw_rows": 1, "valid_rows": 1, "first_seen_rows": 1})
    wh_env.warehouse().write_table(frame, PROCESSED_MODELS["eventos_uso"])


def test_find_late_batches(wh_env: WarehouseEnv) -> None:
    wh = wh_env.warehouse()
    assert not find_late_batches(wh), "no warehouse yet: nothing to do"
    if not wh_env.settings.is_prod:
        assert not wh_env.settings.duckdb_path.exists(), "the check does not create the DuckDB file"
    contract = rawfiles.load_contract()
    no_events = {"eventos_uso": rawfiles.table_frame(contract.table("eventos_uso"), 4).slice(0, 0)}
    for index in (1, 3, 4, 5):
        rawfiles.write_batch(wh_env.raw_dir, index, frames=no_events if index == 4 else None)
    wh.load_raw()
    assert not find_late_batches(wh), "no analytics build yet: the first build is a full one"

    _processed(wh_env, 1, 3)
    events_record = PROCESSED_MODELS["eventos_uso"]
    assert wh.existing_tables([events_record, "int_clientes__classified"]) == {events_record}
    assert not find_late_batches(wh), "4 and 5 come after the newest processed batch"

    rawfiles.write_batch(wh_env.raw_dir, 2)
    wh.load_raw()
    late = find_late_batches(wh)
    assert late == LateBatches((rawfiles.batch_id(2),), rawfiles.batch_id(3), ("eventos_uso",))

    _processed(wh_env, 1, 3, 4, 5)  # 4 has no usage events, so dbt never records it
    assert find_late_batches(wh).batch_ids == (rawfiles.batch_id(2),)
    _processed(wh_env, 1, 2, 3, 5)
    # 4 has customers but no usage events: every build reads the other raw tables in full
    assert not find_late_batches(wh), "no usage events in 4: nothing is skipped"


def test_the_check_before_a_build_runs_without_pandas(tmp_path: Path) -> None:
    """It runs before every incremental `python -m warehouse.dbt build`: pandas (~0.3 s) stays out."""
    env = {**os.environ, "CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(tmp_path)}
    settings = make_settings(tmp_path)
    for index in (1, 3, 2):
        rawfiles.write_batch(settings.raw_dir, index)
    from warehouse.duckdb_backend import DuckDBWarehouse

    wh = DuckDBWarehouse(settings)
    wh.load_raw()
    _processed(WarehouseEnv(settings), 1, 3)
    check = (
        "import sys; from warehouse.config import get_settings; "
        "from warehouse.dbt import check_late_batches; "
        "print(check_late_batches(['build'], get_settings())); print('pandas' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["['build', '--full-refresh']", "False"], done.stdout


@pytest.mark.parametrize(
    ("args", "late", "expected", "says"),
    [
        (["build"], LATE, ["build", "--full-refresh"], "running `dbt build --full-refresh`"),
        (["run", "--threads", "1"], LATE, ["run", "--threads", "1", "--full-refresh"], "--full-refresh"),
        (["build"], LateBatches(), ["build"], None),
        (["build", "--full-refresh"], LATE, ["build", "--full-refresh"], None),
        (["build", "-f"], LATE, ["build", "-f"], None),
        (["test"], LATE, ["test"], None),
        (["build", "--select", "fct_faturas"], LATE, ["build", "--select", "fct_faturas"], "warning:"),
        (["run", "-s", "+fct_faturas"], LATE, ["run", "-s", "+fct_faturas"], "warning:"),
        (["build", "--select=dim_clientes"], LATE, ["build", "--select=dim_clientes"], "warning:"),
        (["build", "--exclude", "fct_tickets"], LATE, ["build", "--exclude", "fct_tickets"], "warning:"),
    ],
)
def test_with_late_batches(args: list[str], late: LateBatches, expected: list[str], says: str | None) -> None:
    run, message = with_late_batches(args, late)
    assert run == expected
    if says is None:
        assert message is None
    else:
        assert says in message and "b0002_2024-02" in message and "b0003_2024-03" in message


def test_load_notes_a_batch_loaded_out_of_order(tmp_path: Path) -> None:
    wh_env = WarehouseEnv(make_settings(tmp_path))
    env = _env(tmp_path)
    rawfiles.write_batch(wh_env.raw_dir, 1)
    rawfiles.write_batch(wh_env.raw_dir, 3)
    assert "out of order" not in _run(["warehouse", "load"], env)
    rawfiles.write_batch(wh_env.raw_dir, 2)
    quiet = _run(["warehouse", "load"], env)
    assert f"batch(es) {rawfiles.batch_id(2)} loaded out of order (after {rawfiles.batch_id(3)})" in quiet
    assert "no build has processed a newer batch yet, so the next build stays incremental" in quiet

    rawfiles.write_batch(wh_env.raw_dir, 5)
    assert "out of order" not in _run(["warehouse", "load"], env)
    _processed(wh_env, 1, 2, 3, 5)
    rawfiles.write_batch(wh_env.raw_dir, 4)
    loud = _run(["warehouse", "load"], env)
    assert f"batch(es) {rawfiles.batch_id(4)} loaded out of order (after {rawfiles.batch_id(5)})" in loud
    assert (
        f"the analytics models already processed {rawfiles.batch_id(5)}, so the next "
        "`python -m warehouse.dbt build` runs with --full-refresh" in loud
    )


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_", "GOOGLE_"))}
    return {
        **env,
        "CS_OPS_TARGET": "dev",
        "CS_OPS_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO_ROOT),
        **extra,
    }


def _run(args: list[str], env: dict[str, str], check: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exit {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
        )
    return done.stdout


# --- real dbt on a small generated history ----------------------------------------------------

BAD = "clientes/b0002_2024-02.parquet"  # the batch that fails validation first and is fixed later


def _dbt(data_dir: Path, *args: str) -> tuple[str, dict]:
    """`python -m warehouse.dbt <args>` as `just transform` runs it; its stdout and dbt's run args.

    The previous run's results and compiled SQL go first, so what is read is this run's; its
    partial parse stays (a full parse of the project takes ~9 CPU-s)."""
    target = data_dir / "dbt-target"
    (target / "run_results.json").unlink(missing_ok=True)
    shutil.rmtree(target / "run", ignore_errors=True)
    paths = ["--target-path", str(target), "--log-path", str(data_dir / "dbt-logs")]
    stdout = _run(["warehouse.dbt", *args, *paths], _env(data_dir))
    return stdout, json.loads((target / "run_results.json").read_text())["args"]


def _quality(data_dir: Path) -> pd.DataFrame:
    con = duckdb.connect(str(data_dir / "warehouse" / "cs_ops.duckdb"), read_only=True)
    try:
        frame = con.execute(
            "select table_name, batch_id, raw_rows, ledger_rows, clean_rows, duplicate_rows, "
            "quarantined_rows from cs_ops_analytics.fct_qualidade_dados order by table_name, batch_id"
        ).df()
        counts = {
            table: con.execute(f"select count(*) from cs_ops_analytics.{table}").fetchone()[0]
            for table in ("dim_clientes", "fct_faturas", "fct_eventos_uso", "fct_clientes_snapshot_mensal")
        }
    finally:
        con.close()
    return frame.assign(**{f"rows_{table}": n for table, n in counts.items()})


@pytest.fixture(scope="module")
def late_history(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = tmp_path_factory.mktemp("late-batch")
    env = _env(data_dir)
    _run(["generator", "--customers", "60", "--months", "3", "--quiet"], env)
    bad = data_dir / "raw" / BAD
    good = bad.read_bytes()
    bad.write_bytes(good[:-8])  # a truncated file: the whole batch fails validation
    failed = subprocess.run(
        [sys.executable, "-m", "warehouse", "load"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    # `run` where the dbt tests add nothing (they take a third of a build); `build` after the
    # late load, where assert_quality_reconciles must pass
    first_out, first_args = _dbt(data_dir, "run")
    bad.write_bytes(good)
    load_out = _run(["warehouse", "load"], env)
    late_out, late_args = _dbt(data_dir, "build")
    after_late = _quality(data_dir)
    again_out, again_args = _dbt(data_dir, "run")
    compiled = data_dir / "dbt-target" / "run" / "cs_ops_dbt" / "models" / "intermediate"
    again_sql = (compiled / f"{PROCESSED_MODELS['eventos_uso']}.sql").read_text().lower()
    full_out, full_args = _dbt(data_dir, "run", "--full-refresh")  # the clean full build
    late_counts = json.loads((data_dir / "raw" / "_batches" / "b0002_2024-02.json").read_text())["row_counts"]
    return {
        "late_counts": late_counts,
        "failed": failed,
        "first": (first_out, first_args),
        "load": load_out,
        "late": (late_out, late_args),
        "after_late": after_late,
        "again": (again_out, again_args),
        "again_sql": again_sql,
        "full": (full_out, full_args),
        "clean": _quality(data_dir),
    }


def test_bad_batch_left_a_gap(late_history: dict) -> None:
    failed = late_history["failed"]
    assert failed.returncode == 1 and BAD in failed.stderr
    first_out, first_args = late_history["first"]
    assert "late batch" not in first_out and not first_args.get("full_refresh")


def test_load_of_the_fixed_batch_says_the_next_build_is_a_full_refresh(late_history: dict) -> None:
    assert "loaded b0002_2024-02" in late_history["load"]
    assert "batch(es) b0002_2024-02 loaded out of order (after b0003_2024-03)" in late_history["load"]
    assert "runs with --full-refresh" in late_history["load"]


def test_late_batch_build_is_a_full_refresh_equal_to_a_clean_build(late_history: dict) -> None:
    late_out, late_args = late_history["late"]
    lines = [line for line in late_out.splitlines() if line.startswith("late batch(es)")]
    assert lines == [
        "late batch(es) b0002_2024-02 (eventos_uso): "
        "loaded after the analytics models had processed b0003_2024-03 "
        "(an incremental run reads only later batches and would skip them); running "
        "`dbt build --full-refresh` to rebuild every incremental model from all loaded batches"
    ]
    assert late_args.get("full_refresh") is True
    after_late, clean = late_history["after_late"], late_history["clean"]
    assert late_history["full"][1].get("full_refresh") is True
    # every non-empty file of the late batch is accounted for (the events only when processed)
    late_rows = after_late[after_late.batch_id == "b0002_2024-02"]
    non_empty = {table for table, rows in late_history["late_counts"].items() if rows > 0}
    assert "eventos_uso" in non_empty and sorted(late_rows.table_name) == sorted(non_empty)
    assert (late_rows.raw_rows == late_rows.ledger_rows).all() and (late_rows.raw_rows > 0).all()
    pd.testing.assert_frame_equal(after_late, clean, check_dtype=False)


def test_build_without_late_batches_stays_incremental(late_history: dict) -> None:
    again_out, again_args = late_history["again"]
    assert "late batch" not in again_out
    assert not again_args.get("full_refresh")
    assert "insert into" in late_history["again_sql"], "the incremental model was appended to, not rebuilt"
