"""A build killed with `kill -9` at any model boundary, then one plain rerun, gives exactly
the tables of an uninterrupted build.

The hand-made fixture built up to its third batch, then the fourth batch loaded: the
state an incremental build starts from. For every model of the project (enumerated from
the manifest of that build, not a sample) an incremental `python -m warehouse.dbt run
--threads 1` is killed with SIGKILL the moment dbt reports that model done (with one
thread nothing else is running, so the kill lands on the boundary after it), then a
plain `python -m warehouse.dbt build` runs; every table and view of cs_ops_analytics
must then hold the rows of the uninterrupted build (row counts and checksums).
The models are split in shards so pytest-xdist can run them side by side.
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
SHARDS = 4
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


def run_until_done(data_dir: Path, model: str) -> None:
    """An incremental run on one thread, killed with SIGKILL as soon as `model` is reported done."""
    paths = ["--target-path", str(data_dir / "dbt-target"), "--log-path", str(data_dir / "dbt-logs")]
    env = {**environment(data_dir), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "warehouse.dbt", "run", "--threads", "1", *paths]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    seen = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            match = DONE.search(line)
            if match:
                seen.append(match.group(1))
                if match.group(1) == model:
                    os.kill(process.pid, signal.SIGKILL)
                    break
    finally:
        process.wait(timeout=600)
    assert process.returncode == -signal.SIGKILL, f"{model} never reported done; done: {seen}"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_at_every_model_boundary_then_rerun_equals_an_uninterrupted_build(
    before_the_batch: Path, uninterrupted: dict, tmp_path: Path, shard: int
) -> None:
    models = uninterrupted["models"]
    assert len(models) > 40
    differences = {}
    for model in models[shard::SHARDS]:
        data_dir = tmp_path / model
        shutil.copytree(before_the_batch, data_dir)
        run_until_done(data_dir, model)
        dbt(data_dir, "build")
        after = table_checksums(data_dir)
        wrong = sorted(t for t in uninterrupted["checksums"] if after.get(t) != uninterrupted["checksums"][t])
        if wrong or set(after) != set(uninterrupted["checksums"]):
            differences[model] = wrong or sorted(set(after) ^ set(uninterrupted["checksums"]))
        shutil.rmtree(data_dir)
    assert not differences, f"killed after these models, the rerun differs in: {differences}"
