"""Fixtures for the app tests: a real tiny pipeline run, and AppTest helpers.

The app reads the session's `dev_build` (tests/conftest.py): real data from `just dev`
(generate -> load -> dbt build -> train -> score, which publishes), built once per test
run. Set CS_OPS_APP_TEST_DATA_DIR=<dir> to reuse a data dir already built that way, of any
size (e.g. the 100M-event scale build): the app tests only read it (`app_data`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from app_helpers import linked_data_dir

# Bare `pytest` (unlike `python -m pytest` / `just test`) does not put the repo root on
# sys.path, and tests/warehouse/ (no __init__.py) then shadows the real `warehouse` package as
# a namespace package without get_warehouse. Put the repo first and re-import it for real.
_REPO = str(Path(__file__).resolve().parents[2])
if sys.path[0] != _REPO:
    sys.path.insert(0, _REPO)
if "warehouse" in sys.modules and getattr(sys.modules["warehouse"], "__file__", None) is None:
    for _name in [m for m in sys.modules if m == "warehouse" or m.startswith("warehouse.")]:
        del sys.modules[_name]


@pytest.fixture(scope="session")
def built_data_dir(request: pytest.FixtureRequest) -> Path:
    """A data dir holding a published warehouse snapshot and a trained model, built by the real
    pipeline once per test run (shared by every xdist worker; tests copy it before changing it)."""
    reuse = os.environ.get("CS_OPS_APP_TEST_DATA_DIR")
    if reuse:
        return Path(reuse)
    return request.getfixturevalue("dev_build")


def _reset_caches() -> None:
    import streamlit as st

    from warehouse.config import get_settings

    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def use_data_dir(monkeypatch):
    """Point the app (in this process) at a data dir, with fresh settings and caches."""

    def point(data_dir: Path) -> Path:
        monkeypatch.setenv("CS_OPS_TARGET", "dev")
        monkeypatch.setenv("CS_OPS_DATA_DIR", str(data_dir))
        _reset_caches()
        return data_dir

    yield point
    _reset_caches()


@pytest.fixture(scope="session")
def app_data_dir(built_data_dir, tmp_path_factory) -> Path:
    """The built data dir as the app sees it, with an action log of this test process only."""
    return linked_data_dir(built_data_dir, tmp_path_factory.mktemp("app-data"))


@pytest.fixture
def app_data(app_data_dir, use_data_dir) -> Path:
    return use_data_dir(app_data_dir)


@pytest.fixture
def reader(app_data):
    from warehouse import get_warehouse

    return get_warehouse(read_only=True)
