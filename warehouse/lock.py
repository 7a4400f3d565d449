"""One run writes a data dir at a time: the lock file `<data>/cs_ops.lock`.

Every command that writes the data dir (generate, load, dbt build, train, score,
publish, reset) takes an exclusive `flock` on the lock file and writes its pid and
command into it. A second one on the same data dir stops at once with one line naming
the running process, instead of waiting on DuckDB's lock or deleting the other run's
build file. The kernel releases the lock when the holder exits, even when it is killed,
so a stale lock file never blocks anyone.

A whole pipeline (`just dev`) holds the lock from its first step to its last:
`python -m warehouse.lock <command...>` takes it, runs the command with
`CS_OPS_LOCK_OWNER=<its pid>` in the environment, and the steps inside (which take the
lock too) see that their own pipeline holds it.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from warehouse.config import Settings, check_data_dir, get_settings

LOCK_OWNER_ENV = "CS_OPS_LOCK_OWNER"


class DataDirBusyError(RuntimeError):
    """Another run holds the data dir's lock; the message names it."""


def _holder(path: Path) -> dict[str, object]:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def held_by_parent(settings: Settings, env: dict[str, str] | None = None) -> bool:
    """True when a pipeline this process runs in holds the lock (CS_OPS_LOCK_OWNER names it)."""
    owner = (env if env is not None else os.environ).get(LOCK_OWNER_ENV, "")
    if not owner.isdigit():
        return False
    return _holder(settings.lock_path).get("pid") == int(owner) and _alive(int(owner))


def busy_message(settings: Settings) -> str:
    holder = _holder(settings.lock_path)
    who = f"pid {holder['pid']}" if holder.get("pid") else "another process"
    what = (
        f" (`{holder['command']}`, started {holder.get('started_at', '?')})" if holder.get("command") else ""
    )
    stop = f", or stop it with `kill {holder['pid']}`" if holder.get("pid") else ""
    return (
        f"data dir {settings.data_dir} is in use by {who}{what}: wait for it to finish{stop}; "
        "or set CS_OPS_DATA_DIR to another directory"
    )


@contextmanager
def data_dir_lock(
    command: str, settings: Settings | None = None, data_dir: str | None = None
) -> Iterator[None]:
    """Hold the data dir's lock for the block; DataDirBusyError at once if another run has it.

    `data_dir` (a command's `--data-dir`) replaces the settings' data dir.
    """
    settings = settings or get_settings()
    if data_dir:
        path = check_data_dir(Path(data_dir).expanduser().resolve(), "--data-dir")
        settings = dataclasses.replace(settings, data_dir=path)
    if held_by_parent(settings):
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataDirBusyError(busy_message(settings)) from None
        holder = {
            "pid": os.getpid(),
            "command": command,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # the file stays (deleting it would race with the next flock)
    finally:
        os.close(fd)  # releases the flock


def run_locked(command: Sequence[str], settings: Settings | None = None) -> int:
    """Run `command` holding the data dir's lock for all of it; its exit code."""
    with data_dir_lock(shlex.join(command), settings):
        env = {**os.environ, LOCK_OWNER_ENV: str(os.getpid())}
        child = subprocess.Popen(list(command), env=env)
        try:
            return child.wait()
        except KeyboardInterrupt:  # Ctrl-C reached the child too: let it finish its cleanup
            return child.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m warehouse.lock <command...>`: run a command holding the data dir's lock."""
    command = list(sys.argv[1:] if argv is None else argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("usage: python -m warehouse.lock <command...>", file=sys.stderr)
        return 2
    return run_locked(command)


if __name__ == "__main__":
    from warehouse import lock  # the module, not this __main__ copy: its error class is the one run_cli knows
    from warehouse.cli import run_cli

    raise SystemExit(run_cli(lock.main))
