"""A build killed with `kill -9` at any model boundary, then one plain rerun, gives exactly
the tables of an uninterrupted build.

The hand-made fixture built up to its third batch, then the fourth batch loaded: the
state an incremental build starts from. One incremental `python -m warehouse.dbt run
--threads 1` runs from there; the moment dbt reports a model done (with one thread
nothing else is running) the process is frozen with SIGSTOP, its warehouse files are
copied and it is resumed. A frozen process writes nothing, so each copy holds exactly the
files a SIGKILL at that moment leaves behind (a killed process loses only its memory;
what it wrote is in the files either way); one run gives the crash state after every
model (enumerated from the manifest, not a sample) instead of one killed run per model.
From each state a plain `python -m warehouse.dbt run` (no --full-refresh) runs; every
table and view of cs_ops_analytics must then hold the rows of the uninterrupted build
(row counts and checksums). A rerun builds the models as `build` would and leaves out
dbt's tests: the uninterrupted build runs every test once, and a rerun whose tables hold
its rows would pass them all (unit tests check model SQL on given rows, whatever the
database holds). All reruns use one data dir path, so dbt parses the project once and
reuses it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import raw_fixture
from dbt_runs import REPO, dbt, duckdb_path, environment, table_checksums

B3, B4 = raw_fixture.BATCHES[2][0], raw_fixture.BATCHES[3][0]
pytestmark = pytest.mark.slow
SHARDS = 4  # the models in 4 tests: a failure shows early, the rest still runs
DONE = re.compile(r"\bOK created sql \w+ model \w+\.(\w+)\b")


@pytest.fixture(scope="module")
def before_the_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built up to the third batch, with the fourth loaded since: an incremental build's start."""
    data_dir = tmp_path_factory.mktemp("crash-start")
    full = data_dir / "full_history.duckdb"
    raw_fixture.write_fixture(full)
    db = duckdb_path(data_dir)
    db.parent.mkdir(parents=True)
    shutil.copy(full, db)
    raw_fixture.keep_batches_up_to(db, B3, full)
    dbt(data_dir, "run")
    raw_fixture.keep_batches_up_to(db, B4, full)
    return data_dir


@pytest.fixture(scope="module")
def uninterrupted(before_the_batch: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = tmp_path_factory.mktemp("crash-reference")
    shutil.copytree(before_the_batch, data_dir, dirs_exist_ok=True)
    dbt(data_dir, "build")
    manifest = json.loads((data_dir / "dbt-target" / "manifest.json").read_text())
    models = sorted(node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model")
    return {"models": models, "checksums": table_checksums(data_dir)}


@pytest.fixture(scope="module")
def crash_states(before_the_batch: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Model -> a copy of the warehouse files as they were when dbt reported that model done."""
    data_dir = tmp_path_factory.mktemp("crash-run")
    shutil.copytree(before_the_batch, data_dir, dirs_exist_ok=True)
    states = tmp_path_factory.mktemp("crash-states")
    paths = ["--target-path", str(data_dir / "dbt-target"), "--log-path", str(data_dir / "dbt-logs")]
    env = {**environment(data_dir), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "warehouse.dbt", "run", "--threads", "1", *paths]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    copies = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:
            match = DONE.search(line)
            if match:
                os.kill(process.pid, signal.SIGSTOP)
                try:
                    copies[match.group(1)] = shutil.copytree(
                        duckdb_path(data_dir).parent, states / match.group(1)
                    )
                finally:
                    os.kill(process.pid, signal.SIGCONT)
    finally:
        process.wait(timeout=600)
    assert process.returncode == 0, f"the incremental run failed; models done: {sorted(copies)}"
    return copies


@pytest.fixture(scope="module")
def rerun_dir(before_the_batch: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one data dir every rerun uses (its dbt target dir, and so dbt's parse, is kept)."""
    data_dir = tmp_path_factory.mktemp("crash-rerun")
    shutil.copytree(before_the_batch, data_dir, dirs_exist_ok=True)
    return data_dir


def rerun_from(state: Path, data_dir: Path) -> dict[str, tuple[int, int]]:
    """Put the crash state's warehouse files in place, run a plain rerun, return the checksums."""
    warehouse_dir = duckdb_path(data_dir).parent
    shutil.rmtree(warehouse_dir)
    shutil.copytree(state, warehouse_dir)
    dbt(data_dir, "run")
    return table_checksums(data_dir)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_at_every_model_boundary_then_rerun_equals_an_uninterrupted_build(
    uninterrupted: dict, crash_states: dict[str, Path], rerun_dir: Path, shard: int
) -> None:
    models = uninterrupted["models"]
    assert len(models) > 40
    assert set(crash_states) == set(models), f"never reported done: {sorted(set(models) - set(crash_states))}"
    expected = uninterrupted["checksums"]
    differences = {}
    for model in models[shard::SHARDS]:
        after = rerun_from(crash_states[model], rerun_dir)
        wrong = sorted(t for t in expected if after.get(t) != expected[t])
        if wrong or set(after) != set(expected):
            differences[model] = wrong or sorted(set(after) ^ set(expected))
    assert not differences, f"killed after these models, the rerun differs in: {differences}"
