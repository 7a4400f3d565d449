"""The *_in_latest_run tests check the rows of the newest run of an insert-only model:
this invocation's rows in a `dbt build` that built the model, else the newest stamp."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runs import dbt, duckdb_path

MODEL = "int_eventos_uso__deduplicated"
TESTS_SQL = Path("dbt-target/run/cs_ops_dbt/models/intermediate/_intermediate__models.yml")


def key_test_sql(data_dir: Path) -> str:
    # dbt shortens long test names to a prefix + hash; the newest file is this run's
    paths = (data_dir / TESTS_SQL).glob("primary_key_in_latest_run_*.sql")
    return max(paths, key=lambda path: path.stat().st_mtime_ns).read_text()


@pytest.fixture()
def built_copy(fixture_build: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(fixture_build, data_dir)
    return data_dir


def test_a_build_checks_only_what_it_wrote_and_dbt_test_the_newest_run(built_copy: Path) -> None:
    # no new batch: the model runs and writes nothing, so its key test has nothing to scan
    dbt(built_copy, "build", "--select", MODEL)
    sql = key_test_sql(built_copy)
    assert "processed_at = cast('" in sql
    assert "select max(processed_at)" not in sql

    con = duckdb.connect(str(duckdb_path(built_copy)))
    try:  # a repeated event id among the newest run's rows
        con.execute(f"insert into cs_ops_analytics.{MODEL} select * from cs_ops_analytics.{MODEL} limit 1")
    finally:
        con.close()

    with pytest.raises(AssertionError, match=f"primary_key_in_latest_run_{MODEL}"):
        dbt(built_copy, "test", "--select", MODEL)
    assert "select max(processed_at)" in key_test_sql(built_copy)

    # a build that selects the tests but not the model checks the newest run as well
    with pytest.raises(AssertionError, match=f"primary_key_in_latest_run_{MODEL}"):
        dbt(built_copy, "build", "--select", f"{MODEL},resource_type:test")
