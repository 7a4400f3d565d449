"""The warehouse: the only package that talks to DuckDB or BigQuery.

from warehouse import get_warehouse, get_settings
wh = get_warehouse()                    # backend from CS_OPS_TARGET
reader = get_warehouse(read_only=True)  # the app: the published snapshot (dev) / BigQuery (prod)
log = get_action_log()                  # the CS team's action log (app state, append-only)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from warehouse.action_log import ActionLog
from warehouse.config import ConfigError, Settings, get_settings

if TYPE_CHECKING:
    from warehouse.base import Warehouse

# The error types live beside the backends, which import pandas and pyarrow; load them
# lazily so `import warehouse.contract` (the generator) or `warehouse.config` stays light.
_LAZY = {
    "LoadError": "warehouse.base",
    "LoadResult": "warehouse.base",
    "NotPublishedError": "warehouse.base",
    "ReadOnlyError": "warehouse.base",
    "Warehouse": "warehouse.base",
    "WarehouseBusyError": "warehouse.base",
    "WarehouseError": "warehouse.base",
    "BadInputError": "warehouse.batches",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'warehouse' has no attribute {name!r}")


__all__ = [
    "BadInputError",
    "ConfigError",
    "LoadError",
    "LoadResult",
    "NotPublishedError",
    "ReadOnlyError",
    "Settings",
    "Warehouse",
    "WarehouseBusyError",
    "WarehouseError",
    "get_settings",
    "get_action_log",
    "get_warehouse",
]


def get_warehouse(settings: Settings | None = None, read_only: bool = False) -> Warehouse:
    """The warehouse for settings.target (dev = DuckDB, prod = BigQuery).

    read_only=True on dev reads the latest published snapshot with short-lived
    connections (never the build file); on prod it refuses writes.
    """
    settings = settings or get_settings()
    # only the chosen backend loads: google-cloud-bigquery or duckdb, each with pandas/pyarrow
    if settings.is_prod:
        from warehouse.bigquery_backend import BigQueryWarehouse

        return BigQueryWarehouse(settings, read_only=read_only)
    from warehouse.duckdb_backend import DuckDBReader, DuckDBWarehouse

    return DuckDBReader(settings) if read_only else DuckDBWarehouse(settings)


def get_action_log(settings: Settings | None = None):
    """The append-only action log on the backend of settings.target (see warehouse/action_log.py)."""
    return ActionLog(settings or get_settings())
