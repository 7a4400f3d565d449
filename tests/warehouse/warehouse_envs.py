"""The warehouse tests' environment: settings for a DuckDB file or the emulator, and a
Warehouse on them (one test body, both backends; the `wh_env` fixture is in conftest.py).
Imported by the tests and by the child processes some tests start.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.base import Warehouse
from warehouse.config import Settings
from warehouse.contract import Contract, load_contract

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # rawfiles, for tests and their subprocesses


@dataclass
class WarehouseEnv:
    settings: Settings

    @property
    def backend(self) -> str:
        return self.settings.target

    @property
    def raw_dir(self) -> Path:
        return self.settings.raw_dir

    def warehouse(self, contract: Contract | None = None) -> Warehouse:
        contract = contract or load_contract()
        if self.settings.is_prod:
            from warehouse.bigquery_backend import BigQueryWarehouse

            return BigQueryWarehouse(self.settings, contract=contract)
        from warehouse.duckdb_backend import DuckDBWarehouse

        return DuckDBWarehouse(self.settings, contract=contract)

    def settings_json(self) -> str:
        fields = dataclasses.asdict(self.settings)
        fields["data_dir"] = str(fields["data_dir"])
        return json.dumps(fields)

    def count_by_batch(self, table: str) -> dict[str, int]:
        frame = self.warehouse().query(
            f"select _batch_id as batch_id, count(*) as n from {{raw}}.{table} group by _batch_id"
        )
        return {row.batch_id: int(row.n) for row in frame.itertuples(index=False)}

    def ledger(self) -> pd.DataFrame:
        return self.warehouse().query(
            "select batch_id, table_name, source_file, sha256, row_count, status "
            "from {raw}.load_ledger order by batch_id, table_name"
        )

    def loaded_batches(self) -> list[str]:
        frame = self.warehouse().query("select batch_id from {raw}.load_batches order by batch_id")
        return list(frame["batch_id"])


def settings_from_json(text: str) -> Settings:
    fields = json.loads(text)
    fields["data_dir"] = Path(fields["data_dir"])
    return Settings(**fields)


def make_settings(data_dir: Path, endpoint: str | None = None) -> Settings:
    """dev settings, or prod on the emulator at `endpoint` with datasets unique to the caller."""
    if endpoint is None:
        return Settings(
            target="dev",
            data_dir=data_dir,
            gcp_project=None,
            bq_location="US",
            emulator_host=None,
            gcs_bucket=None,
            maximum_bytes_billed=10 * 1024**3,
        )
    suffix = uuid.uuid4().hex[:10]
    return Settings(
        target="prod",
        data_dir=data_dir,
        gcp_project="local-project",
        bq_location="US",
        emulator_host=endpoint,
        gcs_bucket=None,
        maximum_bytes_billed=10 * 1024**3,
        raw_dataset=f"cs_ops_raw_data_{suffix}",
        analytics_dataset=f"cs_ops_analytics_{suffix}",
    )
