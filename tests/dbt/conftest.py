"""Fixtures for the dbt project tests: real dbt runs on real DuckDB files.

Data comes from the generator (`python -m generator`) loaded by `python -m warehouse
load`, or from the hand-made raw_fixture (exact expected values). The helpers live in
dbt_runs.py (a module name of its own: every test folder has a conftest).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import raw_fixture
from dbt_runs import dbt, duckdb_path, generate, load


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made raw fixture, built with `dbt build` (models + every test)."""
    data_dir = tmp_path_factory.mktemp("dbt-fixture")
    raw_fixture.write_fixture(duckdb_path(data_dir))
    dbt(data_dir, "build")
    return data_dir


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated history (60 customers, 8 months), loaded and built with `dbt build`."""
    data_dir = tmp_path_factory.mktemp("dbt-generated")
    generate(data_dir, 60, 8)
    load(data_dir)
    dbt(data_dir, "build")
    return data_dir
