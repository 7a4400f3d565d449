"""Files on disk: atomic Parquet/JSON writes, checksums, the saved simulation state."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from generator.simulation import CUSTOMER_ARRAYS

STATE_FILE = "state.json"
CUSTOMERS_FILE = "customers.npz"
ARRAY_KEYS = ("c", "u_created")  # state entries saved in the npz, not in the JSON


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_parquet(
    table: pa.Table, path: Path, no_dictionary: tuple[str, ...] = (), compression: str = "zstd"
) -> str:
    """Write to a temp name then rename; returns the sha256 of the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    # dictionary encoding only where values repeat: never for timestamps or the listed (unique-ish) columns
    dictionary = [
        field.name
        for field in table.schema
        if field.name not in no_dictionary and not pa.types.is_timestamp(field.type)
    ]
    codecs = compression
    if compression == "snappy":  # random timestamps do not compress: skip the codec for them
        codecs = {
            field.name: "none" if pa.types.is_timestamp(field.type) else compression for field in table.schema
        }
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression=codecs,
        compression_level=1 if compression == "zstd" else None,
        use_dictionary=dictionary,
        row_group_size=1_000_000,
        write_statistics=False,
        store_schema=False,  # readers see the contract's plain types (dictionary columns stay an encoding)
    )
    data = sink.getvalue()  # hashed in memory, then written once: no re-read of the file
    digest = hashlib.sha256(memoryview(data)).hexdigest()
    with open(tmp, "wb") as handle:
        handle.write(memoryview(data))
    os.replace(tmp, path)
    return digest


def write_arrow(table: pa.Table, path: Path) -> None:
    """An Arrow IPC file (temp name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    os.replace(tmp, path)


def read_arrow(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def write_bytes(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def write_json(document: dict, path: Path) -> None:
    write_bytes(
        (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"), path
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_state(state: dict, state_dir: Path, pending: dict[str, pa.Table]) -> None:
    """Customer arrays (npz), counters (json) and rows due in later batches (parquet)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(state_dir / CUSTOMERS_FILE)
    with open(tmp, "wb") as handle:
        np.savez(handle, **state["c"], u_created=state.get("u_created", np.empty(0, np.int32)))
    os.replace(tmp, state_dir / CUSTOMERS_FILE)
    for name, table in pending.items():  # Arrow IPC: cheap to write every batch, read back exactly
        write_arrow(table, state_dir / f"pending_{name}.arrow")
    meta = {key: value for key, value in state.items() if key not in ARRAY_KEYS}
    meta["pending_tables"] = sorted(pending)
    write_json(meta, state_dir / STATE_FILE)


def load_state(state_dir: Path) -> tuple[dict, dict[str, pa.Table]]:
    with open(state_dir / STATE_FILE, encoding="utf-8") as handle:
        meta = json.load(handle)
    with np.load(state_dir / CUSTOMERS_FILE) as arrays:
        customers = {name: arrays[name].astype(dtype) for name, dtype in CUSTOMER_ARRAYS.items()}
        u_created = arrays["u_created"].astype(np.int32)
    pending = {name: read_arrow(state_dir / f"pending_{name}.arrow") for name in meta.pop("pending_tables")}
    meta["c"] = customers
    meta["u_created"] = u_created
    return meta, pending


def read_state_meta(state_dir: Path) -> dict | None:
    path = state_dir / STATE_FILE
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
