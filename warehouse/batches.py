"""Raw batches on disk: discovery, metadata and validation against the raw contract.

A batch is one metadata file plus one Parquet file per table:

    <data>/raw/_batches/<batch_id>.json
    <data>/raw/<table>/<batch_id>.parquet

The metadata file (written by the generator, last, after every Parquet file) looks like

    {"batch_id": "b0001_2024-01", "period_start": "2024-01-01", "period_end": "2024-01-31",
     "tables": {"clientes": {"file": "clientes/b0001_2024-01.parquet", "rows": 120, "sha256": "ab12..."},
                ...}}

`file` is relative to `<data>` (`raw/clientes/...`, as the generator writes it) or to
`<data>/raw`, and defaults to `<table>/<batch_id>.parquet`; `rows` may also be spelled
`row_count`. A flat layout (`row_counts: {table: n}` plus
`sha256: {table: hex}`) is accepted too. Both backends validate a batch completely
here before any of it is loaded, so a bad file never leaves half a batch behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.contract import Contract, Table

BATCHES_DIR = "_batches"


class BadInputError(ValueError):
    """A raw file or batch does not match what the contract and its metadata promise."""


@dataclass(frozen=True)
class BatchFile:
    table: str
    path: Path  # absolute
    source_file: str  # relative to the data dir, as stored in _source_file and the ledger
    expected_rows: int | None
    expected_sha256: str | None


@dataclass(frozen=True)
class Batch:
    batch_id: str
    period_start: dt.date | None
    period_end: dt.date | None
    metadata_path: Path
    files: tuple[BatchFile, ...]
    contract_version: int | None = None


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed validation: what the loaders need to know."""

    file: BatchFile
    rows: int
    sha256: str
    present_columns: tuple[str, ...]  # contract columns that the file has (added_in ones may be absent)
    arrow_types: dict[str, pa.DataType] = field(default_factory=dict)
    size: int = 0  # bytes on disk

    def signature(self) -> tuple:
        """Files with the same signature can be read by one multi-file scan."""
        return self.file.table, tuple((name, str(self.arrow_types[name])) for name in self.present_columns)


def sha256_of(path: Path, chunk: int = 4 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _parse_date(value: object, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise BadInputError(f"{where}: {value!r} is not an ISO date (yyyy-mm-dd)") from exc


def _table_entries(meta: dict, where: str) -> dict[str, dict]:
    """Normalise the accepted metadata layouts to {table: {file, rows, sha256}}."""
    entries: dict[str, dict] = {}
    tables = meta.get("tables", meta.get("files"))
    if isinstance(tables, dict):
        for name, spec in tables.items():
            entries[name] = dict(spec) if isinstance(spec, dict) else {"rows": spec}
    elif isinstance(tables, list):
        for spec in tables:
            if not isinstance(spec, dict) or "table" not in spec:
                raise BadInputError(f"{where}: every entry of 'tables' needs a 'table' key, got {spec!r}")
            entries[spec["table"]] = dict(spec)
    for name, rows in (meta.get("row_counts") or {}).items():
        entries.setdefault(name, {}).setdefault("rows", rows)
    checksums = meta.get("sha256") or meta.get("checksums") or {}
    if isinstance(checksums, dict):
        for key, digest in checksums.items():
            name = Path(key).parent.name if key.endswith(".parquet") else key
            entries.setdefault(name, {}).setdefault("sha256", digest)
    if not entries:
        raise BadInputError(f"{where}: no tables listed (expected a 'tables' mapping)")
    return entries


def read_batch(metadata_path: Path, raw_dir: Path, data_dir: Path) -> Batch:
    where = str(metadata_path)
    try:
        meta = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{where}: unreadable batch metadata ({exc})") from exc
    batch_id = str(meta.get("batch_id") or meta.get("id") or metadata_path.stem)
    if batch_id != metadata_path.stem:
        raise BadInputError(f"{where}: batch_id {batch_id!r} does not match the file name")
    files = []
    for table, spec in sorted(_table_entries(meta, where).items()):
        relative = spec.get("file") or spec.get("path") or f"{table}/{batch_id}.parquet"
        path = _locate(relative, raw_dir, data_dir)
        rows = spec.get("rows", spec.get("row_count"))
        files.append(
            BatchFile(
                table=table,
                path=path,
                source_file=_relative(path, data_dir),
                expected_rows=None if rows is None else int(rows),
                expected_sha256=spec.get("sha256"),
            )
        )
    return Batch(
        batch_id=batch_id,
        period_start=_parse_date(meta.get("period_start"), f"{where}: period_start"),
        period_end=_parse_date(meta.get("period_end"), f"{where}: period_end"),
        metadata_path=metadata_path,
        files=tuple(files),
        contract_version=None if meta.get("contract_version") is None else int(meta["contract_version"]),
    )


def _locate(relative: str, raw_dir: Path, data_dir: Path) -> Path:
    """A metadata path relative to <data> (raw/clientes/x.parquet) or to <data>/raw (clientes/x.parquet)."""
    candidate = Path(relative)
    if candidate.is_absolute():
        return candidate.resolve()
    if candidate.parts and candidate.parts[0] == raw_dir.name and (data_dir / candidate).exists():
        return (data_dir / candidate).resolve()
    return (raw_dir / candidate).resolve()


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# Arrow types a file may use for each contract type (the loader casts to the contract type).
def _compatible(contract_type: str, arrow_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_null(arrow_type):
        return True  # an all-null column
    checks = {
        "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
        "int64": lambda t: (
            pa.types.is_signed_integer(t) or (pa.types.is_unsigned_integer(t) and t.bit_width < 64)
        ),
        "float64": pa.types.is_floating,
        "timestamp": pa.types.is_timestamp,
        "date": pa.types.is_date,
        "bool": pa.types.is_boolean,
    }
    return checks[contract_type](arrow_type)


def check_file(file: BatchFile, contract: Contract, compute_sha: bool = True) -> CheckedFile:
    """Validate one file against the contract and the batch metadata; raise BadInputError if not."""
    try:
        table: Table = contract.table(file.table)
    except KeyError as exc:
        raise BadInputError(f"{file.source_file}: {exc.args[0]}") from None
    if not file.path.is_file():
        raise BadInputError(f"{file.source_file}: listed in the batch metadata but the file does not exist")
    try:
        parquet = pq.ParquetFile(file.path)
        schema = parquet.schema_arrow
        rows = parquet.metadata.num_rows
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise BadInputError(f"{file.source_file}: not a readable Parquet file ({exc})") from exc
    actual = {name: schema.field(name).type for name in schema.names}
    expected = {column.name: column for column in table.columns}
    extra = [name for name in schema.names if name not in expected]
    if extra:
        raise BadInputError(
            f"{file.source_file}: column {extra[0]!r} is not in the contract for table {table.name!r} "
            f"(unexpected columns: {', '.join(extra)}; declare new columns in raw_contract.yml "
            "with added_in)"
        )
    for column in table.columns:
        if column.name not in actual:
            if column.added_in is None:
                raise BadInputError(
                    f"{file.source_file}: missing column {column.name!r} "
                    f"(contract table {table.name!r} expects {column.type})"
                )
            continue
        if not _compatible(column.type, actual[column.name]):
            raise BadInputError(
                f"{file.source_file}: column {column.name!r} has type {actual[column.name]}, "
                f"contract table {table.name!r} expects {column.type}"
            )
    digest = sha256_of(file.path) if compute_sha or file.expected_sha256 else ""
    if file.expected_sha256 and digest != file.expected_sha256:
        raise BadInputError(
            f"{file.source_file}: sha256 {digest} does not match the batch metadata "
            f"({file.expected_sha256}); the file changed after it was written"
        )
    if file.expected_rows is not None and rows != file.expected_rows:
        raise BadInputError(
            f"{file.source_file}: has {rows} rows but the batch metadata says {file.expected_rows}"
        )
    present = tuple(c.name for c in table.columns if c.name in actual)
    return CheckedFile(
        file=file,
        rows=rows,
        sha256=digest,
        present_columns=present,
        arrow_types=actual,
        size=file.path.stat().st_size,
    )


def check_batch(batch: Batch, contract: Contract) -> list[CheckedFile]:
    """Validate every file of a batch and look for stray files; raise on the first problem."""
    if batch.contract_version is not None and batch.contract_version > contract.version:
        raise BadInputError(
            f"{batch.metadata_path.name}: batch {batch.batch_id} was written for raw contract version "
            f"{batch.contract_version}, this warehouse knows version {contract.version}; update "
            "warehouse/raw_contract.yml first"
        )
    listed = {file.path for file in batch.files}
    raw_dir = batch.metadata_path.parent.parent
    for stray in sorted(raw_dir.glob(f"*/{batch.batch_id}.parquet")):
        if stray.resolve() not in listed and not stray.parent.name.startswith("_"):
            raise BadInputError(
                f"{_relative(stray, raw_dir.parent)}: file of batch {batch.batch_id} is not listed in "
                f"{batch.metadata_path.name}"
            )
    return [check_file(file, contract) for file in batch.files]
