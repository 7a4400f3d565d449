"""`python -m warehouse.reset`: start the dev build from scratch.

Removes the DuckDB build file (raw loads + dbt output) so a new generator run can be
loaded. Published snapshots stay, so a running app keeps serving the last data until
the next publish. Refuses on prod: BigQuery datasets are never dropped by a recipe.
"""

from __future__ import annotations

import shutil

from warehouse.cli import run_cli
from warehouse.config import ConfigError, get_settings


def reset_build() -> bool:
    """Delete the dev build file and its WAL; returns whether anything was removed."""
    settings = get_settings()
    if settings.is_prod:
        raise ConfigError("warehouse.reset only resets the local DuckDB build (CS_OPS_TARGET=dev).")
    removed = False
    for path in (settings.duckdb_path, settings.duckdb_path.with_suffix(".duckdb.wal")):
        if path.exists():
            path.unlink()
            removed = True
    if settings.duckdb_temp_dir.is_dir():  # spill files a killed run left behind
        shutil.rmtree(settings.duckdb_temp_dir)
    return removed


def main() -> int:
    removed = reset_build()
    print("dev build reset" if removed else "dev build already empty")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main, lock="python -m warehouse.reset"))
