"""A small, hand-made raw dataset written straight into a DuckDB file.

It follows warehouse/raw_contract.yml (plus the lineage columns, `load_ledger` and
`load_batches`) and contains one known example of each kind of dirt, so dbt tests can
check exact outcomes without the generator. Run: python tests/dbt/raw_fixture.py <db>
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb

UTC = dt.UTC

COLUMNS = {
    "clientes": [
        "id_cliente",
        "razao_social",
        "cnpj",
        "segmento",
        "porte",
        "uf",
        "cidade",
        "csm_responsavel",
        "data_cadastro",
        "email_contato",
        "status",
        "updated_at",
    ],
    "contratos": [
        "id_contrato",
        "id_cliente",
        "plano",
        "modulos",
        "licencas",
        "valor_mensal",
        "ciclo_cobranca",
        "tipo_movimento",
        "data_inicio",
        "data_fim",
        "status",
        "data_cancelamento",
        "motivo_cancelamento",
        "updated_at",
    ],
    "faturas": [
        "id_fatura",
        "id_cliente",
        "id_contrato",
        "competencia",
        "data_emissao",
        "data_vencimento",
        "data_pagamento",
        "valor",
        "status",
        "updated_at",
    ],
    "usuarios": [
        "id_usuario",
        "id_cliente",
        "nome",
        "email",
        "cargo",
        "data_criacao",
        "status",
        "updated_at",
    ],
    "eventos_uso": [
        "id_evento",
        "id_cliente",
        "id_usuario",
        "modulo",
        "funcionalidade",
        "ocorrido_em",
        "duracao_segundos",
    ],
    "tickets": [
        "id_ticket",
        "id_cliente",
        "prioridade",
        "categoria",
        "aberto_em",
        "primeira_resposta_em",
        "resolvido_em",
        "status",
        "csat",
        "updated_at",
    ],
    "nps_respostas": [
        "id_resposta",
        "id_cliente",
        "id_usuario",
        "respondido_em",
        "nota",
        "comentario",
        "updated_at",
    ],
}
TYPES = {
    "licencas": "bigint",
    "duracao_segundos": "bigint",
    "csat": "bigint",
    "nota": "bigint",
    "updated_at": "timestamptz",
    "ocorrido_em": "timestamptz",
}

BATCHES = [
    ("b0001_2024-01", dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
    ("b0002_2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("b0003_2024-03", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
    ("b0004_2024-04", dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
]


def ts(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build_rows() -> dict[str, list[tuple[str, dict]]]:
    """Rows per table as (batch_id, record) pairs."""
    b1, b2, b3, b4 = (b[0] for b in BATCHES)
    rows: dict[str, list[tuple[str, dict]]] = {t: [] for t in COLUMNS}
    add = lambda table, batch, **rec: rows[table].append((batch, rec))  # noqa: E731

    # customers: 1 Indústria (re-sent with a later updated_at), 2 Varejo, 3 churns, 4 reactivates
    add(
        "clientes",
        b1,
        id_cliente="CLI-000001",
        razao_social="Metalúrgica Alfa Ltda",
        cnpj="11.222.333/0001-81",
        segmento="  indústria ",
        porte="MÉDIA",
        uf="SP",
        cidade="Campinas",
        csm_responsavel="Ana Souza",
        data_cadastro="15/01/2024",
        email_contato="contato@alfa.com.br",
        status="Ativo",
        updated_at=ts(dt.date(2024, 1, 15)),
    )
    add(
        "clientes",
        b3,
        id_cliente="CLI-000001",
        razao_social="Metalúrgica Alfa S.A.",
        cnpj="11222333000181",
        segmento="Indústria",
        porte="Grande",
        uf="SP",
        cidade="Campinas",
        csm_responsavel="Ana Souza",
        data_cadastro="2024-01-15",
        email_contato="contato@alfa.com.br",
        status="ATIVO",
        updated_at=ts(dt.date(2024, 3, 10)),
    )
    add(
        "clientes",
        b1,
        id_cliente="CLI-000002",
        razao_social="Varejo Beta",
        cnpj="11.222.333/0001-80",
        segmento="VAREJO",
        porte="pequena",
        uf="rj",
        cidade="Rio de Janeiro",
        csm_responsavel="Bruno Lima",
        data_cadastro="1704067200",
        email_contato="beta@@mail",
        status=" ativo",
        updated_at=ts(dt.date(2024, 1, 1)),
    )
    add(
        "clientes",
        b1,
        id_cliente="CLI-000003",
        razao_social="Serviços Gama",
        cnpj="00000000000000",
        segmento="Servicos",
        porte="Enterprise",
        uf="MG",
        cidade="Belo Horizonte",
        csm_responsavel="Ana Souza",
        data_cadastro="05/01/2024",
        email_contato="gama@gama.com",
        status="Cancelado",
        updated_at=ts(dt.date(2024, 1, 5)),
    )
    # re-sent with an impossible signup date: quarantined, the January version stays
    add(
        "clientes",
        b2,
        id_cliente="CLI-000003",
        razao_social="Serviços Gama",
        cnpj="00000000000000",
        segmento="Servicos",
        porte="Enterprise",
        uf="MG",
        cidade="Belo Horizonte",
        csm_responsavel="Ana Souza",
        data_cadastro="31/02/2024",
        email_contato="gama@gama.com",
        status="Cancelado",
        updated_at=ts(dt.date(2024, 2, 5)),
    )
    add(
        "clientes",
        b1,
        id_cliente="CLI-000004",
        razao_social="Agro Delta",
        cnpj="45.997.418/0001-53",
        segmento="Agronegocio",
        porte="Media",
        uf="GO",
        cidade="Goiânia",
        csm_responsavel="Bruno Lima",
        data_cadastro="2024-01-02",
        email_contato="DELTA@agro.com",
        status="Ativo",
        updated_at=ts(dt.date(2024, 1, 2)),
    )
    add(
        "clientes",
        b2,
        id_cliente=None,
        razao_social="Sem Id",
        cnpj=None,
        segmento="Saúde",
        porte="Pequena",
        uf="SP",
        cidade="Santos",
        csm_responsavel="Ana Souza",
        data_cadastro="2024-02-01",
        email_contato="x@y.com",
        status="Ativo",
        updated_at=ts(dt.date(2024, 2, 1)),
    )

    def contract(
        batch,
        cid,
        customer,
        value,
        start,
        end,
        status,
        movement="Novo",
        cycle="Mensal",
        seats=10,
        cancel=None,
        reason=None,
        updated=None,
        plan="Profissional",
    ):
        add(
            "contratos",
            batch,
            id_contrato=cid,
            id_cliente=customer,
            plano=plan,
            modulos="Financeiro;Fiscal",
            licencas=seats,
            valor_mensal=value,
            ciclo_cobranca=cycle,
            tipo_movimento=movement,
            data_inicio=start,
            data_fim=end,
            status=status,
            data_cancelamento=cancel,
            motivo_cancelamento=reason,
            updated_at=updated or ts(dt.date(2024, 1, 2)),
        )

    # 1: new in Jan 1.000,00; upgrade in Mar to 1.500 (expansion)
    contract(b1, "CTR-0000001", "CLI-000001", "R$ 1.000,00", "15/01/2024", "14/01/2025", "Ativo")
    contract(
        b3,
        "CTR-0000001",
        "CLI-000001",
        "R$ 1.000,00",
        "15/01/2024",
        "14/03/2024",
        "Encerrado",
        updated=ts(dt.date(2024, 3, 15)),
    )
    contract(
        b3,
        "CTR-0000005",
        "CLI-000001",
        "1,500.00",
        "15/03/2024",
        "14/03/2025",
        "Ativo",
        movement="Upgrade",
        seats=12,
        updated=ts(dt.date(2024, 3, 15)),
    )
    # 2: annual 12.000 -> 1.000/month, then downgrade in Apr (contraction)
    contract(
        b1,
        "CTR-0000002",
        "CLI-000002",
        "12000.00",
        "2024-01-01",
        "2024-12-31",
        "Ativo",
        cycle="anual",
        seats=5,
    )
    contract(
        b4,
        "CTR-0000002",
        "CLI-000002",
        "12000.00",
        "2024-01-01",
        "2024-04-09",
        "Encerrado",
        cycle="anual",
        seats=5,
        updated=ts(dt.date(2024, 4, 10)),
    )
    contract(
        b4,
        "CTR-0000006",
        "CLI-000002",
        "R$ 800,00",
        "2024-04-10",
        "2025-04-09",
        "Ativo",
        movement="Downgrade",
        seats=5,
        updated=ts(dt.date(2024, 4, 10)),
        plan="ESSENCIAL",
    )
    # 3: new Jan 500, cancelled 10/02 -> churn month March (last active month February? no: Feb end inactive)
    contract(b1, "CTR-0000003", "CLI-000003", "500,00", "05/01/2024", "04/01/2025", "Ativo")
    contract(
        b2,
        "CTR-0000003",
        "CLI-000003",
        "500,00",
        "05/01/2024",
        "04/01/2025",
        "cancelado",
        cancel="10/02/2024",
        reason="Preço",
        updated=ts(dt.date(2024, 2, 10)),
    )
    # 4: new Jan 300, cancelled 20/02 (churn month Feb; the February batch says so), reactivated March 400
    contract(b1, "CTR-0000004", "CLI-000004", "300", "02/01/2024", "01/01/2025", "Ativo")
    contract(
        b2,
        "CTR-0000004",
        "CLI-000004",
        "300",
        "02/01/2024",
        "01/01/2025",
        "Cancelado",
        cancel="20/02/2024",
        reason="Baixo uso",
        updated=ts(dt.date(2024, 2, 20)),
    )
    contract(
        b3,
        "CTR-0000007",
        "CLI-000004",
        "400,00",
        "2024-03-05",
        "2025-03-04",
        "Ativo",
        movement="Reativação",
        updated=ts(dt.date(2024, 3, 5)),
    )
    # dirt: orphan customer, bad money, impossible start date, exact duplicate row
    contract(b2, "CTR-0000008", "CLI-999999", "100,00", "2024-02-01", "2025-01-31", "Ativo")
    contract(b2, "CTR-0000009", "CLI-000001", "R$ abc", "2024-02-01", "2025-01-31", "Ativo")
    contract(b2, "CTR-0000010", "CLI-000001", "100,00", "31/02/2024", "2025-01-31", "Ativo")
    contract(b1, "CTR-0000003", "CLI-000003", "500,00", "05/01/2024", "04/01/2025", "Ativo")

    # invoices
    inv = 0
    for batch, _, end in BATCHES:
        for customer, value in (("CLI-000001", "R$ 1.000,00"), ("CLI-000002", "1000.00")):
            inv += 1
            due = dt.date(end.year, end.month, 10)
            paid = due + dt.timedelta(days=3 if customer == "CLI-000002" else -1)
            add(
                "faturas",
                batch,
                id_fatura=f"FAT-{inv:08d}",
                id_cliente=customer,
                id_contrato=None,
                competencia=f"{end.year}-{end.month:02d}",
                data_emissao=due.strftime("%d/%m/%Y"),
                data_vencimento=due.isoformat(),
                data_pagamento=paid.strftime("%d/%m/%Y"),
                valor=value,
                status="Paga" if customer == "CLI-000001" else "ATRASADA",
                updated_at=ts(paid),
            )
    add(
        "faturas",
        b2,
        id_fatura="FAT-99999999",
        id_cliente="CLI-000001",
        id_contrato=None,
        competencia="2024-02",
        data_emissao="2024-02-01",
        data_vencimento="2024-02-10",
        data_pagamento=None,
        valor="-50,00",
        status="Em aberto",
        updated_at=ts(dt.date(2024, 2, 1)),
    )

    # users
    for n, customer in enumerate(["CLI-000001"] * 8 + ["CLI-000002"] * 3 + ["CLI-000004"] * 2, start=1):
        add(
            "usuarios",
            b1,
            id_usuario=f"USR-{n:07d}",
            id_cliente=customer,
            nome=f"Usuário {n}",
            email=f"user{n}@empresa.com.br" if n != 3 else "user3.empresa.com.br",
            cargo="Analista",
            data_criacao="02/01/2024",
            status="Ativo" if n != 5 else "INATIVO",
            updated_at=ts(dt.date(2024, 1, 2)),
        )

    # usage events: customer 1 uses a lot with 6 users, customer 2 declines, 4 only after reactivating
    evt = 0
    for batch, start, end in BATCHES:
        day = start
        while day <= end:
            for customer, users, per_day in (
                ("CLI-000001", 6, 3),
                ("CLI-000002", 3, 2 if start.month < 3 else 1),
                ("CLI-000004", 2, 1 if start.month >= 3 else 0),
            ):
                base = {"CLI-000001": 1, "CLI-000002": 9, "CLI-000004": 12}[customer]
                for k in range(per_day):
                    evt += 1
                    add(
                        "eventos_uso",
                        batch,
                        id_evento=f"EVT-{evt:012d}",
                        id_cliente=customer,
                        id_usuario=f"USR-{base + (day.day + k) % users:07d}",
                        modulo=["Financeiro", "Fiscal", "Estoque"][k % 3],
                        funcionalidade="emitir_nfe",
                        ocorrido_em=ts(day, 9 + k),
                        duracao_segundos=120 + k,
                    )
            day += dt.timedelta(days=1)
    # dirt: future event, negative duration (id and module padded), blank customer, re-sent
    # event in a later batch; the quarantine shows the rejects as sent, not cleaned
    add(
        "eventos_uso",
        b2,
        id_evento="EVT-900000000001",
        id_cliente="CLI-000001",
        id_usuario="USR-0000001",
        modulo="Fiscal",
        funcionalidade="x",
        ocorrido_em=ts(dt.date(2030, 1, 1)),
        duracao_segundos=10,
    )
    add(
        "eventos_uso",
        b2,
        id_evento=" EVT-900000000002 ",
        id_cliente="CLI-000001",
        id_usuario="USR-0000001",
        modulo="  fiscal ",
        funcionalidade="x",
        ocorrido_em=ts(dt.date(2024, 2, 3)),
        duracao_segundos=-5,
    )
    add(
        "eventos_uso",
        b2,
        id_evento="EVT-900000000003",
        id_cliente="  ",
        id_usuario="USR-0000001",
        modulo="Fiscal",
        funcionalidade="x",
        ocorrido_em=ts(dt.date(2024, 2, 3)),
        duracao_segundos=5,
    )
    add("eventos_uso", b3, **dict(rows["eventos_uso"][0][1]))

    # tickets
    for n, (batch, customer, prio, opened, first, resolved, csat) in enumerate(
        [
            (b1, "CLI-000002", "p1", "10/01/2024 09:00:00", "10/01/2024 11:00:00", "11/01/2024 09:00:00", 2),
            (b2, "CLI-000002", "Crítica", "2024-02-05 10:00:00", "2024-02-05 10:30:00", None, None),
            (b2, "CLI-000001", "P3", "2024-02-07 10:00:00", "2024-02-07 14:00:00", "2024-02-08 10:00:00", 5),
            (b3, "CLI-000002", "P2", "2024-03-07 10:00:00", "2024-03-07 12:00:00", "2024-03-09 10:00:00", 9),
        ],
        start=1,
    ):
        add(
            "tickets",
            batch,
            id_ticket=f"TCK-{n:07d}",
            id_cliente=customer,
            prioridade=prio,
            categoria="Bug",
            aberto_em=opened,
            primeira_resposta_em=first,
            resolvido_em=resolved,
            status="Resolvido" if resolved else "Aberto",
            csat=csat,
            updated_at=ts(dt.date(2024, 1 + n // 2, 10)),
        )

    for n, (batch, customer, when, score) in enumerate(
        [
            (b1, "CLI-000001", "20/01/2024", 9),
            (b2, "CLI-000002", "2024-02-20", 3),
            (b3, "CLI-000002", "2024-03-20", 11),
            (b4, "CLI-000001", "2024-04-20", 10),
        ],
        start=1,
    ):
        add(
            "nps_respostas",
            batch,
            id_resposta=f"NPS-{n:07d}",
            id_cliente=customer,
            id_usuario=None,
            respondido_em=when,
            nota=score,
            comentario="ok",
            updated_at=ts(dt.date(2024, n, 21)),
        )
    return rows


def write_fixture(db_path: Path) -> dict[str, int]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    rows = build_rows()
    con = duckdb.connect(str(db_path))
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema if not exists cs_ops_raw_data")
    counts = {}
    for table, columns in COLUMNS.items():
        defs = ", ".join(f"{c} {TYPES.get(c, 'varchar')}" for c in columns)
        con.execute(
            f"create or replace table cs_ops_raw_data.{table} ({defs}, _batch_id varchar, "
            "_source_file varchar, _loaded_at timestamptz)"
        )
        data = [
            tuple(rec.get(c) for c in columns)
            + (batch, f"raw/{table}/{batch}.parquet", ts(dt.date(2024, 5, 1)))
            for batch, rec in rows[table]
        ]
        con.executemany(
            f"insert into cs_ops_raw_data.{table} values ({', '.join(['?'] * (len(columns) + 3))})", data
        )
        counts[table] = len(data)
    con.execute(
        "create or replace table cs_ops_raw_data.load_batches (batch_id varchar, period_start date, "
        "period_end date, loaded_at timestamptz)"
    )
    con.executemany(
        "insert into cs_ops_raw_data.load_batches values (?, ?, ?, ?)",
        [(b, s, e, ts(dt.date(2024, 5, 1))) for b, s, e in BATCHES],
    )
    con.execute(
        "create or replace table cs_ops_raw_data.load_ledger (batch_id varchar, table_name varchar, "
        "source_file varchar, sha256 varchar, row_count bigint, status varchar, loaded_at timestamptz)"
    )
    for table in COLUMNS:
        for batch, _, _ in BATCHES:
            record_in_ledger(con, table, batch)
    con.close()
    return counts


def record_in_ledger(con: duckdb.DuckDBPyConnection, table: str, batch: str) -> None:
    """(Re)writes the ledger row of one raw table and batch, counted from its rows as loaded."""
    con.execute(
        "delete from cs_ops_raw_data.load_ledger where table_name = ? and batch_id = ?", [table, batch]
    )
    con.execute(
        f"insert into cs_ops_raw_data.load_ledger select _batch_id, '{table}', any_value(_source_file), "
        f"'0', count(*), 'loaded', max(_loaded_at) from cs_ops_raw_data.{table} "
        "where _batch_id = ? group by _batch_id",
        [batch],
    )


def as_sent(table: str, record: dict) -> dict[str, str | None]:
    """A raw row as the quarantine's raw_values shows it: every column of the table,
    each value as text (timestamps in UTC with microseconds), null when not sent."""

    def text(value: object) -> str | None:
        if isinstance(value, dt.datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return None if value is None else str(value)

    return {column: text(record.get(column)) for column in COLUMNS[table]}


def insert_row(con: duckdb.DuckDBPyConnection, table: str, batch: str, record: dict) -> None:
    """One more raw row of `table` in `batch` (columns missing from `record` are null), ledger updated."""
    columns = COLUMNS[table]
    values = [record.get(column) for column in columns]
    values += [batch, f"raw/{table}/{batch}.parquet", ts(BATCHES[-1][2])]
    placeholders = ", ".join(["?"] * len(values))
    con.execute(f"insert into cs_ops_raw_data.{table} values ({placeholders})", values)
    record_in_ledger(con, table, batch)


def keep_batches_up_to(db: Path, last: str, full: Path) -> None:
    """The raw tables of `db` as those of `full` up to batch `last` (the later batches not loaded yet)."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{full}' as full_history (read_only)")
        for table in [*COLUMNS, "load_ledger"]:
            con.execute(f"delete from cs_ops_raw_data.{table}")
            column = "batch_id" if table == "load_ledger" else "_batch_id"
            con.execute(
                f"insert into cs_ops_raw_data.{table} "
                f"select * from full_history.cs_ops_raw_data.{table} where {column} <= ?",
                [last],
            )
        con.execute("delete from cs_ops_raw_data.load_batches where batch_id > ?", [last])
        con.execute(
            "insert into cs_ops_raw_data.load_batches "
            "select * from full_history.cs_ops_raw_data.load_batches "
            "where batch_id <= ? and batch_id not in (select batch_id from cs_ops_raw_data.load_batches)",
            [last],
        )
    finally:
        con.close()


if __name__ == "__main__":
    print(write_fixture(Path(sys.argv[1])))
