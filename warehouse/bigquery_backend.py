"""BigQuery backend (CS_OPS_TARGET=prod), also used against the local emulator.

Loads are load jobs, never streaming inserts. A batch is made atomic like this:

1. each validated Parquet file is rewritten (streamed by row group) to the contract's
   exact types plus the lineage columns, and loaded with an explicit schema into a
   staging table `_stage_<batch>_<table>` (WRITE_TRUNCATE) -- through `gs://` when
   `CS_OPS_GCS_BUCKET` is set, from the local file otherwise; the ledger rows are staged
   the same way;
2. one multi-statement transaction then copies every staged table into the raw tables
   and the ledger (`BEGIN TRANSACTION; INSERT ...; COMMIT TRANSACTION`), so the batch
   lands all at once or not at all; the staging tables are dropped afterwards.

A process killed during step 1 leaves only staging tables, which the next run overwrites
or drops; the ledger is written in the same transaction as the data, so a batch is
either fully in the ledger and the raw tables or in neither. No value is ever formatted
into SQL: lineage values travel inside the staged files, query values as parameters.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import GoogleAPICallError, NotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from warehouse.base import (
    BATCH_COLUMNS,
    BATCHES_TABLE,
    LEDGER_COLUMNS,
    LEDGER_TABLE,
    STATUS_LOADED,
    Warehouse,
    WarehouseError,
    check_identifier,
    dataset_name,
    fill_datasets,
    translate_params,
)
from warehouse.batches import BadInputError, Batch, CheckedFile
from warehouse.config import Settings
from warehouse.contract import ARROW_TYPES, LINEAGE_COLUMNS, Contract

BQ_TYPES = {
    "string": "STRING",
    "int64": "INT64",
    "float64": "FLOAT64",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "bool": "BOOL",
}
STAGE_PREFIX = "_stage_"
ROWS_PER_CHUNK = 128 * 1024
# BigQuery bills the columns a query reads in the partitions it reads. The usage events
# (~1M rows a batch, the only raw table that grows with use) are partitioned by the day
# their batch was loaded and clustered by customer: an incremental dbt run names the new
# batches' partitions (cs_new_batch_partitions) and reads only them. Set when the table is
# created; an existing unpartitioned table keeps its layout (BigQuery cannot change it).
RAW_PARTITIONS = {"eventos_uso": ("_loaded_at", ["id_cliente"])}


def _schema(columns: Mapping[str, str]) -> list[bigquery.SchemaField]:
    return [bigquery.SchemaField(name, BQ_TYPES[kind], mode="NULLABLE") for name, kind in columns.items()]


def _arrow_schema(columns: Mapping[str, str]) -> pa.Schema:
    return pa.schema([pa.field(name, ARROW_TYPES[kind]) for name, kind in columns.items()])


def _param_type(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, decimal.Decimal):
        return "NUMERIC"
    if isinstance(value, dt.datetime):
        return "TIMESTAMP" if value.tzinfo else "DATETIME"
    if isinstance(value, dt.date):
        return "DATE"
    if isinstance(value, bytes):
        return "BYTES"
    return "STRING"


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def query_parameter(name: str, value: Any) -> bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = [_plain(item) for item in value]
        kind = _param_type(items[0]) if items else "STRING"
        return bigquery.ArrayQueryParameter(name, kind, items)
    value = _plain(value)
    return bigquery.ScalarQueryParameter(name, _param_type(value), value)


def _bq_type_of_arrow(arrow_type: pa.DataType) -> tuple[str, pa.DataType]:
    """BigQuery column type for an Arrow type, and the Arrow type to write it as."""
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_boolean(arrow_type):
        return "BOOL", pa.bool_()
    if pa.types.is_integer(arrow_type):
        return "INT64", pa.int64()
    if pa.types.is_floating(arrow_type):
        return "FLOAT64", pa.float64()
    if pa.types.is_decimal(arrow_type):
        return "NUMERIC", arrow_type
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP", pa.timestamp("us", tz="UTC")
    if pa.types.is_date(arrow_type):
        return "DATE", pa.date32()
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "BYTES", pa.binary()
    return "STRING", pa.string()


class BigQueryWarehouse(Warehouse):
    target = "prod"

    def __init__(
        self,
        settings: Settings,
        contract: Contract | None = None,
        read_only: bool = False,
        client: bigquery.Client | None = None,
    ):
        super().__init__(settings, contract)
        self.read_only = read_only
        self.project = settings.gcp_project
        if client is not None:
            self.__dict__["client"] = client

    @cached_property
    def client(self) -> bigquery.Client:
        if self.settings.emulator_host:
            return bigquery.Client(
                project=self.project,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=self.settings.emulator_host),
                location=self.settings.bq_location,
            )
        return bigquery.Client(project=self.project, location=self.settings.bq_location)

    # -- names ------------------------------------------------------------------------------
    def _table_id(self, dataset: str, table: str) -> str:
        return f"{self.project}.{dataset}.{table}"

    def _sql_name(self, dataset: str, table: str) -> str:
        return f"`{self.project}.{dataset}.{check_identifier(table)}`"

    # -- datasets ---------------------------------------------------------------------------
    def ensure_datasets(self) -> None:
        self._require_writable("ensure_datasets")
        raw = self.settings.raw_dataset
        for name in (raw, self.settings.analytics_dataset):
            dataset = bigquery.Dataset(f"{self.project}.{name}")
            dataset.location = self.settings.bq_location
            self.client.create_dataset(dataset, exists_ok=True)
        wanted = {LEDGER_TABLE: dict(LEDGER_COLUMNS), BATCHES_TABLE: dict(BATCH_COLUMNS)}
        for table in self.contract.tables.values():
            wanted[table.name] = {c.name: c.type for c in table.columns} | LINEAGE_COLUMNS
        for name, columns in wanted.items():
            table_id = self._table_id(raw, name)
            try:
                existing = self.client.get_table(table_id)
            except NotFound:
                self.client.create_table(self._new_raw_table(table_id, name, columns), exists_ok=True)
                continue
            have = {field.name for field in existing.schema}
            missing = [field for field in _schema(columns) if field.name not in have]
            for field in missing:  # additive schema evolution declared in the contract (DDL, not
                # a metadata patch: the emulator only honours the DDL)
                self._run(
                    f"alter table {self._sql_name(raw, name)} "
                    f"add column if not exists `{check_identifier(field.name, 'column')}` {field.field_type}"
                )

    @staticmethod
    def _new_raw_table(table_id: str, name: str, columns: Mapping[str, str]) -> bigquery.Table:
        table = bigquery.Table(table_id, schema=_schema(columns))
        if name in RAW_PARTITIONS:
            day_column, cluster = RAW_PARTITIONS[name]
            table.time_partitioning = bigquery.TimePartitioning(field=day_column)  # one partition a day
            table.clustering_fields = cluster
        return table

    # -- loads ------------------------------------------------------------------------------
    def load_raw(self, raise_on_error: bool = True):
        self._require_writable("load_raw")
        self.ensure_datasets()
        self._drop_stale_stages()
        return super().load_raw(raise_on_error=raise_on_error)

    def _drop_stale_stages(self) -> None:
        for table in self.client.list_tables(f"{self.project}.{self.settings.raw_dataset}"):
            if table.table_id.startswith(STAGE_PREFIX):
                self.client.delete_table(table, not_found_ok=True)

    def _ledger(self) -> dict[str, dict[str, str]]:
        raw = self.settings.raw_dataset
        frame = self.query(
            f"select l.batch_id, l.source_file, l.sha256 from {self._sql_name(raw, LEDGER_TABLE)} as l "
            f"inner join {self._sql_name(raw, BATCHES_TABLE)} as b on b.batch_id = l.batch_id "
            "where l.status = @status",
            {"status": STATUS_LOADED},
        )
        ledger: dict[str, dict[str, str]] = {}
        for batch_id, source_file, digest in frame.itertuples(index=False):
            ledger.setdefault(batch_id, {})[source_file] = digest
        return ledger

    def _stage_name(self, batch_id: str, table: str) -> str:
        return f"{STAGE_PREFIX}{re.sub(r'[^A-Za-z0-9_]', '_', batch_id)}__{table}"

    def _rewrite_with_lineage(
        self, checked: CheckedFile, batch_id: str, loaded_at: dt.datetime, out: Path
    ) -> None:
        """Stream the file into the contract's exact types plus lineage columns."""
        table = self.contract.table(checked.file.table)
        columns = {c.name: c.type for c in table.columns} | LINEAGE_COLUMNS
        schema = _arrow_schema(columns)
        lineage = {"_batch_id": batch_id, "_source_file": checked.file.source_file, "_loaded_at": loaded_at}
        parquet = pq.ParquetFile(checked.file.path)
        with pq.ParquetWriter(out, schema) as writer:
            try:
                for chunk in parquet.iter_batches(batch_size=ROWS_PER_CHUNK):
                    arrays = []
                    for field in schema:
                        if field.name in lineage:
                            arrays.append(pa.array([lineage[field.name]] * chunk.num_rows, field.type))
                        elif field.name in chunk.schema.names:
                            arrays.append(self._cast(chunk.column(field.name), field, checked))
                        else:
                            arrays.append(pa.nulls(chunk.num_rows, field.type))
                    writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            except (OSError, pa.ArrowException) as exc:  # a damaged page behind a readable footer
                raise BadInputError(f"{checked.file.source_file}: could not be loaded ({exc})") from exc

    @staticmethod
    def _cast(array: pa.Array, field: pa.Field, checked: CheckedFile) -> pa.Array:
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        try:
            return array.cast(field.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise BadInputError(
                f"{checked.file.source_file}: column {field.name!r} cannot be converted to "
                f"{field.type} ({exc})"
            ) from exc

    def _load_file(self, path: Path, table_id: str, schema: list[bigquery.SchemaField], mode: str) -> int:
        """One Parquet load job (explicit schema); through GCS when a bucket is configured."""
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=mode,
            schema=schema,
        )
        if self.settings.gcs_bucket:
            uri = self._upload_to_gcs(path, table_id)
            job = self.client.load_table_from_uri(uri, table_id, job_config=config)
        else:
            with open(path, "rb") as handle:
                job = self.client.load_table_from_file(handle, table_id, job_config=config)
        job.result()
        return int(job.output_rows or 0)

    def gcs_object(self, path: Path, table_id: str) -> tuple[str, str]:
        """(bucket, object name) where a staged file goes when CS_OPS_GCS_BUCKET is set."""
        bucket = self.settings.gcs_bucket.removeprefix("gs://").strip("/")
        return bucket, f"cs_ops_staging/{table_id.replace('.', '/')}/{path.name}"

    def _upload_to_gcs(self, path: Path, table_id: str) -> str:
        from google.cloud import storage  # only needed with CS_OPS_GCS_BUCKET

        bucket, name = self.gcs_object(path, table_id)
        storage.Client(project=self.project).bucket(bucket).blob(name).upload_from_filename(str(path))
        return f"gs://{bucket}/{name}"

    def _load_batch(self, batch: Batch, files: list[CheckedFile], loaded_at: dt.datetime) -> None:
        raw = self.settings.raw_dataset
        staged: list[tuple[str, str, dict[str, str]]] = []  # (stage table, target table, columns)
        try:
            with tempfile.TemporaryDirectory(prefix="cs_ops_bq_") as tmp:
                for checked in files:
                    table = self.contract.table(checked.file.table)
                    columns = {c.name: c.type for c in table.columns} | LINEAGE_COLUMNS
                    local = Path(tmp) / f"{table.name}.parquet"
                    self._rewrite_with_lineage(checked, batch.batch_id, loaded_at, local)
                    stage = self._stage_name(batch.batch_id, table.name)
                    try:
                        self._load_file(local, self._table_id(raw, stage), _schema(columns), "WRITE_TRUNCATE")
                    except GoogleAPICallError as exc:
                        raise WarehouseError(
                            f"{checked.file.source_file}: BigQuery load job failed ({exc})"
                        ) from exc
                    staged.append((stage, table.name, columns))
                    self._checkpoint(f"{batch.batch_id}:table:{table.name}")
                ledger = pa.table(
                    {
                        "batch_id": [batch.batch_id] * len(files),
                        "table_name": [f.file.table for f in files],
                        "source_file": [f.file.source_file for f in files],
                        "sha256": [f.sha256 for f in files],
                        "row_count": [f.rows for f in files],
                        "status": [STATUS_LOADED] * len(files),
                        "loaded_at": [loaded_at] * len(files),
                    },
                    schema=_arrow_schema(LEDGER_COLUMNS),
                )
                batches = pa.table(
                    {
                        "batch_id": [batch.batch_id],
                        "period_start": [batch.period_start],
                        "period_end": [batch.period_end],
                        "loaded_at": [loaded_at],
                    },
                    schema=_arrow_schema(BATCH_COLUMNS),
                )
                for frame, target, columns in (
                    (ledger, LEDGER_TABLE, LEDGER_COLUMNS),
                    (batches, BATCHES_TABLE, BATCH_COLUMNS),
                ):
                    local = Path(tmp) / f"{target}.parquet"
                    pq.write_table(frame, local)
                    stage = self._stage_name(batch.batch_id, target)
                    self._load_file(local, self._table_id(raw, stage), _schema(columns), "WRITE_TRUNCATE")
                    staged.append((stage, target, dict(columns)))
            statements = ["BEGIN TRANSACTION;"]
            for stage, target, columns in staged:
                names = ", ".join(f"`{name}`" for name in columns)
                statements.append(
                    f"INSERT INTO {self._sql_name(raw, target)} ({names}) "
                    f"SELECT {names} FROM {self._sql_name(raw, stage)};"
                )
            statements.append("COMMIT TRANSACTION;")
            self._checkpoint(f"{batch.batch_id}:before_commit")
            self._run("\n".join(statements))
        finally:
            for stage, _, _ in staged:
                self.client.delete_table(self._table_id(raw, stage), not_found_ok=True)

    # -- reads and writes -------------------------------------------------------------------
    def _run(self, sql: str, params: Sequence[Any] = ()) -> bigquery.table.RowIterator:
        config = bigquery.QueryJobConfig(
            query_parameters=list(params),
            maximum_bytes_billed=self.settings.maximum_bytes_billed,
        )
        return self.client.query(sql, job_config=config, location=self.settings.bq_location).result()

    def _rows(self, sql: str, params: Mapping[str, Any] | None) -> bigquery.table.RowIterator:
        sql = fill_datasets(
            sql,
            f"`{self.project}.{self.settings.raw_dataset}`",
            f"`{self.project}.{self.settings.analytics_dataset}`",
        )
        sql, used = translate_params(sql, params, "bigquery")
        return self._run(sql, [query_parameter(name, value) for name, value in used.items()])

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        return self._rows(sql, params).to_arrow(create_bqstorage_client=False)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        rows = self._rows(sql, params)
        with warnings.catch_warnings():  # "use pandas-gbq instead": the REST download is what we want
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return rows.to_dataframe(create_bqstorage_client=False)

    def write_table(
        self, df: pd.DataFrame, name: str, dataset: str = "analytics", mode: str = "replace"
    ) -> int:
        self._require_writable("write_table")
        if mode not in ("replace", "append"):
            raise WarehouseError(f"write_table mode must be 'replace' or 'append', not {mode!r}")
        table_id = self._table_id(dataset_name(self.settings, dataset), check_identifier(name))
        frame = pa.Table.from_pandas(df, preserve_index=False)
        fields, arrays = [], []
        for column, field in zip(frame.columns, frame.schema, strict=True):
            kind, arrow_type = _bq_type_of_arrow(field.type)
            if pa.types.is_dictionary(column.type):
                column = column.dictionary_decode()
            arrays.append(column.cast(arrow_type))
            fields.append(bigquery.SchemaField(field.name, kind, mode="NULLABLE"))
        frame = pa.table(arrays, names=[field.name for field in fields])
        dataset = dataset_name(self.settings, dataset)
        with tempfile.TemporaryDirectory(prefix="cs_ops_bq_") as tmp:
            local = Path(tmp) / f"{name}.parquet"
            pq.write_table(frame, local)
            if mode == "append":
                self._load_file(local, table_id, fields, "WRITE_APPEND")
                return len(df)
            # replace: load a staging table, then swap it in with one statement, so readers
            # see the old table or the new one, never none (and the schema may change)
            stage = f"{STAGE_PREFIX}{name}_{uuid.uuid4().hex[:8]}"
            try:
                self._load_file(local, self._table_id(dataset, stage), fields, "WRITE_TRUNCATE")
                self._run(
                    f"create or replace table {self._sql_name(dataset, name)} as "
                    f"select * from {self._sql_name(dataset, stage)}"
                )
            finally:
                self.client.delete_table(self._table_id(dataset, stage), not_found_ok=True)
        return len(df)

    def table_exists(self, name: str, dataset: str = "analytics") -> bool:
        try:
            self.client.get_table(self._table_id(dataset_name(self.settings, dataset), name))
            return True
        except NotFound:
            return False

    def existing_tables(self, names: Iterable[str], dataset: str = "analytics") -> set[str]:
        try:
            found = self.client.list_tables(f"{self.project}.{dataset_name(self.settings, dataset)}")
            return set(names) & {table.table_id for table in found}
        except NotFound:
            return set()

    def list_tables(self, dataset: str) -> dict[str, int]:
        dataset = dataset_name(self.settings, dataset)
        try:
            names = sorted(t.table_id for t in self.client.list_tables(f"{self.project}.{dataset}"))
        except NotFound:
            return {}
        if not names:
            return {}
        counts = self.query(
            " union all ".join(
                f"select '{name}' as table_name, count(*) as n from {self._sql_name(dataset, name)}"
                for name in names
            )
        )
        found = {name: int(n) for name, n in counts.itertuples(index=False)}
        return {name: found.get(name, 0) for name in names}

    def data_timestamp(self) -> dt.datetime | None:
        if not self.table_exists(BATCHES_TABLE, "raw"):
            return None
        value = self.query(f"select max(loaded_at) as t from {{raw}}.{BATCHES_TABLE}")["t"].iloc[0]
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    def publish(self) -> None:
        """BigQuery readers query the datasets directly: nothing to publish."""
        return None
