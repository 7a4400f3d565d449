"""`python -m warehouse load|publish|info` and `python -m warehouse.emulator`, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import rawfiles

from warehouse.config import REPO_ROOT
from warehouse.emulator import VENV_DIR, home_dir, running_emulator


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_", "GOOGLE_"))}
    return {**env, "CS_OPS_DATA_DIR": str(data_dir), **extra}


def test_bad_target_exits_2_before_any_work(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    for command in ("load", "publish", "info"):
        done = _run(["warehouse", command], _env(data_dir, CS_OPS_TARGET="staging"))
        assert done.returncode == 2
        assert "CS_OPS_TARGET='staging' is not valid" in done.stderr
    assert not data_dir.exists(), "nothing was created"


def test_load_publish_info_on_dev(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = _env(data_dir, CS_OPS_TARGET="dev")
    rawfiles.write_batch(data_dir / "raw", 1)
    rawfiles.write_batch(data_dir / "raw", 2)
    total = sum(rawfiles.rows_for(t, i) for t in rawfiles.load_contract().tables for i in (1, 2))

    first = _run(["warehouse", "load"], env)
    assert first.returncode == 0, first.stderr
    assert f"2 new batch(es), {total:,} rows" in first.stdout
    again = _run(["warehouse", "load"], env)
    assert "0 new batch(es), 0 rows" in again.stdout

    published = _run(["warehouse", "publish"], env)
    assert published.returncode == 0 and "published" in published.stdout
    info = _run(["warehouse", "info"], env)
    assert info.returncode == 0, info.stderr
    clientes = rawfiles.rows_for("clientes", 1) + rawfiles.rows_for("clientes", 2)
    assert any(line.split()[:2] == ["clientes", str(clientes)] for line in info.stdout.splitlines())
    assert f"ledger: 2 batch(es) loaded, 14 file(s), {total:,} rows" in info.stdout
    assert "published snapshot: {'snapshot'" in info.stdout


def test_load_with_a_bad_batch_exits_1_and_names_the_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rawfiles.write_batch(data_dir / "raw", 1)
    bad = rawfiles.write_batch(data_dir / "raw", 2)
    (data_dir / "raw" / "nps_respostas" / f"{bad}.parquet").write_bytes(b"not parquet")
    rawfiles.refresh_checksum(data_dir / "raw", bad, "nps_respostas")
    done = _run(["warehouse", "load"], _env(data_dir, CS_OPS_TARGET="dev"))
    assert done.returncode == 1
    assert f"raw/nps_respostas/{bad}.parquet: not a readable Parquet file" in done.stderr
    assert f"loaded {rawfiles.batch_id(1)}" in done.stdout


@pytest.mark.prod
def test_load_and_info_on_the_emulator(tmp_path: Path, bq_emulator: str) -> None:
    data_dir = tmp_path / "data"
    rawfiles.write_batch(data_dir / "raw", 1)
    env = _env(
        data_dir, CS_OPS_TARGET="prod", GOOGLE_CLOUD_PROJECT="cli-project", BIGQUERY_EMULATOR_HOST=bq_emulator
    )
    done = _run(["warehouse", "load"], env)
    assert done.returncode == 0, done.stderr
    assert "1 new batch(es)" in done.stdout and "BigQuery project cli-project" in done.stdout
    info = _run(["warehouse", "info"], env)
    assert any(
        line.split()[:2] == ["clientes", str(rawfiles.rows_for("clientes", 1))]
        for line in info.stdout.splitlines()
    ), info.stdout
    assert "nothing to publish" in _run(["warehouse", "publish"], env).stdout


@pytest.mark.prod
def test_emulator_tooling(bq_emulator: str) -> None:
    with urllib.request.urlopen(f"{bq_emulator}/readyz", timeout=5) as response:
        assert response.status == 200
    assert list((home_dir(VENV_DIR) / ".duckdb" / "extensions").glob("*/*/spatial.duckdb_extension"))
    with running_emulator() as second:
        assert second != bq_emulator
        urllib.request.urlopen(f"{second}/readyz", timeout=5).close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{second}/readyz", timeout=2)
    help_text = _run(["warehouse.emulator", "--help"], _env(Path("/nonexistent")))
    assert help_text.returncode == 0 and "--port" in help_text.stdout


def test_reset_removes_the_dev_build_file_but_keeps_published_snapshots(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = _env(data_dir, CS_OPS_TARGET="dev")
    rawfiles.write_batch(data_dir / "raw", 1)
    assert _run(["warehouse", "load", "--publish"], env).returncode == 0
    build = data_dir / "warehouse" / "cs_ops.duckdb"
    assert build.exists()
    done = _run(["warehouse.reset"], env)
    assert done.returncode == 0 and "dev build reset" in done.stdout
    assert not build.exists()
    assert list((data_dir / "warehouse" / "published").glob("*.duckdb")), "readers keep their snapshot"
    again = _run(["warehouse", "load"], env)
    assert "1 new batch(es)" in again.stdout, "a reset warehouse reloads every batch"
