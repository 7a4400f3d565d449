"""Run dbt against the backend chosen by CS_OPS_TARGET.

`python -m warehouse.dbt build [dbt args...]` is `dbt build --target $CS_OPS_TARGET`
with the repo-root profiles and absolute data paths filled in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from warehouse.config import REPO_ROOT, ConfigError, Settings, dbt_env, get_settings

DBT_PROJECT_DIR = REPO_ROOT / "cs_ops_dbt"


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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv) or ["build"]
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return run_dbt(argv, settings, check=False)


if __name__ == "__main__":
    raise SystemExit(main())
