"""The one place that reads the environment.

`CS_OPS_TARGET` picks the backend for every part of the pipeline: `dev` is DuckDB
(embedded, the default) and `prod` is BigQuery. The dbt target has the same name.
Everything else (generator load step, dbt runner, ml, app) asks `get_settings()`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VALID_TARGETS = ("dev", "prod")
RAW_DATASET = "cs_ops_raw_data"
ANALYTICS_DATASET = "cs_ops_analytics"
APP_STATE_DATASET = "cs_ops_app_state"  # what the app writes (the action log); never rebuilt by dbt
REPO_ROOT = Path(__file__).resolve().parent.parent
# cost guard per BigQuery query: the largest statement of a full dbt build at 100M usage
# events (14 GiB, tests/dbt/bench_bytes_billed.py) plus 50% (cs_ops_dbt/README.md)
DEFAULT_MAX_BYTES_BILLED = 21 * 1024**3
DEFAULT_DUCKDB_MEMORY_LIMIT = "4GB"  # DuckDB's buffer pool; beyond it, it spills to the temp dir
ML_THREADS_VARIABLE = "CS_OPS_ML_THREADS"  # limits the threads of `ml train` / `ml score`
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)
# DuckDB reads "?" in a database path as the start of connection options ("a.duckdb?x=1")
UNSAFE_PATH_CHARACTERS = ("?",)


class ConfigError(RuntimeError):
    """A configuration problem the user can fix; the message says how."""


@dataclass(frozen=True)
class Settings:
    target: str
    data_dir: Path
    gcp_project: str | None
    bq_location: str
    emulator_host: str | None
    gcs_bucket: str | None
    maximum_bytes_billed: int
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    ml_threads: int = 1
    raw_dataset: str = RAW_DATASET
    analytics_dataset: str = ANALYTICS_DATASET
    app_state_dataset: str = APP_STATE_DATASET

    @property
    def is_prod(self) -> bool:
        return self.target == "prod"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def truth_dir(self) -> Path:
        return self.data_dir / "truth"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file that loads and dbt write to (never opened by the app)."""
        return self.warehouse_dir / "cs_ops.duckdb"

    @property
    def app_state_path(self) -> Path:
        """dev: the small DuckDB file the app writes (action log); never the build file, never published."""
        return self.data_dir / "app_state" / "app_state.duckdb"

    @property
    def duckdb_temp_dir(self) -> Path:
        """Where DuckDB spills what does not fit in `duckdb_memory_limit` (under the data dir)."""
        return self.warehouse_dir / "tmp"

    @property
    def lock_path(self) -> Path:
        """The lock file of the one run allowed to write this data dir at a time."""
        return self.data_dir / "cs_ops.lock"

    @property
    def ml_dir(self) -> Path:
        return self.data_dir / "ml"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def describe(self) -> str:
        if self.is_prod:
            where = self.emulator_host or "Google BigQuery"
            return f"prod (BigQuery project {self.gcp_project} at {where})"
        return f"dev (DuckDB file {self.duckdb_path})"


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask: what taskset or a container's cpuset
    allow), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # no affinity call on this platform (macOS, Windows)
        return os.cpu_count() or 1


def _ml_threads(raw: str | None) -> int:
    """CS_OPS_ML_THREADS, or every usable core: the threads `ml train` and `ml score` use."""
    if not raw:
        return usable_cores()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"{ML_THREADS_VARIABLE}={raw!r} is not a whole number of threads (1 or more): it limits the "
            f"threads of `ml train` and `ml score`; unset it to use every core ({usable_cores()} here)."
        )
    return int(raw)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (os.environ by default).

    Raises ConfigError, before any work starts, for a bad target or for prod
    without a project or credentials.
    """
    env = os.environ if env is None else env
    target = (_clean(env.get("CS_OPS_TARGET")) or "dev").lower()
    if target not in VALID_TARGETS:
        raise ConfigError(
            f"CS_OPS_TARGET={env.get('CS_OPS_TARGET')!r} is not valid; "
            f"use one of: {', '.join(VALID_TARGETS)} (dev = local DuckDB, prod = BigQuery)."
        )
    data_dir = Path(_clean(env.get("CS_OPS_DATA_DIR")) or "data")
    if not data_dir.is_absolute():
        data_dir = (Path.cwd() / data_dir).resolve()
    check_data_dir(data_dir, "CS_OPS_DATA_DIR")
    memory_limit = _clean(env.get("CS_OPS_DUCKDB_MEMORY_LIMIT")) or DEFAULT_DUCKDB_MEMORY_LIMIT
    if not _MEMORY_LIMIT.match(memory_limit):
        raise ConfigError(
            f"CS_OPS_DUCKDB_MEMORY_LIMIT={memory_limit!r} is not a size: use a number and a unit, "
            f"e.g. 2GB or 512MB (default {DEFAULT_DUCKDB_MEMORY_LIMIT})."
        )
    max_bytes_raw = _clean(env.get("CS_OPS_MAX_BYTES_BILLED"))
    try:
        max_bytes = int(max_bytes_raw) if max_bytes_raw else DEFAULT_MAX_BYTES_BILLED
    except ValueError as exc:
        raise ConfigError(
            f"CS_OPS_MAX_BYTES_BILLED={max_bytes_raw!r} is not a whole number of bytes."
        ) from exc
    settings = Settings(
        target=target,
        data_dir=data_dir,
        gcp_project=_clean(env.get("GOOGLE_CLOUD_PROJECT")),
        bq_location=_clean(env.get("CS_OPS_BQ_LOCATION")) or "US",
        emulator_host=_clean(env.get("BIGQUERY_EMULATOR_HOST")),
        gcs_bucket=_clean(env.get("CS_OPS_GCS_BUCKET")),
        maximum_bytes_billed=max_bytes,
        duckdb_memory_limit=memory_limit,
        ml_threads=_ml_threads(_clean(env.get(ML_THREADS_VARIABLE))),
    )
    if settings.is_prod:
        _check_prod(settings, env)
    return settings


def check_data_dir(data_dir: Path, name: str) -> Path:
    """The data dir, or ConfigError naming `name` (the variable or option) when DuckDB cannot use it."""
    unsafe = [c for c in UNSAFE_PATH_CHARACTERS if c in str(data_dir)]
    if unsafe:
        raise ConfigError(
            f"{name}={str(data_dir)!r} contains {' '.join(unsafe)!r}, which DuckDB reads as the start of "
            "connection options in a database path: choose a data dir without it."
        )
    return data_dir


def _check_prod(settings: Settings, env: Mapping[str, str]) -> None:
    if not settings.gcp_project:
        raise ConfigError(
            "CS_OPS_TARGET=prod needs a BigQuery project: set GOOGLE_CLOUD_PROJECT=<your-project-id> "
            "(or BIGQUERY_EMULATOR_HOST=http://127.0.0.1:9050 with GOOGLE_CLOUD_PROJECT=local-project "
            "to use the local emulator started by `just emulator`)."
        )
    if settings.emulator_host:
        if not settings.emulator_host.startswith(("http://", "https://")):
            raise ConfigError(
                f"BIGQUERY_EMULATOR_HOST={settings.emulator_host!r} must be a URL such as "
                "http://127.0.0.1:9050."
            )
        return
    keyfile = _clean(env.get("GOOGLE_APPLICATION_CREDENTIALS"))
    if keyfile:
        if not Path(keyfile).is_file():
            raise ConfigError(
                f"GOOGLE_APPLICATION_CREDENTIALS points to {keyfile}, which does not exist: "
                "set it to a service-account JSON key file, or unset it and run "
                "`gcloud auth application-default login`."
            )
        return
    if not adc_file(env).is_file():
        raise ConfigError(
            "CS_OPS_TARGET=prod found no Google credentials: run "
            "`gcloud auth application-default login` (Application Default Credentials), "
            "or set GOOGLE_APPLICATION_CREDENTIALS=/path/to/service-account.json."
        )


def adc_file(env: Mapping[str, str]) -> Path:
    """Where `gcloud auth application-default login` writes its credentials."""
    config_dir = _clean(env.get("CLOUDSDK_CONFIG"))
    base = Path(config_dir) if config_dir else Path(env.get("HOME", "~")).expanduser() / ".config/gcloud"
    return base / "application_default_credentials.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process, read once."""
    return load_settings()


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for a dbt subprocess: the same flag, with absolute paths resolved."""
    env = dict(os.environ)
    env["CS_OPS_TARGET"] = settings.target
    env["CS_OPS_DATA_DIR"] = str(settings.data_dir)
    env["CS_OPS_DUCKDB_PATH"] = str(settings.duckdb_path)
    env["DBT_PROFILES_DIR"] = str(REPO_ROOT)
    env["CS_OPS_MAX_BYTES_BILLED"] = str(settings.maximum_bytes_billed)
    env["CS_OPS_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    env["CS_OPS_DUCKDB_TEMP_DIR"] = str(settings.duckdb_temp_dir)
    env["CS_OPS_BQ_LOCATION"] = settings.bq_location
    if settings.gcp_project:
        env["GOOGLE_CLOUD_PROJECT"] = settings.gcp_project
    if settings.is_prod and settings.emulator_host:
        env["CS_OPS_BQ_METHOD"] = "oauth-secrets"
        env["CS_OPS_BQ_TOKEN"] = "emulator-dummy-token"
        env["CS_OPS_BQ_API_ENDPOINT"] = settings.emulator_host
    elif settings.is_prod and _clean(env.get("GOOGLE_APPLICATION_CREDENTIALS")):
        env.setdefault("CS_OPS_BQ_METHOD", "service-account")
    return env
