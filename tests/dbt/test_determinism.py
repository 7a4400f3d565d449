"""The same raw rows built twice from scratch give the same tables, even where versions tie.

Every raw table gets a new record sent twice in the last batch with the same key, the same
updated_at and the same file, differing in one column (the usage event: two different
events under one event id). One warehouse stores the two rows in one order, the other in
the reverse order; a full build of each must give identical tables (row counts and
checksums of every table and view), so which version is kept never depends on how the
rows happen to be stored or scanned.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import raw_fixture
from dbt_runs import dbt, duckdb_path, table_checksums

LAST = raw_fixture.BATCHES[-1][0]
# per raw table: its key column and a column in which the two tied rows differ
TIED = {
    "clientes": ("id_cliente", "cidade", "Sorocaba", "Jundiaí"),
    "contratos": ("id_contrato", "licencas", 12, 13),
    "faturas": ("id_fatura", "valor", "R$ 1.000,00", "R$ 1.100,00"),
    "usuarios": ("id_usuario", "nome", "Carla Dias", "Carla Diaz"),
    "tickets": ("id_ticket", "categoria", "Financeiro", "Suporte"),
    "nps_respostas": ("id_resposta", "comentario", "bom", "ótimo"),
    "eventos_uso": ("id_evento", "duracao_segundos", 60, 600),
}


def tied_rows(table: str) -> list[dict]:
    """Two versions of a new record of `table` that tie on key, updated_at, batch and file."""
    key, column, first, second = TIED[table]
    record = dict(next(rec for _, rec in raw_fixture.build_rows()[table]))
    record[key] = f"{record[key]}-TIE"
    if "updated_at" in record:
        record["updated_at"] = raw_fixture.ts(raw_fixture.BATCHES[-1][2], 6)
    return [{**record, column: first}, {**record, column: second}]


def write_warehouse(data_dir: Path, reverse: bool) -> None:
    db = duckdb_path(data_dir)
    raw_fixture.write_fixture(db)
    con = duckdb.connect(str(db))
    try:
        for table in TIED:
            rows = tied_rows(table)
            for record in reversed(rows) if reverse else rows:
                raw_fixture.insert_row(con, table, LAST, record)
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    builds = []
    for reverse in (False, True):
        data_dir = tmp_path_factory.mktemp("determinism")
        write_warehouse(data_dir, reverse)
        dbt(data_dir, "run")
        builds.append(table_checksums(data_dir))
    return builds


def test_tied_versions_are_kept_the_same_way_whatever_the_storage_order(two_builds: list[dict]) -> None:
    first, second = two_builds
    assert len(first) > 40 and set(first) == set(second)
    differing = sorted(table for table in first if first[table] != second[table])
    assert not differing, f"tables that differ between the two builds: {differing}"
