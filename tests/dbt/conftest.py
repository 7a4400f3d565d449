"""Fixtures for the dbt project tests: real dbt runs on real DuckDB files.

Data comes from the generator (`python -m generator`) loaded by `python -m warehouse
load`, or from the hand-made raw_fixture (exact expected values). The helpers live in
dbt_runs.py (a module name of its own: every test folder has a conftest).
`googlesql_server` / `googlesql_checker`: Google's GoogleSQL analyzer and reference engine
(zetasql_server.py, googlesql_checker.py), one server per test process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import raw_fixture
import zetasql_server
from dbt_runs import dbt, duckdb_path, generate, load

from warehouse.emulator import PROJECT


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


@pytest.fixture(scope="session")
def googlesql_server() -> Iterator[object]:
    """Google's ZetaSQL server (analyzer + reference engine), one per test process, free port."""
    with zetasql_server.running_server() as server:
        yield server


@pytest.fixture()
def googlesql_checker(googlesql_server: object):
    """A fresh checker (catalog = the raw contract) for statements sent to the emulator's project."""
    from googlesql_checker import GoogleSQLChecker

    return GoogleSQLChecker(googlesql_server, project=PROJECT)
