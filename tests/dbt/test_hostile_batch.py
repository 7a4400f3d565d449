"""The project's own adversarial batch: every column of every table gets hostile values.

A generated history is built twice: as generated (the control) and with one more batch
(same period as the last one, so the as-of date does not move) that re-sends records of
a few "victim" customers, one column at a time, either as the same value in another
accepted form (must be kept, equal to the control) or as a value with no certain reading
(must be quarantined with a reason, the previous version staying in force); plus new rows
whose ids are unreadable, and one invoice moved to another customer.
Checked: every raw row is accounted for; every customer's MRR and every other customer's
marts equal the control build; no kept value of a victim differs from the control (null
only where the spec flags a descriptive column); the move is flagged in the quality mart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from cleaning_oracle import clean_text, money
from dbt_runs import REPO, dbt, generate, load, query

A = "cs_ops_analytics"
CONTRACT = yaml.safe_load((REPO / "warehouse" / "raw_contract.yml").read_text(encoding="utf-8"))["tables"]
ZW, NBSP = "\u200b", "\u00a0"

# hostile texts that no column can read with certainty (each must quarantine or be flagged)
UNREADABLE_ID = ["", " ", ZW, NBSP + ZW, "NULL", "0", "-17", "CLI-000000", "9" * 25, "CLI 1", "CLI--1", "😀"]
UNREADABLE_MONEY = ["2,500", "1.234", "R$ abc", "1.234,56.7", "12,34,56", "1e5", "NaN", "--5", "1234.567", ""]
UNREADABLE_DATE = ["31/02/2024", "29/02/2023", "15/01/24", "1850-01-01", "2199-12-31", "ontem",
                   "2024-01-15T10:00:00Z", "00/00/0000", "", "'; drop table x; --"]  # fmt: skip
UNREADABLE_ENUM = ["Pago ", "xx", "P9", "Mensalmente", "😀", "'; drop table x; --"]
# a customer id sent only in a version that fails the row rules (not a generated id)
SET_ASIDE_CUSTOMER = "CLI-888888"
# free text is kept as sent (any text is a reading), so only blanks are hostile there
BLANK_TEXT = ["\t", NBSP, ZW + " ", "\n"]
# typed columns: values outside their range (flagged or quarantined by the spec)
HOSTILE_INTEGERS = {"licencas": [-1, 10**9], "csat": [0, 6, -3], "nota": [-1, 11, 100]}
# columns where a blank is "absent", a reading of its own (not cancelled, unpaid, open)
OPTIONAL = {("contratos", "data_cancelamento"), ("faturas", "data_pagamento"), ("faturas", "data_emissao"),
            ("faturas", "id_contrato"), ("tickets", "primeira_resposta_em"), ("tickets", "resolvido_em"),
            ("nps_respostas", "id_usuario"), ("nps_respostas", "comentario"),
            ("contratos", "motivo_cancelamento")}  # fmt: skip


def same_id(value: str) -> list[str]:
    return [f" {value}{ZW}", f"{NBSP}{value}\t", f"{ZW}{value}"]


def same_money(value: str) -> list[str]:
    amount, _ = money(value)
    if amount is None:
        return []
    cents = int(amount * 100)
    whole, frac = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return [
        f"{sign}R$ {whole:,}".replace(",", ".") + f",{frac:02d}",
        f"{sign}{whole:,}.{frac:02d}",
        f"{NBSP}{sign}{whole}.{frac:02d}{ZW}",
    ]


def same_date(value: str) -> list[str]:
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        day = dt.datetime.strptime(text[:10], "%d/%m/%Y").date() if "/" in text else None
    if day is None:
        return []
    rest = text[10:]
    return [
        f"{day:%d/%m/%Y}{rest}",
        f"{ZW}{day:%Y-%m-%d}{rest}{NBSP}",
        f"{day.day}/{day.month}/{day.year}{rest}",
    ]


def same_enum(value: str) -> list[str]:
    return [f"  {value.upper()}{ZW}", f"{NBSP}{value.lower()}"]


# column kind -> (variants that keep the value, variants that must be rejected or flagged)
KINDS: dict[str, tuple[Callable[[str], list[str]], list[str]]] = {
    "id": (same_id, UNREADABLE_ID),
    "money": (same_money, UNREADABLE_MONEY),
    "date": (same_date, UNREADABLE_DATE),
    "enum": (same_enum, UNREADABLE_ENUM),
    "text": (lambda value: [f" {value}{ZW}"], BLANK_TEXT),
}
COLUMN_KINDS = {
    "clientes": {"id_cliente": "id", "data_cadastro": "date", "segmento": "enum", "porte": "enum",
                 "status": "enum", "razao_social": "text", "cnpj": "text", "uf": "text", "cidade": "text",
                 "csm_responsavel": "text", "email_contato": "text"},
    "contratos": {"id_contrato": "id", "id_cliente": "id", "valor_mensal": "money", "data_inicio": "date",
                  "data_fim": "date", "data_cancelamento": "date", "plano": "enum",
                  "ciclo_cobranca": "enum", "tipo_movimento": "enum", "status": "enum", "modulos": "text",
                  "motivo_cancelamento": "text"},
    "faturas": {"id_fatura": "id", "id_cliente": "id", "id_contrato": "id", "valor": "money",
                "data_emissao": "date", "data_vencimento": "date", "data_pagamento": "date", "status": "enum",
                "competencia": "text"},
    "usuarios": {"id_usuario": "id", "id_cliente": "id", "data_criacao": "date", "status": "enum",
                 "nome": "text", "email": "text", "cargo": "text"},
    "tickets": {"id_ticket": "id", "id_cliente": "id", "aberto_em": "date", "primeira_resposta_em": "date",
                "resolvido_em": "date", "prioridade": "enum", "categoria": "enum", "status": "enum"},
    "nps_respostas": {"id_resposta": "id", "id_cliente": "id", "id_usuario": "id", "respondido_em": "date",
                      "comentario": "text"},
}  # fmt: skip
# descriptive columns the spec may flag (null) instead of quarantining
FLAGGED = {"segment", "company_size", "account_status", "plan", "contract_movement", "contract_status",
           "modules", "category", "ticket_status", "user_status", "created_date", "cnpj", "contact_email",
           "email", "seats", "csat", "company_name", "city", "uf", "csm_owner", "user_name", "job_title",
           "cancellation_reason", "comment", "user_id"}  # fmt: skip
# lineage and bookkeeping columns a re-sent version changes by design
LINEAGE = {"batch_id", "source_file", "loaded_at", "updated_at", "processed_at", "raw_values",
           "is_orphan_candidate", "known_date", "first_known_date"}  # fmt: skip
ENTITY_MARTS = {"dim_clientes": ["customer_id"], "fct_contratos": ["contract_id"],
                "fct_faturas": ["invoice_id"], "dim_usuarios": ["user_id"], "fct_tickets": ["ticket_id"],
                "fct_nps_respostas": ["response_id"]}  # fmt: skip
CUSTOMER_MARTS = {"fct_clientes_kpis": ["customer_id"],
                  "fct_clientes_snapshot_mensal": ["customer_id", "snapshot_date"],
                  "fct_mrr_mensal": ["customer_id", "month"]}  # fmt: skip


def read_table(raw: Path, table: str) -> pd.DataFrame:
    return pa.concat_tables([pq.read_table(p) for p in sorted((raw / table).glob("*.parquet"))]).to_pandas()


def single_versions(raw: Path, table: str, skip: set[str]) -> pd.DataFrame:
    """The table's records sent once, leaving out the generator's own dirt (`skip`)."""
    frame = read_table(raw, table)
    key = CONTRACT[table]["primary_key"]
    counts = frame[key].value_counts()
    return frame[frame[key].map(counts).eq(1) & ~frame[key].isin(skip)]


def hostile_rows(raw: Path, victims: list[str], skip: set[str]) -> dict[str, pd.DataFrame]:
    """Per table: re-sends of one untouched record per victim and table, one hostile column each."""
    out = {}
    for table, kinds in COLUMN_KINDS.items():
        single = single_versions(raw, table, skip)
        bases = single[single["id_cliente"].isin(victims)].groupby("id_cliente").head(1)
        rows = []
        for _, base in bases.iterrows():
            step = 0
            for column, kind in kinds.items():
                keep, reject = KINDS[kind]
                original = base[column]
                variants = (keep(original) if isinstance(original, str) and original.strip() else []) + reject
                if (table, column) in OPTIONAL:
                    variants = [v for v in variants if clean_text(v) and clean_text(v).lower() != "null"]
                for text in variants:
                    step += 1
                    row = base.copy()
                    row[column] = text
                    row["updated_at"] = base["updated_at"] + pd.Timedelta(seconds=step)
                    rows.append(row)
            for column, values in HOSTILE_INTEGERS.items():
                for value in values if column in base.index else []:
                    step += 1
                    row = base.copy()
                    row[column] = value
                    row["updated_at"] = base["updated_at"] + pd.Timedelta(seconds=step)
                    rows.append(row)
            future = base.copy()  # an updated_at far in the future would win every later update
            future["updated_at"] = pd.Timestamp("2199-01-01", tz=base["updated_at"].tz)
            rows.append(future)
        out[table] = pd.DataFrame(rows)
    return out


def covering_victims(raw: Path, candidates: list[str], skip: set[str], n: int = 4) -> list[str]:
    """`n` victims whose re-sent records together reach every table, so that every column of
    every table really gets hostile values (a small history may give a customer no NPS row)."""
    tables = {table: set(single_versions(raw, table, skip)["id_cliente"]) for table in COLUMN_KINDS}
    ranked = sorted(candidates, key=lambda c: -sum(c in ids for ids in tables.values()))
    victims = ranked[:n]
    missed = [table for table, ids in tables.items() if not ids & set(victims)]
    assert not missed, f"no victim has a record in {missed}: generate a longer history"
    return victims


def write_batch(raw: Path, rows: dict[str, pd.DataFrame]) -> str:
    """Write the rows as one more batch with the last batch's period; returns its id."""
    last = json.loads(sorted((raw / "_batches").glob("*.json"))[-1].read_text(encoding="utf-8"))
    batch_id = last["batch_id"] + "_hostil"
    meta = {**last, "batch_id": batch_id, "tables": {}, "row_counts": {}}
    for table, frame in rows.items():
        schema = pq.read_schema(sorted((raw / table).glob("*.parquet"))[0])
        path = raw / table / f"{batch_id}.parquet"
        pq.write_table(pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False), path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        meta["tables"][table] = {
            "file": f"raw/{table}/{batch_id}.parquet",
            "rows": len(frame),
            "sha256": digest,
        }
        meta["row_counts"][table] = len(frame)
    (raw / "_batches" / f"{batch_id}.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return batch_id


def comparable(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    drop = [c for c in frame.columns if c in LINEAGE or c.startswith(("has_", "is_valid_"))]
    return frame.drop(columns=drop).sort_values(keys).reset_index(drop=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, list[str], dict]:
    control = tmp_path_factory.mktemp("control")
    hostile = tmp_path_factory.mktemp("hostile")
    generate(control, 40, 3)
    shutil.copytree(control / "raw", hostile / "raw")
    manifest = pd.read_parquet(control / "truth" / "dirt_manifest.parquet")
    customers = read_table(control / "raw", "clientes")
    counts = customers["id_cliente"].value_counts()
    clean = customers[
        customers["id_cliente"].map(counts).eq(1) & ~customers["id_cliente"].isin(manifest.record_key)
    ]
    victims = covering_victims(hostile / "raw", sorted(clean["id_cliente"]), set(manifest.record_key))
    rows = hostile_rows(hostile / "raw", victims, set(manifest.record_key))
    invoices = read_table(hostile / "raw", "faturas")
    moved = invoices[invoices["id_cliente"] == victims[0]].tail(1).copy()
    moved["id_cliente"] = victims[1]
    moved["updated_at"] = moved["updated_at"] + pd.Timedelta(hours=1)
    rows["faturas"] = pd.concat([rows["faturas"], moved], ignore_index=True)
    events = read_table(hostile / "raw", "eventos_uso")
    bad_events = events.head(len(UNREADABLE_ID) + 4).copy()
    bad_events["id_evento"] = UNREADABLE_ID + [f"EVT-8{n:011d}" for n in range(4)]
    bad_events["duracao_segundos"] = bad_events["duracao_segundos"].astype("Int64")
    bad_events.loc[bad_events.index[-4:], "duracao_segundos"] = [-5, 10**9, None, 60]
    bad_events.loc[bad_events.index[-1:], "ocorrido_em"] = pd.Timestamp("2199-01-01", tz="UTC")
    resent_events = events[events["id_cliente"].isin(victims)].head(3).copy()
    resent_events["id_cliente"] = [f" {value}{ZW}" for value in resent_events["id_cliente"]]
    rows["eventos_uso"] = pd.concat([bad_events, resent_events], ignore_index=True)
    # a new customer sent only with an unreadable signup date, and a ticket naming it: the
    # ticket is set aside because its customer is, not as a customer that does not exist
    set_aside = customers[customers["id_cliente"] == victims[2]].copy()
    set_aside["id_cliente"], set_aside["data_cadastro"] = SET_ASIDE_CUSTOMER, "31/02/2024"
    tickets = read_table(hostile / "raw", "tickets")
    its_ticket = tickets[tickets["id_cliente"] == victims[2]].head(1).copy()
    its_ticket["id_ticket"] = its_ticket["id_ticket"] + "-Q"
    its_ticket["id_cliente"] = SET_ASIDE_CUSTOMER
    rows["clientes"] = pd.concat([rows["clientes"], set_aside], ignore_index=True)
    rows["tickets"] = pd.concat([rows["tickets"], its_ticket], ignore_index=True)
    batch_id = write_batch(hostile / "raw", rows)
    for data_dir in (control, hostile):
        load(data_dir)
        dbt(data_dir, "build", "--exclude-resource-type", "unit_test")
    moved_key = str(moved["id_fatura"].iloc[0])
    info = {"rows": rows, "moved": moved_key, "set_aside_ticket": str(its_ticket["id_ticket"].iloc[0])}
    return control, hostile, batch_id, victims, info


def test_every_hostile_row_is_accounted_for(builds) -> None:
    _, hostile, batch_id, _, info = builds
    quality = query(hostile, f"select * from {A}.fct_qualidade_dados where batch_id = '{batch_id}'")
    assert set(quality.table_name) == set(info["rows"])
    for row in quality.itertuples():
        assert row.raw_rows == len(info["rows"][row.table_name]) > 0, row.table_name
        assert row.raw_rows == row.clean_rows + row.duplicate_rows + row.quarantined_rows, row.table_name
    reasons = query(hostile, f"select reason from {A}.fct_quarentena where batch_id = '{batch_id}'")
    assert reasons["reason"].notna().all() and len(reasons) > 100


def test_rows_of_a_customer_in_quarantine_say_so(builds) -> None:
    _, hostile, batch_id, _, info = builds
    keys = f"'{SET_ASIDE_CUSTOMER}', '{info['set_aside_ticket']}'"
    rows = query(hostile, f"select table_name, record_key, reason from {A}.fct_quarentena "
                 f"where batch_id = '{batch_id}' and record_key in ({keys})")  # fmt: skip
    assert set(zip(rows.table_name, rows.record_key, rows.reason, strict=True)) == {
        ("clientes", SET_ASIDE_CUSTOMER, "invalid_signup_date"),
        ("tickets", info["set_aside_ticket"], "customer_quarantined"),
    }


def test_every_customers_mrr_and_untouched_customers_marts_equal_the_control(builds) -> None:
    control, hostile, _, victims, _ = builds
    moved_pair = set(victims[:2])
    for mart, keys in CUSTOMER_MARTS.items():
        a = comparable(query(control, f"select * from {A}.{mart}"), keys)
        b = comparable(query(hostile, f"select * from {A}.{mart}"), keys)
        spared = set(victims) if mart != "fct_mrr_mensal" else moved_pair
        a, b = a[~a.customer_id.isin(spared)], b[~b.customer_id.isin(spared)]
        a, b = a.reset_index(drop=True), b.reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=mart)


def test_no_kept_value_differs_from_the_control(builds) -> None:
    control, hostile, _, victims, info = builds
    for mart, keys in ENTITY_MARTS.items():
        a = comparable(query(control, f"select * from {A}.{mart}"), keys).set_index(keys)
        b = comparable(query(hostile, f"select * from {A}.{mart}"), keys).set_index(keys)
        if mart == "fct_faturas":
            a, b = a.drop(index=info["moved"]), b.drop(index=info["moved"])
        assert list(a.index) == list(b.index), mart  # no record appears or disappears
        for column in a.columns:
            same = (a[column] == b[column]) | (a[column].isna() & b[column].isna())
            flagged = b[column].isna() if column in FLAGGED else pd.Series(False, index=b.index)
            wrong = b.index[~(same | flagged)]
            assert len(wrong) == 0, (
                f"{mart}.{column}: {list(wrong[:3])} {list(a.loc[wrong[:3], column])} -> "
                f"{list(b.loc[wrong[:3], column])}"
            )


def test_the_moved_invoice_is_flagged(builds) -> None:
    _, hostile, batch_id, victims, info = builds
    moves = query(hostile, f"select * from {A}.fct_mudancas_de_cliente")
    assert list(zip(moves.record_key, moves.previous_customer_id, moves.customer_id, strict=True)) == [
        (info["moved"], victims[0], victims[1])
    ]
    quality = query(hostile, f"select owner_changes from {A}.fct_qualidade_dados "
                    f"where table_name = 'faturas' and batch_id = '{batch_id}'")  # fmt: skip
    assert quality.owner_changes.tolist() == [1]
