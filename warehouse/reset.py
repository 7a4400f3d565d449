"""`python -m warehouse.reset`: start the dev warehouse from scratch (before regenerating data).

Removes the DuckDB build file (and its WAL), so the next `load` rebuilds it from the raw
batches: the ledger would otherwise refuse regenerated files whose checksums changed.
Published snapshots are kept, so the app keeps serving the last state until the next
`publish`. On prod it does nothing: BigQuery datasets are never dropped by a script.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from warehouse.config import ConfigError, get_settings


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.is_prod:
        print("reset: nothing to do on prod (BigQuery datasets are kept; loads are idempotent)")
        return 0
    removed = []
    for path in (settings.duckdb_path, settings.duckdb_path.with_name(settings.duckdb_path.name + ".wal")):
        if path.exists():
            path.unlink()
            removed.append(str(path))
    print(f"reset: removed {', '.join(removed)}" if removed else "reset: no DuckDB build file yet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
