"""The local BigQuery emulator (bqemulator), for running `prod` offline.

bqemulator needs duckdb 1.5.5 and its spatial extension, which clash with the project's
own duckdb, so it lives in a separate virtualenv `<repo>/.venv-bqemulator`, created on
demand from `requirements.txt` beside this file. The spatial extension is installed
offline from the `duckdb_extension_spatial` wheel into a HOME folder inside that
virtualenv, and the emulator always runs with that HOME (so it never looks online for it).

    python -m warehouse.emulator [--port 9050]    # foreground, prints the env to export

    with running_emulator() as endpoint:          # free loopback ports, stopped on exit
        ...  # BIGQUERY_EMULATOR_HOST=endpoint, GOOGLE_CLOUD_PROJECT=local-project
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from warehouse.config import REPO_ROOT

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
VENV_DIR = REPO_ROOT / ".venv-bqemulator"
PROJECT = "local-project"
READY_TIMEOUT = 90.0
# the sha256 of requirements.txt the venv was built from
MARKER = ".installed-requirements.sha256"


class EmulatorError(RuntimeError):
    """The emulator could not be installed or started; the message says why."""


def _bin(venv: Path, name: str) -> Path:
    return venv / "bin" / name


def home_dir(venv: Path = VENV_DIR) -> Path:
    """The HOME the emulator runs with: holds the offline-installed spatial extension."""
    return venv / "home"


def _requirements_digest() -> str:
    """Changes when the pins or the Python that builds the venv change (then it is rebuilt)."""
    return hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()


def ensure_venv(venv: Path = VENV_DIR, quiet: bool = True) -> Path:
    """Create (once) the emulator's virtualenv; returns the path of its `bqemulator` script.

    Safe to call from several processes at once (a file lock serialises the install).
    The venv is rebuilt when requirements.txt changes.
    """
    marker = venv / MARKER
    digest = _requirements_digest()
    if marker.is_file() and marker.read_text().strip() == digest and _bin(venv, "bqemulator").exists():
        return _bin(venv, "bqemulator")
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock_path = venv.parent / f"{venv.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text().strip() == digest and _bin(venv, "bqemulator").exists():
            return _bin(venv, "bqemulator")
        print(f"creating the BigQuery emulator virtualenv in {venv} (once) ...", file=sys.stderr, flush=True)
        if venv.exists():
            shutil.rmtree(venv)
        quiet_flag = ["--quiet"] if quiet else []
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [
                str(_bin(venv, "python")),
                "-m",
                "pip",
                "install",
                *quiet_flag,
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode != 0:
                raise EmulatorError(
                    f"installing the emulator failed: {' '.join(step)}\n"
                    f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
                )
        home = home_dir(venv)
        home.mkdir(parents=True, exist_ok=True)
        install_spatial = "from duckdb_extensions import import_extension; import_extension('spatial')"
        done = subprocess.run(
            [str(_bin(venv, "python")), "-c", install_spatial],
            env={**os.environ, "HOME": str(home)},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise EmulatorError(
                f"installing DuckDB's spatial extension offline failed:\n{done.stderr[-2000:]}"
            )
        marker.write_text(digest)
    return _bin(venv, "bqemulator")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(rest_port: int, grpc_port: int, venv: Path = VENV_DIR, project: str = PROJECT) -> list[str]:
    return [
        str(_bin(venv, "bqemulator")), "start",
        "--rest-host", "127.0.0.1", "--rest-port", str(rest_port),
        "--grpc-host", "127.0.0.1", "--grpc-port", str(grpc_port),
        "--ephemeral", "--project", project,
    ]  # fmt: skip


def environment(staging_dir: Path, venv: Path = VENV_DIR, gcs_root: Path | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BQEMU_")}
    env["HOME"] = str(home_dir(venv))
    env["BQEMU_UPLOAD_STAGING_DIR"] = str(staging_dir)
    if gcs_root is not None:  # `gs://bucket/x` is read from <gcs_root>/bucket/x
        env["BQEMU_GCS_LOCAL_ROOT"] = str(gcs_root)
    env.pop("VIRTUAL_ENV", None)
    return env


def wait_ready(
    endpoint: str, process: subprocess.Popen, timeout: float = READY_TIMEOUT, log: Path | None = None
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise EmulatorError(f"the emulator exited with code {process.returncode} while starting:\n{tail}")
        try:
            with urllib.request.urlopen(f"{endpoint}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise EmulatorError(f"the emulator at {endpoint} was not ready after {timeout:.0f}s")


def _die_with_parent() -> None:
    """In the child before exec (Linux): get SIGTERM when the parent dies, so no orphan is left."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a child process (kill it after 10 s), if it is still running."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def running_emulator(
    venv: Path = VENV_DIR, project: str = PROJECT, gcs_root: Path | None = None
) -> Iterator[str]:
    """Start the emulator on free loopback ports; yield its endpoint URL; stop it on exit.

    With `gcs_root`, load jobs read `gs://bucket/path` from `<gcs_root>/bucket/path`.
    """
    ensure_venv(venv)
    staging = Path(tempfile.mkdtemp(prefix="bqemulator-"))
    log = staging / "emulator.log"
    try:
        for attempt in range(3):  # a port picked as free can be taken before the emulator binds it
            rest_port, grpc_port = free_port(), free_port()
            endpoint = f"http://127.0.0.1:{rest_port}"
            upload_dir = staging / f"uploads-{attempt}"
            upload_dir.mkdir()
            with open(log, "ab") as log_handle:
                process = subprocess.Popen(
                    command(rest_port, grpc_port, venv, project),
                    env=environment(upload_dir, venv, gcs_root),
                    cwd=staging,
                    stdout=log_handle,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                )
            try:
                wait_ready(endpoint, process, log=log)
            except EmulatorError:
                stop_process(process)
                if attempt == 2:
                    raise
                continue
            try:
                yield endpoint
            finally:
                stop_process(process)
            return
    finally:
        shutil.rmtree(staging, ignore_errors=True)
