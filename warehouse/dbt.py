"""Run dbt against the backend chosen by CS_OPS_TARGET.

`python -m warehouse.dbt build [dbt args...]` is `dbt build --target $CS_OPS_TARGET`
with the repo-root profiles and absolute data paths filled in.

Before a `build` or `run` of the whole project it checks for batches loaded too late
for the incremental models (`warehouse.late_batches`) and then adds `--full-refresh`,
saying why in one line. With `--full-refresh` given there is nothing to check; with a
node selection (`--select`, `--exclude`, ...) nothing is added, only a warning printed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.cli import disk_full_message, run_cli
from warehouse.config import REPO_ROOT, Settings, dbt_env, get_settings
from warehouse.lock import data_dir_lock

if TYPE_CHECKING:
    from warehouse.late_batches import LateBatches

DBT_PROJECT_DIR = REPO_ROOT / "cs_ops_dbt"
INCREMENTAL_COMMANDS = {"build", "run"}  # the commands that write incremental models
FULL_REFRESH_FLAGS = {"--full-refresh", "-f"}
UNLOCKED_COMMANDS = {
    "parse",
    "--version",
    "deps",
    "clean",
    "list",
    "ls",
    "--help",
    "-h",
}  # never open the build
SELECTION_FLAGS = {"-s", "-m", "--select", "--models", "--model", "--exclude", "--selector"}


def project_var(name: str) -> object:
    """A `vars:` value of cs_ops_dbt/dbt_project.yml (the one place a business threshold is set)."""
    import yaml

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"][name]


def dbt_command(args: Sequence[str], settings: Settings) -> list[str]:
    local = Path(sys.executable).with_name("dbt")
    dbt = str(local) if local.exists() else (shutil.which("dbt") or "dbt")
    command = [dbt, *args]
    if args and args[0] not in {"--version", "clean", "deps"}:
        command += ["--target", settings.target]
    command += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(REPO_ROOT)]
    return command


def run_dbt(args: Sequence[str], settings: Settings | None = None, check: bool = True) -> int:
    """Run one dbt command; returns its exit code (raises on failure when check)."""
    settings = settings or get_settings()
    if settings.target == "dev":
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    command = dbt_command(args, settings)
    completed = subprocess.run(command, env=dbt_env(settings), cwd=DBT_PROJECT_DIR)
    if check and completed.returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed (exit {completed.returncode}) on {settings.describe()}"
        )
    return completed.returncode


def _given(args: Sequence[str], flags: set[str]) -> bool:
    return any(arg in flags or arg.split("=", 1)[0] in flags for arg in args)


def needs_late_batch_check(args: Sequence[str]) -> bool:
    """A build/run without --full-refresh: late batches would be skipped silently."""
    return bool(args) and args[0] in INCREMENTAL_COMMANDS and not _given(args, FULL_REFRESH_FLAGS)


def with_late_batches(args: Sequence[str], late: LateBatches) -> tuple[list[str], str | None]:
    """The dbt arguments to run given the late batches found, and the line to print (or None).

    A whole-project build or run gets `--full-refresh`; a node selection is left as given
    (refreshing only part of the project would not fix the rest) with a warning instead.
    """
    args = list(args)
    if not late or not needs_late_batch_check(args):
        return args, None
    if _given(args, SELECTION_FLAGS):
        return args, (
            f"warning: {late.describe()}; this {args[0]} selects nodes, so no --full-refresh is "
            f"added and the incremental models it runs skip them: run "
            f"`python -m warehouse.dbt {args[0]} --full-refresh`"
        )
    return [*args, "--full-refresh"], (
        f"{late.describe()}; running `dbt {args[0]} --full-refresh` to rebuild every incremental "
        "model from all loaded batches"
    )


def check_late_batches(args: Sequence[str], settings: Settings) -> list[str]:
    """`args`, with --full-refresh added when late batches need it; prints why."""
    if not needs_late_batch_check(args):
        return list(args)
    # the backends (pandas, duckdb / google-cloud) load only for a check that runs: a full
    # refresh or any other dbt command starts without them
    from warehouse import get_warehouse
    from warehouse.base import WarehouseError
    from warehouse.late_batches import find_late_batches

    try:
        late = find_late_batches(get_warehouse(settings))
    except WarehouseError as exc:
        print(f"warning: could not check for late batches ({exc}); running dbt as asked", flush=True)
        return list(args)
    args, message = with_late_batches(args, late)
    if message:
        print(message, flush=True)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv) or ["build"]
    settings = get_settings()
    if argv[0] in UNLOCKED_COMMANDS:
        return run_dbt(argv, settings, check=False)
    with data_dir_lock(f"python -m warehouse.dbt {argv[0]}", settings):
        status = run_dbt(check_late_batches(argv, settings), settings, check=False)
    full = disk_full_message(settings) if status != 0 else None
    if full:
        print(f"error: {full}", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(run_cli(main, strip_debug=False))  # dbt has a --debug of its own
