"""What every command line does with an error a person can fix: one line, exit code != 0.

Each CLI's `__main__` runs its `main` through `run_cli(main, lock=...)`:

* the configuration is read first (`warehouse.config`): a bad `CS_OPS_TARGET`, a `?` in
  `CS_OPS_DATA_DIR`, a bad memory limit stop before any work (exit 2);
* a command that writes the data dir holds its lock (`warehouse.lock`; exit 3 when
  another run has it);
* a full disk, a read-only or missing directory, a warehouse error: one line naming the
  path or variable and what to do (exit 1), wherever it is raised, including DuckDB's
  own I/O errors;
* anything else is a bug and keeps its traceback.

`--debug` (or `CS_OPS_DEBUG=1`) shows the traceback of every error instead.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from warehouse.config import ConfigError, Settings, get_settings
from warehouse.lock import DataDirBusyError, data_dir_lock

DEBUG_FLAG = "--debug"
DEBUG_ENV = "CS_OPS_DEBUG"
EXIT_ERROR, EXIT_CONFIG, EXIT_BUSY, EXIT_INTERRUPTED = 1, 2, 3, 130
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL_TEXT = ("no space left on device", "disk quota exceeded")
READ_ONLY_TEXT = ("read-only file system",)
PERMISSION_TEXT = ("permission denied",)
LOW_DISK_BYTES = 64 * 2**20  # after a failed subprocess (dbt): less free than this means the disk filled


def debug_requested(argv: list[str], strip: bool) -> bool:
    """--debug in argv (removed when `strip`, so the CLI's parser never sees it) or CS_OPS_DEBUG set."""
    flagged = DEBUG_FLAG in argv
    if flagged and strip:
        argv.remove(DEBUG_FLAG)
    return flagged or os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes"}


def _chain(exc: BaseException) -> list[BaseException]:
    """The error and the errors it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _where(exc: BaseException, settings: Settings | None) -> str:
    filename = getattr(exc, "filename", None)
    if filename:
        return str(filename)
    return str(settings.data_dir) if settings else "the data dir"


def _disk_full(where: str, settings: Settings | None) -> str:
    target = settings.data_dir if settings else Path(where).parent
    return (
        f"no space left on the disk while writing {where}: free space there (`df -h {target}`) or set "
        "CS_OPS_DATA_DIR to a disk with room, then run the command again (partial files are removed "
        "on the next run)"
    )


def disk_full_message(settings: Settings) -> str | None:
    """The disk-full line when the data dir's disk is (nearly) full, else None.

    For a subprocess that failed with its own output (dbt): says why in our words.
    """
    try:
        free = shutil.disk_usage(settings.data_dir).free
    except OSError:
        return None
    return _disk_full(str(settings.data_dir), settings) if free < LOW_DISK_BYTES else None


def describe(exc: BaseException, settings: Settings | None) -> tuple[str, int] | None:
    """The one line (and exit code) for an error a person can act on; None for a bug."""
    for error in _chain(exc):
        if isinstance(error, ConfigError):
            return str(error), EXIT_CONFIG
        if isinstance(error, DataDirBusyError):
            return str(error), EXIT_BUSY
        text = str(error).lower()
        if (isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS) or any(
            t in text for t in DISK_FULL_TEXT
        ):
            return _disk_full(_where(error, settings), settings), EXIT_ERROR
        if (isinstance(error, OSError) and error.errno == errno.EROFS) or any(
            t in text for t in READ_ONLY_TEXT
        ):
            return (
                f"{_where(error, settings)} is on a read-only file system: set CS_OPS_DATA_DIR to a "
                "writable directory",
                EXIT_ERROR,
            )
        if isinstance(error, PermissionError) or any(t in text for t in PERMISSION_TEXT):
            return (
                f"no permission to write {_where(error, settings)}: make it writable for this user "
                "(or set CS_OPS_DATA_DIR to a directory you own)",
                EXIT_ERROR,
            )
        if isinstance(error, NotADirectoryError | FileNotFoundError) and _under_data_dir(error, settings):
            return (
                f"{error.filename} does not exist or is not a directory: check CS_OPS_DATA_DIR "
                f"({settings.data_dir}) and run `just dev` to create its contents",
                EXIT_ERROR,
            )
    from warehouse.base import WarehouseError  # loads pyarrow: only once an error is explained

    if isinstance(exc, WarehouseError):
        return str(exc), EXIT_ERROR
    return None


def _under_data_dir(error: OSError, settings: Settings | None) -> bool:
    if settings is None or not error.filename:
        return False
    path = Path(str(error.filename))
    return path == settings.data_dir or settings.data_dir in path.parents or path in settings.data_dir.parents


def run_cli(main: Callable[[], int], lock: str | None = None, strip_debug: bool = True) -> int:
    """Run a CLI's `main` (holding the data dir's lock when `lock` names the command)."""
    debug = debug_requested(sys.argv, strip=strip_debug)
    settings: Settings | None = None
    try:
        settings = get_settings()
        if lock is None:
            return main()
        with data_dir_lock(lock, settings):
            return main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        described = describe(exc, settings)
        if described is None:
            raise
        message, code = described
        print(f"error: {message}", file=sys.stderr)
        return code
