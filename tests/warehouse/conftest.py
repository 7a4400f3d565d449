"""Fixtures for the warehouse tests: one test body, both backends.

`wh_env` is parametrised over `dev` (a DuckDB file in tmp_path) and `prod` (the session's
BigQuery emulator, with datasets unique to the test so tests never see each other's data).
The helpers live in warehouse_envs.py (a module name of its own: every test folder has a
conftest, so `from conftest import` would depend on which one was imported first).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from warehouse_envs import WarehouseEnv, make_settings


@pytest.fixture(params=["dev", pytest.param("prod", marks=pytest.mark.prod)])
def wh_env(request: pytest.FixtureRequest, tmp_path: Path) -> WarehouseEnv:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    endpoint = request.getfixturevalue("bq_emulator") if request.param == "prod" else None
    return WarehouseEnv(make_settings(data_dir, endpoint))
