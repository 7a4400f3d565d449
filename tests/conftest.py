"""Shared fixtures, and what makes the suite safe to run in parallel.

`just test` runs `pytest -n auto` (pytest-xdist; `--dist loadfile` in pyproject's addopts):
one worker process per core, each test file on one worker, so a module-scoped fixture is
built once. Files with an `e2e` or `slow` test (a whole pipeline run, minutes of dbt runs)
are handed out first, so no worker is left alone with one at the end.
- `build_once(name, build)`: a directory that a session fixture builds once per test run
  and every worker then only reads (a pipeline run, a dbt build, a generated history):
  the first worker to ask builds it under a file lock, the others wait and reuse it.
  Without xdist it is an ordinary session directory.
- Every test process gets dbt target and log dirs of its own (DBT_TARGET_PATH,
  DBT_LOG_PATH): two workers' dbt runs never share cs_ops_dbt/target.
- `dev_build`: `just dev` at a small scale (DEV_ARGS), run once per test run and then only
  read: the app tests, the end-to-end checks and the release test start from it (a test
  that changes it works on a copy).
- `bq_emulator`: one local BigQuery emulator per test process (started on free loopback
  ports in its own virtualenv, stopped at the end); yields its endpoint URL, e.g. use it
  as BIGQUERY_EMULATOR_HOST with GOOGLE_CLOUD_PROJECT=local-project.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from warehouse.config import REPO_ROOT
from warehouse.emulator import PROJECT, running_emulator

BUILT_MARKER = ".built"
# the generator arguments of the shared `just dev` build (15 months: churners and actives)
DEV_ARGS = ["--customers", "160", "--months", "15", "--start", "2024-01", "--seed", "11"]


@pytest.fixture(scope="session")
def bq_emulator() -> Iterator[str]:
    with running_emulator() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def bq_emulator_project() -> str:
    """The project id the emulator serves by default."""
    return PROJECT


@pytest.fixture(scope="session", autouse=True)
def own_dbt_output_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """dbt subprocesses of this test process write their target/ and logs/ in a dir of its own."""
    where = tmp_path_factory.mktemp("dbt-output")
    saved = {name: os.environ.get(name) for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    os.environ["DBT_TARGET_PATH"] = str(where / "target")
    os.environ["DBT_LOG_PATH"] = str(where / "logs")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def build_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Callable[[Path], None]], Path]:
    """`build_once(name, build)` -> a dir that `build(dir)` filled once for the whole test run."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's temp dir, above every worker's own

    def shared(name: str, build: Callable[[Path], None]) -> Path:
        target = root / name
        with open(root / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not (target / BUILT_MARKER).exists():
                shutil.rmtree(target, ignore_errors=True)  # a build that failed half-way
                target.mkdir()
                build(target)
                (target / BUILT_MARKER).touch()
        return target

    return shared


def _just_dev(data_dir: Path) -> None:
    local = Path(sys.executable).with_name("just")  # rust-just in this virtualenv, else PATH's
    just = str(local) if local.exists() else (shutil.which("just") or "just")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_", "GOOGLE_"))}
    env |= {"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir)}
    done = subprocess.run([just, "dev", *DEV_ARGS], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    (data_dir / "just_dev.log").write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
    assert done.returncode == 0, f"just dev failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


@pytest.fixture(scope="session")
def dev_args() -> list[str]:
    """The generator arguments of `dev_build`."""
    return list(DEV_ARGS)


@pytest.fixture(scope="session")
def dev_build(build_once) -> Path:
    """A data dir after `just dev` with DEV_ARGS (built once per test run; read-only)."""
    return build_once("just-dev", _just_dev)


def _long_first(item: pytest.Item) -> tuple[bool, bool]:
    """e2e and slow files first, and in them the tests on the emulator (`prod`) first."""
    long_file = item.get_closest_marker("e2e") or item.get_closest_marker("slow")
    return not long_file, not (long_file and item.get_closest_marker("prod"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first (a stable sort: the rest keeps its order); with --no-loadscope-reorder
    xdist hands out the files in this order. A worker is handed its next file when two tests
    of its current one are left: a long build in a file's last test would have it take a
    second long file before starting that build, while the other worker runs out of work."""
    items.sort(key=_long_first)
