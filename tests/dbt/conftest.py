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


def _build_fixture(data_dir: Path) -> None:
    raw_fixture.write_fixture(duckdb_path(data_dir))
    dbt(data_dir, "build")


def _build_generated(data_dir: Path) -> None:
    generate(data_dir, 60, 8)
    load(data_dir)
    dbt(data_dir, "build")


@pytest.fixture(scope="session")
def fixture_build(build_once) -> Path:
    """The hand-made raw fixture, built with `dbt build` (models + every test); read-only."""
    return build_once("dbt-fixture", _build_fixture)


@pytest.fixture(scope="session")
def generated_build(build_once) -> Path:
    """A small generated history (60 customers, 8 months), loaded and built with `dbt build`; read-only."""
    return build_once("dbt-generated", _build_generated)
