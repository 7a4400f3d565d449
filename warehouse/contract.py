"""The raw data contract (raw_contract.yml) as Python objects and Arrow schemas.

The generator writes files that match it, the warehouse refuses files that do not,
and dbt's sources describe the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import yaml

CONTRACT_PATH = Path(__file__).with_name("raw_contract.yml")
# libyaml's loader when PyYAML has it (10x faster: ~1 ms instead of ~12 ms per load_raw process)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "bool": pa.bool_(),
}

LINEAGE_COLUMNS: dict[str, str] = {
    "_batch_id": "string",
    "_source_file": "string",
    "_loaded_at": "timestamp",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    added_in: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    primary_key: str
    columns: tuple[Column, ...]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=True) for c in self.columns])


@dataclass(frozen=True)
class Contract:
    version: int
    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(
                f"table {name!r} is not in the raw contract {CONTRACT_PATH.name}; "
                f"known tables: {', '.join(sorted(self.tables))}"
            ) from None


def parse_contract(document: dict) -> Contract:
    tables = {}
    for name, spec in document["tables"].items():
        columns = []
        for column_name, column_spec in spec["columns"].items():
            kind = column_spec["type"]
            if kind not in ARROW_TYPES:
                raise ValueError(f"contract: {name}.{column_name} has unknown type {kind!r}")
            columns.append(
                Column(
                    name=column_name,
                    type=kind,
                    description=str(column_spec.get("description", "")),
                    added_in=column_spec.get("added_in"),
                )
            )
        tables[name] = Table(
            name=name,
            description=str(spec.get("description", "")).strip(),
            primary_key=spec["primary_key"],
            columns=tuple(columns),
        )
    return Contract(version=int(document["version"]), tables=tables)


@lru_cache(maxsize=1)
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    with open(path, encoding="utf-8") as handle:
        return parse_contract(yaml.load(handle, Loader=_YAML_LOADER))
