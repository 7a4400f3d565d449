"""Run dbt against the backend chosen by CS_OPS_TARGET.

`python -m warehouse.dbt build [dbt args...]` is `dbt build --target $CS_OPS_TARGET`
with the repo-root profiles and absolute data paths filled in.

Before a `build` or `run` of the whole project it checks for batches loaded too late
for the incremental models (`warehouse.late_batches`) and then adds `--full-refresh`,
saying why in one line. With `--full-refresh` given there is nothing to check; with a
node selection (`--select`, `--exclude`, ...) nothing is added, only a warning printed.

dbt runs in this process: a `build` or `run` parses the project first, gives every
incremental model its fingerprint and marks for a full refresh the ones whose stored
rows were written by other code (`warehouse.dbt_fingerprints`, one line each), then
builds from that same parse.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml

from warehouse import get_warehouse
from warehouse.cli import disk_full_message, run_cli
from warehouse.config import REPO_ROOT, Settings, dbt_env, get_settings
from warehouse.dbt_fingerprints import (
    META_COMPONENTS,
    META_FINGERPRINT,
    components,
    fingerprint,
    incremental_models,
    read_stored,
    stale_models,
)
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
# flags of a build that the parse before it needs too (each takes a value). The parse
# writes the same log file first: with the build's log flags, or its default 10 MB
# rollover would move what earlier runs logged to dbt.log.1 (and beyond five, drop it)
PARSE_FLAGS = {
    "--target-path", "--log-path", "--vars", "--profile",
    "--log-format-file", "--log-file-max-bytes", "--log-level-file",
}  # fmt: skip


def project_var(name: str) -> object:
    """A `vars:` value of cs_ops_dbt/dbt_project.yml (the one place a business threshold is set)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"][name]


def dbt_command(args: Sequence[str], settings: Settings) -> list[str]:
    """The dbt arguments: `args` with the target, the project and the profiles filled in."""
    command = list(args)
    if args and args[0] not in {"--version", "clean", "deps"}:
        command += ["--target", settings.target]
    return [*command, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(REPO_ROOT)]


def _values_of(args: Sequence[str], flags: set[str]) -> list[str]:
    """The `flags` given in `args` with their values (`--flag value` or `--flag=value`)."""
    kept: list[str] = []
    for index, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in flags:
            kept += [arg] if "=" in arg else [arg, *args[index + 1 : index + 2]]
    return kept


def project_vars(args: Sequence[str]) -> dict[str, Any]:
    """The vars dbt will use: dbt_project.yml's, overridden by `--vars`."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    variables = dict(project.get("vars") or {})
    given = _values_of(args, {"--vars"})
    if given:
        variables.update(yaml.safe_load(given[-1].split("=", 1)[1] if "=" in given[0] else given[-1]) or {})
    return variables


def mark_stale_models(manifest: Any, args: Sequence[str], settings: Settings) -> None:
    """Give each incremental model its fingerprint (stored by its post-hook) and mark for a
    full refresh those whose stored fingerprint differs, printing why."""
    variables = project_vars(args)
    adapter = "bigquery" if settings.is_prod else "duckdb"
    nodes = {node.name: node for node in incremental_models(manifest).values()}
    current = {name: components(manifest, node.unique_id, variables, adapter) for name, node in nodes.items()}
    for name, node in nodes.items():
        node.config.meta[META_FINGERPRINT] = fingerprint(current[name])
        node.config.meta[META_COMPONENTS] = json.dumps(current[name], sort_keys=True)
    if _given(args, FULL_REFRESH_FLAGS) or (not settings.is_prod and not settings.duckdb_path.exists()):
        return
    wh = get_warehouse(settings)
    for stale in stale_models(current, read_stored(wh), wh.existing_tables(current)):
        print(stale.describe(), flush=True)
        nodes[stale.model].config.full_refresh = True


def run_dbt(args: Sequence[str], settings: Settings | None = None, check: bool = True) -> int:
    """Run one dbt command in this process; returns its exit code (raises on failure when check)."""
    from dbt.cli.main import dbtRunner  # ~1 s to import: ml/ reads project_var from this module

    settings = settings or get_settings()
    if settings.target == "dev":
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(dbt_env(settings))
    os.chdir(DBT_PROJECT_DIR)
    runner = dbtRunner()
    if args and args[0] in INCREMENTAL_COMMANDS:
        parsed = runner.invoke(dbt_command(["parse", "--quiet", *_values_of(args, PARSE_FLAGS)], settings))
        if not parsed.success:
            return _exit_code(parsed, args, settings, check)
        mark_stale_models(parsed.result, args, settings)
        runner = dbtRunner(manifest=parsed.result)
    return _exit_code(runner.invoke(dbt_command(args, settings)), args, settings, check)


def _exit_code(result: Any, args: Sequence[str], settings: Settings, check: bool) -> int:
    """dbt's own exit codes: 0 done, 1 a node failed, 2 dbt itself failed."""
    code = 0 if result.success else (1 if result.exception is None else 2)
    if check and code != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {code}) on {settings.describe()}")
    return code


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
