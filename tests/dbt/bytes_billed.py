"""What a dbt run costs on BigQuery: bytes billed, estimated from GoogleSQL's resolved statements.

BigQuery (on-demand) bills a query for the bytes of every column it reads, in the
partitions it reads, at least 10 MB per table it names; writing is free, so a
`create table as select` or a `merge` costs what its query reads. The emulator reports 0
bytes, so the estimate comes from the statements themselves:

* every statement dbt sent on a prod run (`googlesql_checker.captured_statements`) is
  analysed in order by GoogleSQL's analyzer with the views it names written out inline (a
  view costs what its query reads), so each table scan of the resolved statement lists the
  columns it reads from a real table (`prune_unused_columns`);
* a scan is pruned to the new partitions when a filter compares the table's partition
  column (the `partition by` of its CREATE statement, or `RAW_PARTITIONS` for the raw
  events) with a constant, directly or through columns that views and CTEs pass on (an
  `or` of such bounds on one column, `is null` among them, prunes too);
* a scan under a constant-false filter (`where false`: dbt asking for a query's columns)
  reads nothing; `create view` runs no query;
* a column costs `rows x bytes per value`: 8 for INT64, FLOAT64, DATE, TIMESTAMP, 1 for
  BOOL, 2 + the average UTF-8 length for STRING (0 for NULL), from `TableSize`s measured on
  a dev build and scaled to the events wanted.

    estimate = Estimate(checker, sizes, pruned_fraction=0.02)
    bill = estimate.run(captured_statements(log))   # bill.total_bytes, bill.largest()
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from googlesql_checker import GoogleSQLChecker, Statement, _fields, _strip_comments, type_pb2

from warehouse.bigquery_backend import RAW_PARTITIONS

MIN_BYTES_PER_TABLE = 10 * 2**20  # BigQuery's minimum per table a query names
FIXED_BYTES = {
    type_pb2.TYPE_INT64: 8,
    type_pb2.TYPE_DOUBLE: 8,
    type_pb2.TYPE_DATE: 8,
    type_pb2.TYPE_TIMESTAMP: 8,
    type_pb2.TYPE_BOOL: 1,
    type_pb2.TYPE_NUMERIC: 16,
}
COMPARISONS = ("$equal", "$greater", "$greater_or_equal", "$less", "$less_or_equal", "$between")
TEMPORARY_SUFFIX = "__dbt_tmp"  # dbt-bigquery's table of an incremental run's new rows
_VIEW = re.compile(
    r"^\s*create\s+or\s+replace\s+view\s+`[^`]+`\.`([^`]+)`\.`([^`]+)`\s+OPTIONS\(\s*\)\s+as\s+(.*)",
    re.IGNORECASE | re.DOTALL,
)
_NAME = r"`[^`]+`\.`{dataset}`\.`{name}`"


@dataclass(frozen=True)
class TableSize:
    rows: float
    value_bytes: dict[str, float]  # column -> average bytes of a value (0 for NULL)


def count_rows(duckdb_file: Path, table: str) -> int:
    con = duckdb.connect(str(duckdb_file), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def measure_sizes(duckdb_file: Path, datasets: Iterable[str], scale: float) -> dict[str, TableSize]:
    """Rows and average value bytes of every table of a dev build, rows multiplied by `scale`
    (the value sizes stay: a history 10x longer has 10x the rows, not longer ids)."""
    con = duckdb.connect(str(duckdb_file), read_only=True)
    con.execute("set enable_progress_bar = false")
    try:
        columns = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema in (select unnest(?)) order by table_name, ordinal_position",
            [list(datasets)],
        ).fetchall()
        schemas = dict(
            con.execute(
                "select table_name, table_schema from information_schema.tables "
                "where table_schema in (select unnest(?)) and table_type = 'BASE TABLE'",
                [list(datasets)],
            ).fetchall()
        )
        sizes = {}
        for table, schema in schemas.items():
            strings = [name for t, name, kind in columns if t == table and kind == "VARCHAR"]
            averages = ", ".join(
                f'coalesce(avg(case when "{c}" is null then 0 else 2 + strlen("{c}") end), 0)'
                for c in strings
            )
            row = con.execute(f"select count(*){', ' + averages if strings else ''} from {schema}.{table}")
            rows, *lengths = row.fetchone()
            sizes[table] = TableSize(rows * scale, dict(zip(strings, map(float, lengths), strict=True)))
        return sizes
    finally:
        con.close()


@dataclass(frozen=True)
class Scan:
    table: str
    columns: tuple[tuple[str, int], ...]  # (name, type kind) of every column read
    pruned: bool


@dataclass(frozen=True)
class Billed:
    node: str
    bytes: float
    scans: tuple[Scan, ...]


@dataclass
class Bill:
    statements: list[Billed] = field(default_factory=list)
    not_expanded: int = 0  # statements analysed with their views as tables (inlining failed)

    @property
    def total_bytes(self) -> float:
        return sum(statement.bytes for statement in self.statements)

    def largest(self, top: int = 5) -> list[Billed]:
        return sorted(self.statements, key=lambda billed: -billed.bytes)[:top]

    def by_node(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for billed in self.statements:
            totals[billed.node] = totals.get(billed.node, 0.0) + billed.bytes
        return totals


# a MERGE or INSERT writes into its target: BigQuery bills what it reads, not what it writes
WRITTEN_SCANS = {"ResolvedMergeStmtProto": "table_scan", "ResolvedInsertStmtProto": "table_scan"}


def _children(message) -> Iterator:
    skipped = WRITTEN_SCANS.get(message.DESCRIPTOR.name)
    for descriptor, value in message.ListFields():
        if descriptor.type == descriptor.TYPE_MESSAGE and descriptor.name != skipped:
            yield from (value if descriptor.is_repeated else [value])


def _function_name(call) -> str:
    return call.parent.function.name.split(":")[-1]


def _unwrap(expr):
    """The concrete expression inside an Any*Proto wrapper (oneof), down to the leaf node."""
    while True:
        kind = expr.WhichOneof("node") if "node" in [o.name for o in expr.DESCRIPTOR.oneofs] else None
        if kind is None:
            return expr
        expr = getattr(expr, kind)


def _output_columns(any_scan) -> list:
    """The columns a scan produces (a ResolvedScanProto's column_list, under its subtypes)."""
    node = _unwrap(any_scan)
    while "column_list" not in node.DESCRIPTOR.fields_by_name:
        node = node.parent
    return list(node.column_list)


def _column_ref(expr) -> int | None:
    """The column id an expression reads as is (a column, or a cast of one); else None."""
    node = _unwrap(expr)
    if node.DESCRIPTOR.name == "ResolvedColumnRefProto":
        return node.column.column_id
    if node.DESCRIPTOR.name == "ResolvedCastProto":
        return _column_ref(node.expr)
    return None


def _is_constant(expr) -> bool:
    return not any(True for _ in _fields(expr, "column")) and not any(True for _ in _fields(expr, "subquery"))


def _conjuncts(expr) -> Iterator:
    node = _unwrap(expr)
    if node.DESCRIPTOR.name == "ResolvedFunctionCallProto" and _function_name(node) == "$and":
        for argument in node.parent.argument_list:
            yield from _conjuncts(argument)
    else:
        yield node


def _is_false(node) -> bool:
    return (
        node.DESCRIPTOR.name == "ResolvedLiteralProto"
        and node.value.value.HasField("bool_value")
        and (not node.value.value.bool_value)
    )


def _bounded_columns(node) -> set[int]:
    """The column a filter compares with a constant (`col >= date '...'`); for an `or`, the
    column every branch bounds, where `col is null` counts as a bound (BigQuery reads the
    NULL partition then, one more partition)."""
    if node.DESCRIPTOR.name != "ResolvedFunctionCallProto":
        return set()
    name = _function_name(node)
    arguments = list(node.parent.argument_list)
    if name == "$is_null":
        column = _column_ref(arguments[0])
        return set() if column is None else {column}
    if name == "$or":
        branches = [_bounded_columns(_unwrap(argument)) for argument in arguments]
        return set.intersection(*branches) if branches else set()
    if name not in COMPARISONS:
        return set()
    bounded = set()
    for index, argument in enumerate(arguments):
        column = _column_ref(argument)
        others = arguments[:index] + arguments[index + 1 :]
        if column is not None and all(_is_constant(other) for other in others):
            bounded.add(column)
    return bounded


@dataclass
class _Walk:
    """One resolved statement: its table scans, the columns each column is computed from, the
    columns read for their own sake (filters, joins, grouping keys, the output), the columns
    bounded by a constant. A table column is read when one of those needs it: BigQuery skips
    the columns an import CTE's `select *` passes on and nothing uses."""

    scans: list = field(default_factory=list)  # ResolvedTableScanProto
    defs: dict[int, set[int]] = field(default_factory=dict)  # column id -> columns it is computed from
    forwards: dict[int, int] = field(default_factory=dict)  # column id -> the column it passes on as is
    roots: set[int] = field(default_factory=set)
    bounded: set[int] = field(default_factory=set)
    with_scopes: list[dict[str, list[int]]] = field(default_factory=list)  # WITH name -> its columns

    def visit(self, message, owner: int | None = None) -> None:
        """`owner`: the computed column whose expression this is (None: read for its own sake)."""
        name = message.DESCRIPTOR.name
        if name == "ResolvedTableScanProto":
            self.scans.append(message)
        elif name == "ResolvedColumnRefProto":
            self._use(message.column.column_id, owner)
        elif name == "ResolvedOutputColumnProto":
            self.roots.add(message.column.column_id)
        elif name == "ResolvedInsertStmtProto":
            self.roots.update(column.column_id for column in message.query_output_column_list)
        elif name == "ResolvedAggregateScanBaseProto":
            self.roots.update(key.column.column_id for key in message.group_by_list)
        elif name == "ResolvedComputedColumnProto":
            column = message.column.column_id
            self.defs.setdefault(column, set())
            source = _column_ref(message.expr)
            if source is not None:
                self.forwards[column] = source
            self.visit(message.expr, owner=column)
            return
        elif name == "ResolvedSubqueryExprProto":  # its output is used where the subquery is
            for column in _output_columns(message.subquery):
                self._use(column.column_id, owner)
        elif name == "ResolvedFilterScanProto":
            conjuncts = list(_conjuncts(message.filter_expr))
            if any(_is_false(conjunct) for conjunct in conjuncts):
                return  # `where false`: nothing below is read
            for conjunct in conjuncts:
                self._bound(conjunct)
        elif name == "ResolvedWithScanProto":
            self.with_scopes.append({})
            for entry in message.with_entry_list:
                self.visit(entry.with_subquery, owner)
                columns = _output_columns(entry.with_subquery)
                self.with_scopes[-1][entry.with_query_name] = [column.column_id for column in columns]
            self.visit(message.query, owner)
            self.with_scopes.pop()
            return
        elif name == "ResolvedWithRefScanProto":
            sources = next(
                (scope[message.with_query_name] for scope in reversed(self.with_scopes)
                 if message.with_query_name in scope),
                [],
            )  # fmt: skip
            for column, source in zip(message.parent.column_list, sources, strict=False):
                self.forwards[column.column_id] = source
                self.defs.setdefault(column.column_id, set()).add(source)
        elif name == "ResolvedSetOperationScanProto":
            for item in message.input_item_list:
                for column, source in zip(message.parent.column_list, item.output_column_list, strict=False):
                    self.defs.setdefault(column.column_id, set()).add(source.column_id)
        for child in _children(message):
            self.visit(child, owner)

    def _use(self, column: int, owner: int | None) -> None:
        if owner is None:
            self.roots.add(column)
        else:
            self.defs.setdefault(owner, set()).add(column)

    def _bound(self, node) -> None:
        self.bounded.update(_bounded_columns(node))

    def origin(self, column_id: int) -> int:
        seen = set()
        while column_id in self.forwards and column_id not in seen:
            seen.add(column_id)
            column_id = self.forwards[column_id]
        return column_id

    def live(self) -> set[int]:
        """Every column the roots are computed from, directly or not."""
        todo, seen = list(self.roots), set()
        while todo:
            column = todo.pop()
            if column not in seen:
                seen.add(column)
                todo.extend(self.defs.get(column, ()))
        return seen


def partition_column(resolved) -> tuple[str, str] | None:
    """(table, partition column) of a CREATE TABLE statement with a `partition by` (its own
    clause, not a window's)."""
    node = _unwrap(resolved)
    if "partition_by_list" not in node.DESCRIPTOR.fields_by_name:
        return None
    name_path = list(next(_fields(node, "name_path")))
    for expr in node.partition_by_list:
        for column in _fields(expr, "column"):
            return name_path[-1], column.name
    return None


@dataclass
class Estimate:
    """Bytes billed by the statements of one run, given table sizes at the scale wanted."""

    checker: GoogleSQLChecker
    sizes: dict[str, TableSize]
    pruned_fraction: float  # share of a partitioned table the new partitions hold
    views: dict[tuple[str, str], str] = field(default_factory=dict)
    partitions: dict[str, str] = field(default_factory=lambda: {t: c for t, (c, _) in RAW_PARTITIONS.items()})

    def run(self, statements: Iterable[Statement]) -> Bill:
        bill = Bill()
        for statement in statements:
            problems = self.checker.analyse(statement)
            assert not problems, problems  # the checker's own test fails first, with the message
            view = _VIEW.match(_strip_comments(statement.sql))
            if view:  # no query runs; later statements read it inline
                self.views[(view.group(1), view.group(2))] = view.group(3).strip().rstrip(";")
                continue
            resolved, expanded = self._resolve(statement.sql)
            bill.not_expanded += not expanded
            scans: list[Scan] = []
            for one in resolved:
                found = partition_column(one)
                if found:
                    self.partitions[found[0]] = found[1]
                scans += self._scans(one)
            billed = sum(self._scan_bytes(scan) for scan in scans) + MIN_BYTES_PER_TABLE * len(
                {scan.table for scan in scans}
            )
            bill.statements.append(Billed(statement.node, billed, tuple(scans)))
        return bill

    def inline_views(self, sql: str) -> str:
        """The SQL with every view it names replaced by the view's query, until none is left."""
        for _ in range(10):  # views over views: staging under intermediate under marts
            changed = sql
            for (dataset, name), body in self.views.items():
                pattern = re.compile(
                    _NAME.format(dataset=re.escape(dataset), name=re.escape(name)) + r"(\s+as\b)?"
                )
                changed = pattern.sub(
                    lambda match, body=body, name=name: f"({body}\n)" + (match.group(1) or f" as {name}"),
                    changed,
                )
            if changed == sql:
                return sql
            sql = changed
        return sql

    def _resolve(self, sql: str) -> tuple[list, bool]:
        """The resolved statements of the SQL with its views inline (as analysed, if that fails)."""
        inlined = self.inline_views(sql)
        if inlined != sql:
            resolved = self.checker.resolve(inlined)
            if resolved is not None:
                return resolved, True
        return self.checker.resolve(sql) or [], inlined == sql

    def _scans(self, resolved) -> list[Scan]:
        if resolved.WhichOneof("node") == "resolved_create_statement_node" and any(
            True for _ in _fields(resolved, "sql")
        ):  # create view / create function: no query runs
            return []
        walk = _Walk()
        walk.visit(resolved)
        bounded = {walk.origin(column) for column in walk.bounded}
        live = walk.live()
        scans = []
        for scan in walk.scans:
            table = scan.table.name
            read = [c for c in scan.parent.column_list if c.column_id in live]
            partition = self.partitions.get(table)
            pruned = any(c.column_id in bounded and c.name == partition for c in scan.parent.column_list)
            scans.append(Scan(table, tuple((c.name, c.type.type_kind) for c in read), pruned))
        return scans

    def _scan_bytes(self, scan: Scan) -> float:
        table = scan.table.removesuffix(TEMPORARY_SUFFIX)
        size = self.sizes.get(table)
        if size is None:
            return 0.0  # a table the dev build does not have (dbt's bookkeeping): the minimum only
        rows = size.rows * (self.pruned_fraction if scan.pruned or table != scan.table else 1.0)
        per_row = sum(
            size.value_bytes.get(name, 0.0) if kind == type_pb2.TYPE_STRING else FIXED_BYTES.get(kind, 8)
            for name, kind in scan.columns
        )
        return rows * per_row
