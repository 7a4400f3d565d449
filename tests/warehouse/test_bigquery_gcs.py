"""Optional GCS staging: with CS_OPS_GCS_BUCKET, raw files reach BigQuery by load jobs from gs:// URIs."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import rawfiles
from warehouse_envs import WarehouseEnv, make_settings

from warehouse.bigquery_backend import BigQueryWarehouse
from warehouse.contract import load_contract
from warehouse.emulator import running_emulator

pytestmark = pytest.mark.prod


def test_load_stages_through_gcs_uris(tmp_path: Path) -> None:
    gcs_root = tmp_path / "gcs"
    gcs_root.mkdir()
    with running_emulator(gcs_root=gcs_root) as endpoint:
        settings = dataclasses.replace(
            make_settings(tmp_path / "data", endpoint), gcs_bucket="gs://cs-ops-staging"
        )
        wh = BigQueryWarehouse(settings)
        uploaded: list[str] = []

        def upload(path: Path, table_id: str) -> str:
            # Google Cloud Storage is unreachable offline: put the object where the
            # emulator resolves gs:// URIs. The load job from the URI is the real one.
            bucket, name = wh.gcs_object(path, table_id)
            target = gcs_root / bucket / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            uploaded.append(name)
            return f"gs://{bucket}/{name}"

        wh._upload_to_gcs = upload
        rawfiles.write_batch(settings.raw_dir, 1)
        wh.load_raw()

        tables = sorted(load_contract().tables)
        assert len(uploaded) == len(tables) + 2, "every table plus the two ledger stages"
        assert all(
            name.startswith(f"cs_ops_staging/local-project/{settings.raw_dataset}/_stage_")
            for name in uploaded
        )
        env = WarehouseEnv(settings)
        for table in tables:
            assert env.count_by_batch(table) == {rawfiles.batch_id(1): rawfiles.rows_for(table, 1)}
        assert env.loaded_batches() == [rawfiles.batch_id(1)]
