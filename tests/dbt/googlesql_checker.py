"""Check prod SQL with Google's GoogleSQL analyzer: what real BigQuery would reject.

The emulator executes everything on DuckDB, so DuckDB's implicit casts and DuckDB-only
functions pass there. This module reads every statement dbt sent on a prod run (models'
DDL and merges, pre-hooks, incremental lookups, data tests, unit tests: dbt's JSON log,
`SQLQuery` events) and analyses them, in the order they were sent, with ZetaSQL's
analyzer (`zetasql_server.py`) against a catalog typed from the raw contract
(warehouse/raw_contract.yml) plus the output of every table and view created before, as
the analyzer typed it. A statement the analyzer rejects is a `Problem` naming the dbt
node, the line and GoogleSQL's message.

    with running_server() as server:
        checker = GoogleSQLChecker(server, project="local-project")
        problems = checker.check_all(captured_statements(data_dir / "dbt-logs" / "dbt.log"))
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import zetasql_server

from warehouse.base import BATCH_COLUMNS, BATCHES_TABLE, LEDGER_COLUMNS, LEDGER_TABLE
from warehouse.config import RAW_DATASET
from warehouse.contract import LINEAGE_COLUMNS, load_contract

_INSTALLED = zetasql_server.ensure_installed()
local_service, _ = zetasql_server.import_stubs(_INSTALLED)
from zetasql.proto import options_pb2, simple_catalog_pb2  # noqa: E402  (generated at install)
from zetasql.public import options_pb2 as public_options  # noqa: E402
from zetasql.public import simple_table_pb2, type_pb2, value_pb2  # noqa: E402, F401 (value_pb2: reference_engine)
from zetasql.public.parse_resume_location_pb2 import ParseResumeLocationProto  # noqa: E402

CONTRACT_TYPES = {
    "string": type_pb2.TYPE_STRING,
    "int64": type_pb2.TYPE_INT64,
    "float64": type_pb2.TYPE_DOUBLE,
    "timestamp": type_pb2.TYPE_TIMESTAMP,
    "date": type_pb2.TYPE_DATE,
    "bool": type_pb2.TYPE_BOOL,
}
_LOCATION = re.compile(r"\[at (\d+):(\d+)\]$")


@dataclass(frozen=True)
class Statement:
    node: str  # dbt unique_id (model.cs_ops_dbt.x, test..., unit_test...) or the connection name
    sql: str


@dataclass(frozen=True)
class Problem:
    node: str
    line: int
    message: str
    text: str

    def __str__(self) -> str:
        return f"{self.node}: line {self.line}: {self.message}\n    {self.text.strip()[:160]}"


class LogRolledOver(RuntimeError):
    """dbt rolled the log file over: the statements it logged first are elsewhere or gone."""


def captured_statements(log_file: Path) -> list[Statement]:
    """Every SQL statement a dbt run sent, in order, from its JSON log (`--log-format-file json
    --log-file-max-bytes 0`: dbt rolls dbt.log over at 10 MB, which a prod build exceeds)."""
    rolled = sorted(log_file.parent.glob(f"{log_file.name}.*"))
    if rolled:
        raise LogRolledOver(
            f"{log_file}: dbt rolled it over ({', '.join(p.name for p in rolled)}), so it lacks the "
            "statements logged first: run dbt with --log-file-max-bytes 0 into a fresh log path"
        )
    statements = []
    for line in log_file.read_text(encoding="utf-8").splitlines():
        if not line.startswith("{") or '"SQLQuery"' not in line:  # text-format runs share the file
            continue
        event = json.loads(line)
        if event["info"]["name"] != "SQLQuery":
            continue
        data = event["data"]
        node = data.get("node_info", {}).get("unique_id") or data.get("conn_name", "?")
        statements.append(Statement(node, data["sql"]))
    return statements


def _column(name: str, kind: int) -> simple_table_pb2.SimpleColumnProto:
    return simple_table_pb2.SimpleColumnProto(name=name, type=type_pb2.TypeProto(type_kind=kind))


def raw_tables() -> dict[str, list[simple_table_pb2.SimpleColumnProto]]:
    """cs_ops_raw_data as the warehouse creates it: contract columns + lineage, ledger, batches."""
    tables = {}
    for name, table in load_contract().tables.items():
        columns = {column.name: column.type for column in table.columns} | LINEAGE_COLUMNS
        tables[name] = [_column(column, CONTRACT_TYPES[kind]) for column, kind in columns.items()]
    for name, columns in ((LEDGER_TABLE, LEDGER_COLUMNS), (BATCHES_TABLE, BATCH_COLUMNS)):
        tables[name] = [_column(column, CONTRACT_TYPES[kind]) for column, kind in columns.items()]
    return tables


def _fields(message, name: str) -> Iterator:
    """Every value of field `name` anywhere in a resolved-AST message (depth first)."""
    for descriptor, value in message.ListFields():
        if descriptor.name == name:
            yield value
        if descriptor.type == descriptor.TYPE_MESSAGE:
            children = value if descriptor.is_repeated else [value]
            for child in children:
                yield from _fields(child, name)


def created_table(resolved) -> tuple[list[str], list[simple_table_pb2.SimpleColumnProto]] | None:
    """(name path, typed columns) of a CREATE TABLE / VIEW statement; None for anything else."""
    kind = resolved.WhichOneof("node")
    if kind != "resolved_create_statement_node":
        return None
    name_path = list(next(_fields(resolved, "name_path")))
    definitions = [d for found in _fields(resolved, "column_definition_list") for d in found]
    if definitions:
        return name_path, [simple_table_pb2.SimpleColumnProto(name=d.name, type=d.type) for d in definitions]
    outputs = [o for found in _fields(resolved, "output_column_list") for o in found]
    return name_path, [simple_table_pb2.SimpleColumnProto(name=o.name, type=o.column.type) for o in outputs]


def dropped_table(sql: str) -> list[str] | None:
    match = re.search(
        r"^\s*drop\s+(?:table|view)\s+(?:if\s+exists\s+)?([`\w.-]+)", _strip_comments(sql), re.I
    )
    return [part for part in match.group(1).replace("`", "").split(".")] if match else None


def _strip_comments(sql: str) -> str:
    return re.sub(r"/\*.*?\*/", "", sql, flags=re.DOTALL)


@dataclass
class GoogleSQLChecker:
    """Analyses statements in order; the catalog grows with every table or view they create."""

    server: object = field(repr=False)  # ZetaSqlLocalServiceStub
    project: str
    tables: dict[tuple[str, str], list] = field(default_factory=dict, repr=False)
    analysed: int = 0
    resolved: list = field(default_factory=list, repr=False)  # (Statement, resolved statement proto)

    def __post_init__(self) -> None:
        language = self.server.GetLanguageOptions(local_service.LanguageOptionsRequest(maximum_features=True))
        del language.supported_statement_kinds[:]  # empty = every statement kind (DDL, DML, scripts)
        language.product_mode = public_options.PRODUCT_EXTERNAL  # BigQuery's: FLOAT64, no INT32/PROTO
        self.language = language
        self.options = options_pb2.AnalyzerOptionsProto(
            language_options=language,
            error_message_mode=public_options.ERROR_MESSAGE_ONE_LINE,
            prune_unused_columns=True,  # resolved scans list only the columns a query reads
            allow_undeclared_parameters=True,
            default_timezone="UTC",  # BigQuery's default (the analyzer's is America/Los_Angeles)
        )
        for name, columns in raw_tables().items():
            self.tables.setdefault((RAW_DATASET, name), columns)

    def catalog(self) -> simple_catalog_pb2.SimpleCatalogProto:
        """`project`.`dataset`.`table` and `dataset`.`table` both resolve."""
        datasets: dict[str, list] = {}
        for (dataset, name), columns in self.tables.items():
            datasets.setdefault(dataset, []).append(
                simple_table_pb2.SimpleTableProto(name=name, column=columns)
            )
        children = [
            simple_catalog_pb2.SimpleCatalogProto(name=d, table=t) for d, t in sorted(datasets.items())
        ]
        project = simple_catalog_pb2.SimpleCatalogProto(name=self.project, catalog=children)
        functions = options_pb2.ZetaSQLBuiltinFunctionOptionsProto(language_options=self.language)
        return simple_catalog_pb2.SimpleCatalogProto(
            name="bigquery", catalog=[project, *children], builtin_function_options=functions
        )

    def _request(self, sql: str, position: int, catalog) -> local_service.AnalyzeRequest:
        return local_service.AnalyzeRequest(
            options=self.options,
            simple_catalog=catalog,
            parse_resume_location=ParseResumeLocationProto(
                input=sql, byte_position=position, allow_resume=True
            ),
        )

    def resolve(self, sql: str) -> list | None:
        """The resolved statements of one SQL text against the catalog as it is (which they
        do not change); None when one does not resolve."""
        import grpc

        catalog, resolved, position = self.catalog(), [], 0
        encoded = sql.encode()
        while position < len(encoded) and encoded[position:].strip(b" \t\r\n;"):
            try:
                response = self.server.Analyze(self._request(sql, position, catalog))
            except grpc.RpcError:
                return None
            resolved.append(response.resolved_statement)
            position = response.resume_byte_position
        return resolved

    def analyse(self, statement: Statement) -> list[Problem]:
        """Analyse every statement in one SQL text (dbt sends scripts too); [] when all resolve."""
        import grpc

        catalog = self.catalog()
        position, sql = 0, statement.sql
        encoded = sql.encode()
        while position < len(encoded) and encoded[position:].strip(b" \t\r\n;"):
            try:
                response = self.server.Analyze(self._request(sql, position, catalog))
            except grpc.RpcError as error:
                return [self._problem(statement, error.details() or str(error.code()))]
            self.analysed += 1
            self.resolved.append((statement, response.resolved_statement))
            self._record(response.resolved_statement)
            catalog = self.catalog()
            position = response.resume_byte_position
        dropped = dropped_table(sql)
        if dropped and len(dropped) >= 2:
            self.tables.pop((dropped[-2], dropped[-1]), None)
        return []

    def _record(self, resolved) -> None:
        created = created_table(resolved)
        if created:
            name_path, columns = created
            self.tables[(name_path[-2], name_path[-1])] = columns

    def _problem(self, statement: Statement, message: str) -> Problem:
        match = _LOCATION.search(message)
        line = int(match.group(1)) if match else 0
        lines = statement.sql.splitlines()
        return Problem(statement.node, line, message, lines[line - 1] if 0 < line <= len(lines) else "")

    def check_all(self, statements: Iterable[Statement]) -> list[Problem]:
        problems = []
        for statement in statements:
            problems += self.analyse(statement)
        return problems
