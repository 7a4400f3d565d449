"""The one flag: parsing, validation and the messages users see."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.config import (
    ANALYTICS_DATASET,
    DEFAULT_MAX_BYTES_BILLED,
    RAW_DATASET,
    REPO_ROOT,
    ConfigError,
    dbt_env,
    load_settings,
)


def test_default_is_dev_duckdb_under_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"CS_OPS_DATA_DIR": str(tmp_path)})
    assert settings.target == "dev"
    assert settings.duckdb_path == tmp_path / "warehouse" / "cs_ops.duckdb"
    assert settings.raw_dir == tmp_path / "raw"
    assert settings.truth_dir == tmp_path / "truth"
    assert settings.ml_dir == tmp_path / "ml"
    assert settings.reports_dir == tmp_path / "reports"
    assert (settings.raw_dataset, settings.analytics_dataset) == (RAW_DATASET, ANALYTICS_DATASET)


def test_relative_data_dir_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"CS_OPS_DATA_DIR": "somewhere"})
    assert settings.data_dir == tmp_path / "somewhere"


@pytest.mark.parametrize("value", ["staging", "duckdb", "bigquery", "1"])
def test_bad_target_lists_valid_values(value: str) -> None:
    with pytest.raises(ConfigError, match=r"use one of: dev, prod"):
        load_settings({"CS_OPS_TARGET": value})


@pytest.mark.parametrize("value", ["DEV", " dev ", "Prod"])
def test_target_is_case_and_space_insensitive(value: str, tmp_path: Path) -> None:
    env = {
        "CS_OPS_TARGET": value,
        "GOOGLE_CLOUD_PROJECT": "p",
        "BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:1",
    }
    assert load_settings(env).target == value.strip().lower()


def test_prod_without_project_names_the_env_var() -> None:
    with pytest.raises(ConfigError, match="GOOGLE_CLOUD_PROJECT"):
        load_settings({"CS_OPS_TARGET": "prod"})


def test_prod_without_credentials_names_the_gcloud_step(tmp_path: Path) -> None:
    env = {"CS_OPS_TARGET": "prod", "GOOGLE_CLOUD_PROJECT": "p", "HOME": str(tmp_path)}
    with pytest.raises(ConfigError, match="gcloud auth application-default login"):
        load_settings(env)


def test_prod_with_missing_keyfile_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    env = {
        "CS_OPS_TARGET": "prod",
        "GOOGLE_CLOUD_PROJECT": "p",
        "GOOGLE_APPLICATION_CREDENTIALS": str(missing),
    }
    with pytest.raises(ConfigError, match="nope.json"):
        load_settings(env)


def test_prod_with_adc_file_is_accepted(tmp_path: Path) -> None:
    adc = tmp_path / ".config" / "gcloud" / "application_default_credentials.json"
    adc.parent.mkdir(parents=True)
    adc.write_text("{}")
    settings = load_settings({"CS_OPS_TARGET": "prod", "GOOGLE_CLOUD_PROJECT": "p", "HOME": str(tmp_path)})
    assert settings.is_prod and settings.emulator_host is None


def test_emulator_host_must_be_a_url() -> None:
    env = {"CS_OPS_TARGET": "prod", "GOOGLE_CLOUD_PROJECT": "p", "BIGQUERY_EMULATOR_HOST": "127.0.0.1:9050"}
    with pytest.raises(ConfigError, match="must be a URL"):
        load_settings(env)


def test_bad_max_bytes_billed() -> None:
    with pytest.raises(ConfigError, match="CS_OPS_MAX_BYTES_BILLED"):
        load_settings({"CS_OPS_MAX_BYTES_BILLED": "lots"})


def test_ml_threads_default_to_the_cores_this_process_may_use() -> None:
    # a child pinned to one core (as taskset or a container's cpuset would) gets one thread, the
    # unpinned process every core it may run on, whatever the load average says
    child = (
        "import os; from warehouse.config import load_settings; "
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(load_settings({}).ml_threads)"
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.stdout.strip() == "1", done.stderr
    assert load_settings({}).ml_threads == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("value", "threads"), [("1", 1), (" 3 ", 3)])
def test_ml_threads_can_be_limited(value: str, threads: int) -> None:
    assert load_settings({"CS_OPS_ML_THREADS": value}).ml_threads == threads


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_bad_ml_threads(value: str) -> None:
    with pytest.raises(ConfigError, match="CS_OPS_ML_THREADS=.*1 or more"):
        load_settings({"CS_OPS_ML_THREADS": value})


def test_dbt_env_points_dbt_at_the_emulator(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "CS_OPS_TARGET": "prod",
            "GOOGLE_CLOUD_PROJECT": "local-project",
            "BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:9050",
            "CS_OPS_DATA_DIR": str(tmp_path),
        }
    )
    env = dbt_env(settings)
    assert env["CS_OPS_TARGET"] == "prod"
    assert env["CS_OPS_BQ_METHOD"] == "oauth-secrets"
    assert env["CS_OPS_BQ_API_ENDPOINT"] == "http://127.0.0.1:9050"
    assert env["DBT_PROFILES_DIR"] == str(REPO_ROOT)


def test_cli_rejects_bad_flag_before_work(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warehouse", "check"],
        env={"CS_OPS_TARGET": "nope", "CS_OPS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 2
    assert "use one of: dev, prod" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written before the flag is validated"


def test_profiles_targets_match_the_flag() -> None:
    import yaml

    profile = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())["cs_ops_dbt"]
    assert set(profile["outputs"]) == {"dev", "prod"}
    assert profile["outputs"]["dev"]["type"] == "duckdb"
    assert profile["outputs"]["dev"]["schema"] == ANALYTICS_DATASET
    assert profile["outputs"]["prod"]["type"] == "bigquery"
    assert profile["outputs"]["prod"]["dataset"] == ANALYTICS_DATASET
    assert "maximum_bytes_billed" in profile["outputs"]["prod"]
    assert "api_endpoint" in profile["outputs"]["prod"]
    # a plain `dbt` run (outside the wrapper, which passes the setting) gets the same cap
    cap = profile["outputs"]["prod"]["maximum_bytes_billed"]
    default = re.search(r"CS_OPS_MAX_BYTES_BILLED', '(\d+)'", cap)
    assert default and int(default.group(1)) == DEFAULT_MAX_BYTES_BILLED


@pytest.mark.parametrize("value", ["2GB", "512MB", "1.5GiB", " 3 gb "])
def test_duckdb_memory_limit_is_a_size(value: str, tmp_path: Path) -> None:
    settings = load_settings({"CS_OPS_DUCKDB_MEMORY_LIMIT": value, "CS_OPS_DATA_DIR": str(tmp_path)})
    assert settings.duckdb_memory_limit == value.strip()
    assert dbt_env(settings)["CS_OPS_DUCKDB_MEMORY_LIMIT"] == value.strip()
    assert dbt_env(settings)["CS_OPS_DUCKDB_TEMP_DIR"] == str(tmp_path / "warehouse" / "tmp")


@pytest.mark.parametrize("value", ["lots", "2", "2GB; drop table x", "-1GB"])
def test_a_bad_duckdb_memory_limit_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="CS_OPS_DUCKDB_MEMORY_LIMIT=.*e.g. 2GB"):
        load_settings({"CS_OPS_DUCKDB_MEMORY_LIMIT": value})


def test_build_connections_use_the_memory_limit_and_spill_under_the_data_dir(tmp_path: Path) -> None:
    from warehouse import get_warehouse

    settings = load_settings({"CS_OPS_DATA_DIR": str(tmp_path), "CS_OPS_DUCKDB_MEMORY_LIMIT": "64MB"})
    wh = get_warehouse(settings)
    with wh.connect() as con:
        limit, temp = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        assert limit in {"64.0 MB", "61.0 MiB"} and temp == str(settings.duckdb_temp_dir)
        # a sort far larger than the buffer pool completes by spilling to the temp dir
        rows = con.execute(
            "select count(*) from (select i, md5(i::varchar) as h from range(4000000) t(i) order by h)"
        ).fetchone()[0]
    assert rows == 4_000_000
