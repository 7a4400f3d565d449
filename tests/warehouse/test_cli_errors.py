"""Every CLI, as a person runs it: one line they can act on, exit code != 0, no traceback.

Bad configuration, a `?` in the data dir, another run on the same data dir (the lock),
a read-only data dir and a full disk. The disk cases mount a real small tmpfs in a
private mount namespace (`unshare -m`, needs root; skipped elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rawfiles

from warehouse.config import REPO_ROOT

CLIS = {
    "generator": ["generator", "--customers", "20", "--months", "2", "--quiet"],
    "warehouse": ["warehouse", "load"],
    "warehouse.dbt": ["warehouse.dbt", "build"],
    "ml": ["ml", "score"],
    "app.report": ["app.report"],
}


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_", "GOOGLE_"))}
    return {**env, "CS_OPS_DATA_DIR": str(data_dir), **extra}


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("cli", sorted(CLIS))
def test_a_bad_target_is_one_line_naming_the_variable(cli: str, tmp_path: Path) -> None:
    done = _run(CLIS[cli], _env(tmp_path / "data", CS_OPS_TARGET="staging"))
    assert done.returncode == 2
    assert "CS_OPS_TARGET='staging' is not valid" in _one_line_error(done)


@pytest.mark.parametrize("cli", sorted(CLIS))
def test_a_question_mark_in_the_data_dir_is_refused_before_any_work(cli: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "what?now"
    done = _run(CLIS[cli], _env(data_dir))
    line = _one_line_error(done)
    assert "CS_OPS_DATA_DIR" in line and str(data_dir) in line and "'?'" in line
    assert not data_dir.exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = _run(["warehouse", "load", "--debug"], _env(tmp_path / "d?", CS_OPS_TARGET="dev"))
    assert done.returncode != 0 and "Traceback" in done.stderr and "ConfigError" in done.stderr
    done = _run(["ml", "score"], _env(tmp_path / "d?", CS_OPS_DEBUG="1"))
    assert done.returncode != 0 and "Traceback" in done.stderr


# ---------------------------------------------------------------- one run per data dir

HOLD = "import time; print('holding', flush=True); time.sleep(120)"


def _hold(data_dir: Path) -> subprocess.Popen[str]:
    """`python -m warehouse.lock` holding the data dir's lock (for 120 s), once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-m", "warehouse.lock", sys.executable, "-c", HOLD],
        cwd=REPO_ROOT,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.fixture
def held_data_dir(tmp_path: Path):
    """A data dir whose lock a running `python -m warehouse.lock` holds; yields (dir, holder pid)."""
    data_dir = tmp_path / "data"
    holder = _hold(data_dir)
    try:
        yield data_dir, holder.pid
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("cli", ["generator", "warehouse", "warehouse.dbt", "ml"])
def test_a_second_run_on_the_data_dir_stops_at_once_naming_the_first(cli: str, held_data_dir) -> None:
    data_dir, pid = held_data_dir
    done = _run(CLIS[cli], _env(data_dir))
    assert done.returncode == 3
    line = _one_line_error(done)
    assert f"in use by pid {pid}" in line and f"kill {pid}" in line and str(data_dir) in line
    assert not (data_dir / "raw").exists() and not (data_dir / "warehouse").exists(), "no work was done"


def test_a_second_just_dev_stops_at_once(held_data_dir) -> None:
    data_dir, pid = held_data_dir
    just = Path(sys.executable).with_name("just")
    done = subprocess.run(
        [str(just) if just.exists() else "just", "dev", "--customers", "20", "--months", "2"],
        cwd=REPO_ROOT,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert f"error: data dir {data_dir} is in use by pid {pid}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (data_dir / "raw").exists()


def test_the_steps_of_a_locked_pipeline_run_and_the_lock_ends_with_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    done = _run(["warehouse.lock", sys.executable, "-m", "warehouse.reset"], _env(data_dir))
    assert done.returncode == 0, done.stderr
    assert "dev build already empty" in done.stdout
    assert (data_dir / "cs_ops.lock").read_text() == "", "the holder is cleared when it ends"
    assert _run(["warehouse.reset"], _env(data_dir)).returncode == 0, "nobody holds it any more"


def test_a_lock_left_by_a_killed_run_does_not_block(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    holder = _hold(data_dir)
    holder.kill()  # SIGKILL: no cleanup ran; the file still names it
    holder.wait()
    assert json.loads((data_dir / "cs_ops.lock").read_text())["pid"] == holder.pid
    done = _run(["warehouse.reset"], _env(data_dir))
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- read-only and full disks


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and unshare -m to mount a small tmpfs")


def _on_small_disk(
    mount: Path, options: str, script: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a bash script with a fresh tmpfs (mount options `options`) at `mount`, in a private
    mount namespace: the mount ends with the script, nothing to clean up."""
    mount.mkdir(parents=True, exist_ok=True)
    wrapped = f"mount -t tmpfs -o {options} tmpfs {mount} && cd {REPO_ROOT} && {script}"
    return subprocess.run(
        ["unshare", "-m", "bash", "-c", wrapped], env=env, capture_output=True, text=True, timeout=300
    )


@needs_mount
@pytest.mark.parametrize("cli", sorted(CLIS))
def test_a_read_only_data_dir_is_one_line(cli: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "ro"
    args = " ".join(CLIS[cli])
    done = _on_small_disk(data_dir, "ro,size=1m", f"{sys.executable} -m {args}", _env(data_dir))
    line = _one_line_error(done)
    if cli == "app.report":  # a reader: nothing published there
        assert "no published release" in line and "just dev" in line
    else:
        assert "read-only file system" in line and str(data_dir) in line and "CS_OPS_DATA_DIR" in line


@pytest.mark.parametrize("args", [["ml", "train"], ["ml", "score"], ["app.report"]])
def test_a_reader_on_a_missing_data_dir_creates_no_build_file(args: list[str], tmp_path: Path) -> None:
    data_dir = tmp_path / "never-built"
    line = _one_line_error(_run(args, _env(data_dir)))
    assert "just" in line, line  # names the command to run first
    assert not list(data_dir.rglob("*.duckdb")), "a reader must not create an empty build file"


@needs_mount
def test_a_missing_data_dir_under_a_read_only_parent_is_one_line(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    data_dir = parent / "not" / "there"
    done = _on_small_disk(parent, "ro,size=1m", f"{sys.executable} -m warehouse load", _env(data_dir))
    line = _one_line_error(done)
    assert "read-only file system" in line and str(parent / "not") in line


FILL = 'head -c $(( $(stat -f -c "%a*%S" {dir}) - {left} )) /dev/zero > {dir}/filler 2>/dev/null || true'


@needs_mount
def test_a_full_disk_during_generate_is_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "small"
    done = _on_small_disk(
        data_dir,
        "size=2m",
        f"{sys.executable} -m generator --customers 400 --months 13 --quiet",
        _env(data_dir),
    )
    line = _one_line_error(done)
    assert "no space left on the disk" in line and str(data_dir) in line and "df -h" in line


@needs_mount
def test_a_full_disk_during_load_is_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "small"
    source = tmp_path / "raw-source"
    for index in range(1, 4):
        rawfiles.write_batch(source / "raw", index)
    fill = FILL.format(dir=data_dir, left=64 * 1024)
    script = f"cp -r {source / 'raw'} {data_dir}/raw && {fill} && {sys.executable} -m warehouse load"
    done = _on_small_disk(data_dir, "size=8m", script, _env(data_dir))
    line = _one_line_error(done)
    assert "no space left on the disk" in line and "CS_OPS_DATA_DIR" in line


WRITE_SCORES = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from warehouse import get_warehouse
    wh = get_warehouse()
    if sys.argv[1] == "setup":
        wh.ensure_datasets()
        raise SystemExit(0)
    frame = pd.DataFrame({"customer_id": [f"c{i:09d}-{i * 7919}" for i in range(400_000)], "p": 0.5})
    try:
        wh.write_table(frame, "churn_scores")
    except Exception as exc:
        print(type(exc).__name__, exc)
    """
)


@needs_mount
def test_a_full_disk_while_writing_scores_reports_the_disk_not_the_rollback(tmp_path: Path) -> None:
    data_dir = tmp_path / "small"
    program = tmp_path / "write_scores.py"
    program.write_text(WRITE_SCORES)
    fill = FILL.format(dir=data_dir, left=1024 * 1024)
    script = f"{sys.executable} {program} setup && {fill} && {sys.executable} {program} write"
    done = _on_small_disk(data_dir, "size=16m", script, _env(data_dir))
    assert done.returncode == 0, done.stderr
    assert "no space left on device" in done.stdout.lower(), done.stdout + done.stderr
    assert "no transaction is active" not in done.stdout
