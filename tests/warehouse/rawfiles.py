"""Small, deterministic raw batches written with the contract's Arrow schemas.

The warehouse tests do not depend on the generator: they write their own Parquet files
and batch metadata in the layout the generator uses. Importable from test subprocesses
(`python tests/warehouse/rawfiles.py` is not a script; add this folder to sys.path).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.contract import Contract, Table, load_contract

UTC = dt.UTC


def batch_id(index: int) -> str:
    month = dt.date(2024, 1, 1) + dt.timedelta(days=31 * (index - 1))
    return f"b{index:04d}_{month:%Y-%m}"


def rows_for(table: str, index: int) -> int:
    """Rows of `table` in batch `index` (differs by table and batch so mix-ups show)."""
    return 3 + index * 2 + len(table) % 4


def _values(table: Table, column, index: int, n: int) -> list:
    kind = column.type
    if kind == "string":
        return [f"{table.name[:3]}-{column.name}-{index}-{k}" for k in range(n)]
    if kind == "int64":
        return [index * 1000 + k for k in range(n)]
    if kind == "float64":
        return [index + k / 4 for k in range(n)]
    if kind == "timestamp":
        return [dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(days=index, minutes=k) for k in range(n)]
    if kind == "date":
        return [dt.date(2024, 1, 1) + dt.timedelta(days=index + k) for k in range(n)]
    return [k % 2 == 0 for k in range(n)]


def table_frame(table: Table, index: int, skip: tuple[str, ...] = ()) -> pa.Table:
    n = rows_for(table.name, index)
    columns = [c for c in table.columns if c.name not in skip]
    schema = pa.schema([f for f in table.arrow_schema() if f.name not in skip])
    return pa.table({c.name: _values(table, c, index, n) for c in columns}, schema=schema)


def write_batch(
    raw_dir: Path,
    index: int,
    contract: Contract | None = None,
    frames: dict[str, pa.Table] | None = None,
    tables: list[str] | None = None,
) -> str:
    """Write one batch (every contract table unless `tables`) and its metadata; returns its id.

    `frames` overrides the data of some tables (to write bad files on purpose).
    """
    contract = contract or load_contract()
    bid = batch_id(index)
    entries = {}
    for name in tables or sorted(contract.tables):
        frame = (frames or {}).get(name)
        if frame is None:
            frame = table_frame(contract.table(name), index)
        path = raw_dir / name / f"{bid}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(frame, path)
        entries[name] = {
            "file": f"{name}/{bid}.parquet",
            "rows": frame.num_rows,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    start = dt.date(2024, 1, 1) + dt.timedelta(days=31 * (index - 1))
    meta = {
        "batch_id": bid,
        "period_start": start.isoformat(),
        "period_end": (start + dt.timedelta(days=27)).isoformat(),
        "tables": entries,
        "row_counts": {name: entry["rows"] for name, entry in entries.items()},
    }
    (raw_dir / "_batches").mkdir(parents=True, exist_ok=True)
    (raw_dir / "_batches" / f"{bid}.json").write_text(json.dumps(meta, indent=2))
    return bid


def refresh_checksum(raw_dir: Path, bid: str, table: str) -> None:
    """Make the metadata agree with a file rewritten on purpose (so only the content is bad)."""
    meta_path = raw_dir / "_batches" / f"{bid}.json"
    meta = json.loads(meta_path.read_text())
    path = raw_dir / table / f"{bid}.parquet"
    meta["tables"][table]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        meta["tables"][table]["rows"] = pq.ParquetFile(path).metadata.num_rows
    except Exception:
        pass
    meta_path.write_text(json.dumps(meta, indent=2))
