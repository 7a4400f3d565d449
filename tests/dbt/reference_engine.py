"""BigQuery's semantics twin: run prod SQL on Google's GoogleSQL reference engine.

ZetaSQL's `EvaluateQuery` executes a GoogleSQL query on rows passed with the request.
`evaluate_models()` runs the compiled prod SQL of every model of a dbt run, in the order dbt
built them, on the raw rows of a dev (DuckDB) build plus the rows each earlier model gave, and
returns every model's rows; tests compare them with the DuckDB build of the same raw rows.

The server only fills tables at the top of its catalog, so a query's
`project`.`dataset`.`table` names become one top-level name `dataset.table` here (the only
change made to the SQL).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import googlesql_checker as checker
import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from warehouse.config import ANALYTICS_DATASET

EPOCH = dt.date(1970, 1, 1)
# the generated ZetaSQL modules (the checker imports them from the installed stubs)
local_service, simple_catalog_pb2, simple_table_pb2 = (
    checker.local_service,
    checker.simple_catalog_pb2,
    checker.simple_table_pb2,
)
type_pb2, value_pb2 = checker.type_pb2, checker.value_pb2


@dataclass
class Table:
    columns: list[simple_table_pb2.SimpleColumnProto]
    rows: list[local_service.TableData.Row]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


def to_value(value: object, kind: int) -> value_pb2.ValueProto:
    """A Python value (as DuckDB returns it) as a ZetaSQL value of the column's type."""
    if value is None:
        return value_pb2.ValueProto()  # an empty ValueProto is NULL
    if kind == type_pb2.TYPE_INT64:
        return value_pb2.ValueProto(int64_value=int(value))
    if kind == type_pb2.TYPE_DOUBLE:
        return value_pb2.ValueProto(double_value=float(value))
    if kind == type_pb2.TYPE_STRING:
        return value_pb2.ValueProto(string_value=str(value))
    if kind == type_pb2.TYPE_BOOL:
        return value_pb2.ValueProto(bool_value=bool(value))
    if kind == type_pb2.TYPE_DATE:
        return value_pb2.ValueProto(date_value=(value - EPOCH).days)
    if kind == type_pb2.TYPE_TIMESTAMP:
        stamp = Timestamp()
        stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
        return value_pb2.ValueProto(timestamp_value=stamp)
    raise TypeError(f"no conversion of {value!r} to ZetaSQL type kind {kind}")


def from_value(value: value_pb2.ValueProto) -> object:
    """A ZetaSQL value as Python (timestamps as naive UTC datetimes, NUMERIC as float)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "date_value":
        return EPOCH + dt.timedelta(days=value.date_value)
    if kind == "timestamp_value":
        return value.timestamp_value.ToDatetime()
    if kind == "numeric_value":  # little-endian two's complement of value * 10^9
        return int.from_bytes(value.numeric_value, "little", signed=True) / 1e9
    if kind == "array_value":
        return [from_value(element) for element in value.array_value.element]
    return getattr(value, kind)


def raw_tables_from_duckdb(duckdb_file: Path) -> dict[str, Table]:
    """Every raw table of the dev build, typed by the raw contract, as reference-engine rows."""
    tables = {}
    con = duckdb.connect(str(duckdb_file), read_only=True)
    try:
        for name, columns in checker.raw_tables().items():
            names = ", ".join(f'"{column.name}"' for column in columns)
            rows = con.execute(f"select {names} from {checker.RAW_DATASET}.{name}").fetchall()
            kinds = [column.type.type_kind for column in columns]
            converted = [
                local_service.TableData.Row(cell=[to_value(v, k) for v, k in zip(row, kinds, strict=True)])
                for row in rows
            ]
            tables[f"{checker.RAW_DATASET}.{name}"] = Table(columns, converted)
    finally:
        con.close()
    return tables


def flatten_names(sql: str, project: str) -> str:
    """`project`.`dataset`.`table` -> `dataset.table` (a top-level table of the catalog)."""
    return re.sub(rf"`{re.escape(project)}`\.`(\w+)`\.`(\w+)`", r"`\1.\2`", sql)


def built_models(run_results: Path) -> list[tuple[str, str]]:
    """(model name, compiled SQL) of every model a dbt run built, in the order it finished them
    (a model starts after its parents finish, so this is a DAG order)."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    return [
        (result["unique_id"].split(".")[-1], result["compiled_code"])
        for result in results
        if result["unique_id"].startswith("model.") and result["status"] == "success"
    ]


def evaluate(server, options, sql: str, tables: dict[str, Table]) -> Table:
    """One query on the reference engine, with the contents of the tables it names."""
    used = {name: table for name, table in tables.items() if f"`{name}`" in sql}
    catalog = simple_catalog_pb2.SimpleCatalogProto(
        name="reference",
        table=[simple_table_pb2.SimpleTableProto(name=name, column=t.columns) for name, t in used.items()],
        builtin_function_options=checker.options_pb2.ZetaSQLBuiltinFunctionOptionsProto(
            language_options=options.language_options
        ),
    )
    contents = {
        name: local_service.TableContent(table_data=local_service.TableData(row=t.rows))
        for name, t in used.items()
    }
    response = server.EvaluateQuery(
        local_service.EvaluateQueryRequest(
            sql=sql, options=options, simple_catalog=catalog, table_content=contents
        )
    )
    columns = list(response.prepared.columns)
    return Table(columns, list(response.content.table_data.row))


def evaluate_models(
    server, options, models: list[tuple[str, str]], duckdb_file: Path, project: str
) -> dict[str, Table]:
    """Every model's prod SQL on the reference engine, each reading the rows of the ones before."""
    tables = raw_tables_from_duckdb(duckdb_file)
    outputs = {}
    for name, sql in models:
        try:
            table = evaluate(server, options, flatten_names(sql, project), tables)
        except grpc.RpcError as error:
            raise AssertionError(
                f"model {name}: the GoogleSQL reference engine says: {error.details()}"
            ) from None
        tables[f"{ANALYTICS_DATASET}.{name}"] = outputs[name] = table
    return outputs


def as_records(table: Table) -> list[tuple]:
    return [tuple(from_value(cell) for cell in row.cell) for row in table.rows]


# ---------- comparison with the DuckDB build ----------

FLOAT_TOLERANCE = 1e-9  # relative and absolute: the same formula in IEEE doubles, summed in another order


def _plain(value: object) -> object:
    """DuckDB's and the reference engine's Python values in one representation."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sort_key(row: tuple) -> tuple:
    exact = tuple((v is None, str(v)) for v in row if not isinstance(v, float))
    floats = tuple((v is None, round(v, 6)) for v in row if isinstance(v, float))
    return exact + floats


def _same(left: object, right: object) -> bool:
    if isinstance(left, float | int) and isinstance(right, float | int) and not isinstance(left, bool):
        return math.isclose(left, right, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return left == right


def differences(name: str, reference: Table, duckdb_file: Path, skip: set[str]) -> list[str]:
    """Per column of a model, the rows where the reference engine and the DuckDB build differ
    (rows sorted the same way on both sides; columns in `skip` are left out)."""
    names = [column for column in reference.names if column not in skip]
    con = duckdb.connect(str(duckdb_file), read_only=True)
    try:
        quoted = ", ".join(f'"{column}"' for column in names)
        dev_rows = con.execute(f"select {quoted} from {ANALYTICS_DATASET}.{name}").fetchall()
    finally:
        con.close()
    positions = [reference.names.index(column) for column in names]
    ref_rows = [tuple(row[i] for i in positions) for row in as_records(reference)]
    if len(ref_rows) != len(dev_rows):
        return [f"{name}: {len(ref_rows)} rows on the reference engine, {len(dev_rows)} on DuckDB"]
    ref_rows = sorted(ref_rows, key=_sort_key)
    dev_rows = sorted((tuple(_plain(v) for v in row) for row in dev_rows), key=_sort_key)
    found = []
    for index, column in enumerate(names):
        bad = [
            (r[index], d[index])
            for r, d in zip(ref_rows, dev_rows, strict=True)
            if not _same(r[index], d[index])
        ]
        if bad:
            found.append(
                f"{name}.{column}: {len(bad)}/{len(ref_rows)} rows differ, "
                f"e.g. reference {bad[0][0]!r} vs DuckDB {bad[0][1]!r}"
            )
    return found
