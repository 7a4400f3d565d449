"""The marts on real dbt builds: exact values on the hand-made fixture, and row
accounting / dirt detection / interface columns on a generated history."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import raw_fixture
import yaml
from dbt_runs import REPO, query

A = "cs_ops_analytics"
RAW = "cs_ops_raw_data"


def dbt_marts() -> dict[str, dict]:
    """The marts warehouse/mart_contract.yml promises to ml/ and app/ that dbt builds."""
    contract = yaml.safe_load((REPO / "warehouse" / "mart_contract.yml").read_text(encoding="utf-8"))
    return {name: table for name, table in contract["tables"].items() if table["written_by"] == "dbt"}


@pytest.mark.parametrize("mart", sorted(dbt_marts()))
def test_marts_have_the_contract_columns(generated_build: Path, mart: str) -> None:
    columns = set(query(generated_build, f"select * from {A}.{mart} limit 0").columns)
    missing = [c for c in dbt_marts()[mart]["columns"] if c not in columns]
    assert not missing, f"{mart} lacks contract columns {missing}"


@pytest.mark.parametrize("mart", sorted(dbt_marts()))
def test_marts_primary_key_is_unique(generated_build: Path, mart: str) -> None:
    key = ", ".join(dbt_marts()[mart]["primary_key"])
    dupes = query(
        generated_build,
        f"select {key}, count(*) as n from {A}.{mart} group by all having count(*) > 1 limit 3",
    )
    assert dupes.empty, f"{mart} repeats its contract primary key ({key}):\n{dupes}"


# ---------- exact values on the hand-made fixture ----------


def test_mrr_movements_on_the_fixture(fixture_build: Path) -> None:
    rows = query(fixture_build, f"select customer_id, month, mrr, movement from {A}.fct_mrr_mensal")
    got = {(r.customer_id, str(r.month)[:7]): (r.mrr, r.movement) for r in rows.itertuples()}
    assert got[("CLI-000001", "2024-01")] == (1000.0, "new")
    assert got[("CLI-000001", "2024-03")] == (1500.0, "expansion")  # 1,500.00 upgrade
    assert got[("CLI-000002", "2024-01")] == (1000.0, "new")  # annual 12000.00 / 12
    assert got[("CLI-000002", "2024-04")] == (800.0, "contraction")
    assert got[("CLI-000003", "2024-02")] == (0.0, "churn")  # cancelled 10/02
    assert got[("CLI-000004", "2024-02")] == (0.0, "churn")
    assert got[("CLI-000004", "2024-03")] == (400.0, "reactivation")
    assert ("CLI-000003", "2024-03") not in got  # nothing after the churn month


def test_kpis_on_the_fixture(fixture_build: Path) -> None:
    kpis = query(fixture_build, f"select * from {A}.fct_kpis_mensais order by month").set_index("month")
    feb = kpis.loc[pd.Timestamp("2024-02-01")]
    assert feb.mrr == 2000.0 and feb.churned_mrr == 800.0 and feb.churned_customers == 2
    assert feb.logo_churn_rate == pytest.approx(0.5)
    mar = kpis.loc[pd.Timestamp("2024-03-01")]
    assert mar.reactivation_mrr == 400.0 and mar.expansion_mrr == 500.0
    assert mar.nrr == pytest.approx(2500 / 2000)


def test_quarantine_keeps_every_rejected_row_with_its_reason(fixture_build: Path) -> None:
    rows = query(fixture_build, f"select table_name, record_key, reason, raw_values from {A}.fct_quarentena")
    got = sorted((r.table_name, r.record_key, r.reason) for r in rows.fillna("").itertuples())
    assert got == sorted([
        ("clientes", "", "missing_customer_id"),
        ("clientes", "CLI-000003", "invalid_signup_date"),  # the February re-send with 31/02/2024
        ("contratos", "CTR-0000008", "orphan_customer"),
        ("contratos", "CTR-0000009", "invalid_money"),
        ("contratos", "CTR-0000010", "invalid_start_date"),
        ("faturas", "FAT-99999999", "negative_value"),
        ("nps_respostas", "NPS-0000003", "score_out_of_range"),
        ("eventos_uso", "EVT-900000000001", "future_timestamp"),
        ("eventos_uso", "EVT-900000000002", "negative_value"),
        ("eventos_uso", "EVT-900000000003", "missing_customer_id"),
    ])  # fmt: skip
    money = rows[rows.record_key == "CTR-0000009"].raw_values.iloc[0]
    assert '"valor_mensal":"R$ abc"' in money and '"data_fim":"2025-01-31"' in money


def test_quarantine_shows_every_rejected_row_as_sent(fixture_build: Path) -> None:
    """raw_values is one raw row exactly as the source sent it, never the cleaned values:
    for every table, the usage events' rejects included (padded id and module, blank id)."""
    rows = query(fixture_build, f"select table_name, record_key, raw_values from {A}.fct_quarentena")
    sent = raw_fixture.build_rows()
    for row in rows.itertuples():
        shown = json.loads(row.raw_values)
        as_sent = [raw_fixture.as_sent(row.table_name, record) for _, record in sent[row.table_name]]
        assert shown in as_sent, f"{row.table_name} {row.record_key}: {shown} is no raw row as sent"
    events = rows[rows.table_name == "eventos_uso"].set_index("record_key").raw_values.map(json.loads)
    padded, blank = events["EVT-900000000002"], events["EVT-900000000003"]
    assert (padded["id_evento"], padded["modulo"]) == (" EVT-900000000002 ", "  fiscal ")
    assert blank["id_cliente"] == "  "


def test_quality_accounts_for_every_raw_row(fixture_build: Path) -> None:
    quality = query(fixture_build, f"select * from {A}.fct_qualidade_dados")
    assert (quality.raw_rows == quality.clean_rows + quality.duplicate_rows + quality.quarantined_rows).all()
    totals = quality.groupby("table_name")[["raw_rows", "duplicate_rows"]].sum()
    for table, raw_rows in raw_counts(fixture_build).items():
        assert totals.loc[table, "raw_rows"] == raw_rows, table
    # CTR-0000001/2/3/4 were re-sent with later versions, CTR-0000003 also exactly repeated
    assert totals.loc["contratos", "duplicate_rows"] == 5
    assert totals.loc["eventos_uso", "duplicate_rows"] == 1  # the event re-sent in batch 3


def test_deduplication_keeps_the_latest_version(fixture_build: Path) -> None:
    customer = query(fixture_build, f"select * from {A}.dim_clientes where customer_id = 'CLI-000001'").iloc[
        0
    ]
    assert customer.company_name == "Metalúrgica Alfa S.A." and customer.company_size == "Grande"
    assert customer.segment == "Indústria" and bool(customer.is_valid_cnpj)
    beta = query(fixture_build, f"select * from {A}.dim_clientes where customer_id = 'CLI-000002'").iloc[0]
    assert not beta.is_valid_cnpj and not beta.is_valid_email and beta.uf == "RJ"
    gama = query(fixture_build, f"select * from {A}.dim_clientes where customer_id = 'CLI-000003'").iloc[0]
    # the February re-send with 31/02/2024 is quarantined; the January version stays, never a guess
    assert not gama.has_invalid_signup_date and str(gama.signup_date)[:10] == "2024-01-05"
    quarantined = query(
        fixture_build, f"select record_key, reason from {A}.fct_quarentena where table_name = 'clientes'"
    )
    assert ("CLI-000003", "invalid_signup_date") in set(
        zip(quarantined.record_key, quarantined.reason, strict=True)
    )


def test_snapshot_is_point_in_time_and_labelled(fixture_build: Path) -> None:
    snap = query(fixture_build, f"select * from {A}.fct_clientes_snapshot_mensal")
    snap["snapshot_date"] = snap.snapshot_date.astype(str)
    alfa = snap[snap.customer_id == "CLI-000001"].set_index("snapshot_date")
    assert alfa.loc["2024-01-31", "company_size"] == "Média"  # the Grande version arrived in March
    assert alfa.loc["2024-03-31", "company_size"] == "Grande"
    assert alfa.loc["2024-02-29", "mrr"] == 1000.0 and alfa.loc["2024-03-31", "mrr"] == 1500.0
    assert alfa.loc["2024-01-31", "churn_status"] == 0
    gama = snap[snap.customer_id == "CLI-000003"].set_index("snapshot_date")
    assert list(gama.index) == ["2024-01-31"] and gama.loc["2024-01-31", "churn_status"] == 1
    assert bool(gama.loc["2024-01-31", "is_label_complete"])  # 2024-01-31 + 90 days <= 2024-04-30
    assert not bool(alfa.loc["2024-02-29", "is_label_complete"])
    beta = snap[snap.customer_id == "CLI-000002"].set_index("snapshot_date")
    assert beta.loc["2024-02-29", "p1_tickets_90d"] == 2 and beta.loc["2024-02-29", "last_nps"] == 3
    assert beta.loc["2024-01-31", "late_invoices_90d"] == 1  # paid 3 days after the due date
    assert set(snap.health_tier) <= {"saudável", "atenção", "risco"}
    assert snap.health_score.between(0, 100).all()


def test_customer_kpis_on_the_fixture(fixture_build: Path) -> None:
    kpis = query(fixture_build, f"select * from {A}.fct_clientes_kpis").set_index("customer_id")
    assert kpis.loc["CLI-000003", "churn_status"] == 1
    assert str(kpis.loc["CLI-000003", "churned_at"])[:10] == "2024-02-10"
    assert kpis.loc["CLI-000001", "churn_status"] == 0 and kpis.loc["CLI-000001", "current_mrr"] == 1500.0
    assert kpis.loc["CLI-000004", "current_mrr"] == 400.0 and kpis.loc["CLI-000004", "churn_status"] == 0
    as_of = query(fixture_build, f"select * from {A}.int_calendario__as_of").iloc[0]
    assert str(as_of.as_of_date)[:10] == "2024-04-30"  # end of the last batch, not today


# ---------- generated history ----------


def raw_counts(data_dir: Path) -> dict[str, int]:
    tables = ["clientes", "contratos", "faturas", "usuarios", "eventos_uso", "tickets", "nps_respostas"]
    sql = " union all ".join(f"select '{t}' as t, count(*) as n from {RAW}.{t}" for t in tables)
    return {r.t: r.n for r in query(data_dir, sql).itertuples()}


def test_generated_rows_reconcile_per_table_and_batch(generated_build: Path) -> None:
    quality = query(generated_build, f"select * from {A}.fct_qualidade_dados")
    assert (quality.raw_rows == quality.clean_rows + quality.duplicate_rows + quality.quarantined_rows).all()
    assert (quality.raw_rows == quality.ledger_rows).all()
    totals = quality.groupby("table_name").raw_rows.sum().to_dict()
    assert totals == raw_counts(generated_build)
    assert quality.quarantined_rows.sum() > 0 and quality.duplicate_rows.sum() > 0


QUARANTINED_KINDS = {
    ("contratos", "orphan_fk", "id_cliente"), ("faturas", "orphan_fk", "id_cliente"),
    ("tickets", "orphan_fk", "id_cliente"), ("nps_respostas", "orphan_fk", "id_cliente"),
    ("usuarios", "orphan_fk", "id_cliente"), ("eventos_uso", "orphan_fk", "id_cliente"),
    ("eventos_uso", "orphan_fk", "id_usuario"), ("faturas", "orphan_fk", "id_contrato"),
    ("eventos_uso", "future_timestamp", "ocorrido_em"),
    ("nps_respostas", "future_timestamp", "respondido_em"),
    ("eventos_uso", "negative_value", "duracao_segundos"),
    ("eventos_uso", "absurd_value", "duracao_segundos"),
    ("contratos", "negative_value", "valor_mensal"), ("faturas", "negative_value", "valor"),
    ("faturas", "absurd_value", "valor"), ("nps_respostas", "absurd_value", "nota"),
    ("faturas", "date_impossible", "data_vencimento"), ("tickets", "date_impossible", "aberto_em"),
    ("nps_respostas", "date_impossible", "respondido_em"), ("eventos_uso", "null_value", "ocorrido_em"),
    ("faturas", "null_value", "valor"), ("nps_respostas", "null_value", "nota"),
}  # fmt: skip


def test_every_injected_defect_that_must_be_rejected_is_quarantined(generated_build: Path) -> None:
    manifest = pd.read_parquet(generated_build / "truth" / "dirt_manifest.parquet")
    keys = set(manifest.columns) & {"table", "kind", "column"}
    assert keys == {"table", "kind", "column"}, manifest.columns
    wanted = manifest[
        [
            (t, k, c) in QUARANTINED_KINDS
            for t, k, c in zip(manifest.table, manifest.kind, manifest.column, strict=True)
        ]
    ]
    assert len(wanted) > 0
    quarantined = query(generated_build, f"select table_name, batch_id, record_key from {A}.fct_quarentena")
    found = set(zip(quarantined.table_name, quarantined.batch_id, quarantined.record_key, strict=True))
    missed = [(r.table, r.batch_id, r.record_key, r.kind) for r in wanted.itertuples()
              if (r.table, r.batch_id, r.record_key) not in found]  # fmt: skip
    assert not missed, f"{len(missed)} of {len(wanted)} defects not quarantined, e.g. {missed[:5]}"


def test_flagged_defects_are_flagged(generated_build: Path) -> None:
    manifest = pd.read_parquet(generated_build / "truth" / "dirt_manifest.parquet")
    impossible = manifest[(manifest.table == "clientes") & (manifest.kind == "date_impossible")]
    if len(impossible):
        flags = query(
            generated_build, f"select customer_id, has_invalid_signup_date from {A}.stg_erp__clientes"
        )
        flagged = set(flags[flags.has_invalid_signup_date].customer_id)
        assert set(impossible.record_key) <= flagged
    malformed = manifest[(manifest.table == "usuarios") & (manifest.kind == "email_malformed")]
    users = query(generated_build, f"select user_id, is_valid_email, email from {A}.stg_erp__usuarios")
    invalid = set(users[~users.is_valid_email].user_id)
    assert len(malformed) > 0 and set(malformed.record_key) <= invalid


def test_generated_snapshot_and_kpis_are_sane(generated_build: Path) -> None:
    snap = query(generated_build, f"select * from {A}.fct_clientes_snapshot_mensal")
    assert len(snap) > 0 and (snap.mrr > 0).all()
    assert snap.churn_status.isin([0, 1]).all() and snap.health_score.between(0, 100).all()
    kpis = query(generated_build, f"select * from {A}.fct_clientes_kpis")
    dim = query(generated_build, f"select customer_id from {A}.dim_clientes")
    assert sorted(kpis.customer_id) == sorted(dim.customer_id)
    assert ((kpis.churn_status == 1) == kpis.churned_at.notna()).all()
    assert (kpis.loc[kpis.churn_status == 0, "current_mrr"] > 0).mean() > 0.9
