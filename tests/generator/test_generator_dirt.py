"""The dirt: every manifest entry is visible in the files, rates follow the option, rate 0 is clean."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator import generate, pools
from generator.dirt import SPECS
from generator.fmt import cnpj_is_valid
from generator.frame import ENUM_ALIASES
from warehouse.contract import load_contract

VOCAB = {
    ("clientes", "segmento"): pools.SEGMENTOS,
    ("clientes", "porte"): pools.PORTES,
    ("clientes", "status"): pools.STATUS_CLIENTE,
    ("contratos", "plano"): pools.PLANOS,
    ("contratos", "status"): pools.STATUS_CONTRATO,
    ("contratos", "tipo_movimento"): pools.TIPOS_MOVIMENTO,
    ("contratos", "ciclo_cobranca"): pools.CICLOS,
    ("faturas", "status"): pools.STATUS_FATURA,
    ("usuarios", "status"): pools.STATUS_USUARIO,
    ("tickets", "prioridade"): pools.PRIORIDADES,
    ("tickets", "status"): pools.STATUS_TICKET,
    ("tickets", "categoria"): pools.CATEGORIAS,
}
EMAIL = re.compile(r"[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
ISSUE_KINDS = {
    "null_key",
    "null_value",
    "duplicate_exact",
    "resent_update",
    "late_arriving",
    "date_format_br",
    "date_format_epoch",
    "date_impossible",
    "money_format_brl",
    "money_format_us",
    "cnpj_unpunctuated",
    "cnpj_invalid_check_digit",
    "enum_variant",
    "email_malformed",
    "negative_value",
    "absurd_value",
    "future_timestamp",
    "orphan_fk",
}


def _plain(text: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return stripped.strip().casefold()


def _period(batch_id: str) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(batch_id[6:] + "-01")
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def _money(text: str) -> float:
    text = text.replace("R$ ", "")
    if "," in text and text.rfind(",") > text.rfind("."):
        text = text.replace(".", "").replace(",", ".")
    return float(text.replace(",", ""))


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _visible(
    kind: str, table: str, column: str | None, rows: pd.DataFrame, batch_id: str, parents: dict
) -> bool:
    """Does at least one of these rows (same key, same batch) show the defect?"""
    values = rows[column] if column else None
    if kind in ("null_key", "null_value"):
        return bool(values.isna().any())
    if kind == "date_format_br":
        return bool(values.str.match(r"^\d{2}/\d{2}/\d{4}( \d{2}:\d{2}:\d{2})?$").any())
    if kind == "date_format_epoch":
        return bool(values.str.fullmatch(r"\d{6,}").any())
    if kind == "date_impossible":

        def impossible(text: str) -> bool:
            day, month, year = int(text[:2]), int(text[3:5]), int(text[6:10])
            try:
                dt.date(year, month, day)
                return False
            except ValueError:
                return True

        return any(impossible(v) for v in values.dropna() if re.match(r"^\d{2}/\d{2}/\d{4}", v))
    if kind == "money_format_brl":
        return bool(values.str.fullmatch(r"-?R\$ \d{1,3}(\.\d{3})*,\d{2}").any())
    if kind == "money_format_us":
        return bool(values.str.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d{2}").any())
    if kind == "cnpj_unpunctuated":
        return any(re.fullmatch(r"\d{14}", v) and cnpj_is_valid(v) for v in values)
    if kind == "cnpj_invalid_check_digit":
        return any(
            re.fullmatch(r"\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}", v) and not cnpj_is_valid(v) for v in values
        )
    if kind == "enum_variant":
        vocab = VOCAB[(table, column)]
        aliases = {alias: canon for canon, alias in ENUM_ALIASES.items()}
        canon = {_plain(v): v for v in vocab}
        return any(v not in vocab and (_plain(v) in canon or v in aliases) for v in values.dropna())
    if kind == "email_malformed":
        return any(not EMAIL.fullmatch(v) for v in values.dropna())
    if kind == "negative_value":
        return any((_money(v) if isinstance(v, str) else v) < 0 for v in values.dropna())
    if kind == "absurd_value":
        if column == "licencas":
            return bool((values >= 1000).any())
        if column == "duracao_segundos":
            return bool((values >= 1_000_000).any())
        if column == "csat":
            return bool((~values.dropna().between(1, 5)).any())
        if column == "nota":
            return bool((~values.dropna().between(0, 10)).any())
        return any(v.endswith("0.00") and _money(v) >= 1000 for v in values.dropna())
    if kind == "future_timestamp":
        limit = _period(batch_id)[1] + dt.timedelta(days=300)
        return any(_as_date(v) > limit for v in values.dropna())
    if kind == "orphan_fk":
        return bool((~values.isin(parents[column])).any())
    if kind == "duplicate_exact":
        return bool(rows.drop(columns=["_batch_id"]).astype(str).duplicated().any())
    if kind == "resent_update":
        rest = rows.drop(columns=["_batch_id", "updated_at"]).astype(str)
        return bool(rest.duplicated().any() and rows["updated_at"].nunique() > 1)
    if kind == "late_arriving":
        time_column = "ocorrido_em" if table == "eventos_uso" else "updated_at"
        start = _period(batch_id)[0]
        return any(_as_date(v) < start for v in rows[time_column].dropna())
    raise AssertionError(f"unknown kind {kind}")


def test_manifest_covers_every_kind_the_issue_lists(truth) -> None:
    manifest = truth["dirt_manifest"]
    assert list(manifest.columns) == ["table", "batch_id", "record_key", "column", "kind"]
    assert set(manifest["kind"]) == ISSUE_KINDS
    assert set(manifest["table"]) == set(SPECS)


def test_every_manifest_entry_is_visible_in_its_file(raw, truth) -> None:
    contract = load_contract()
    manifest = truth["dirt_manifest"]
    parents = {
        "id_cliente": set(raw["clientes"]["id_cliente"].dropna()),
        "id_usuario": set(raw["usuarios"]["id_usuario"].dropna()),
        "id_contrato": set(raw["contratos"]["id_contrato"].dropna()),
    }
    # sample at most 60 entries per (table, kind, column) to keep this fast, but check all small groups
    shuffled = manifest.sample(frac=1.0, random_state=0)
    sampled = shuffled.groupby(["table", "kind", "column"], dropna=False).head(60)
    failures = []
    for table, entries in sampled.groupby("table"):
        frame = raw[table]
        pk = contract.table(table).primary_key
        sub = frame[frame[pk].isin(set(entries["record_key"]))]
        groups = {key: rows for key, rows in sub.groupby(["_batch_id", pk])}
        for entry in entries.itertuples(index=False):
            column = entry.column if isinstance(entry.column, str) else None
            if entry.kind == "null_key" and column == pk:
                continue  # located by counting below
            rows = groups.get((entry.batch_id, entry.record_key))
            if rows is None:
                failures.append(
                    f"{table} {entry.batch_id} {entry.record_key}: row not found for {entry.kind}"
                )
                continue
            if not _visible(entry.kind, table, column, rows, entry.batch_id, parents):
                failures.append(
                    f"{table} {entry.batch_id} {entry.record_key}: {entry.kind} on {column} not visible"
                )
    assert not failures, "\n".join(failures[:20])


def test_null_primary_keys_are_exactly_the_manifested_ones(raw, truth) -> None:
    contract = load_contract()
    manifest = truth["dirt_manifest"]
    for table, frame in raw.items():
        pk = contract.table(table).primary_key
        in_files = frame[frame[pk].isna()].groupby("_batch_id").size()
        listed = manifest[
            (manifest["table"] == table) & (manifest["kind"] == "null_key") & (manifest["column"] == pk)
        ]
        assert in_files.to_dict() == listed.groupby("batch_id").size().to_dict(), table


def test_rates_per_kind_follow_the_option(raw, truth) -> None:
    rate = 0.04
    manifest = truth["dirt_manifest"]
    # steady-state batches only: rows late from the last batches are still in the generator's state
    batches = sorted(raw["eventos_uso"]["_batch_id"].unique())[2:-2]
    events = manifest[(manifest["table"] == "eventos_uso") & manifest["batch_id"].isin(batches)]
    extra = events["kind"].isin(["duplicate_exact"]).sum()
    base_rows = raw["eventos_uso"]["_batch_id"].isin(batches).sum() - extra
    weights = SPECS["eventos_uso"]
    total_weight = sum(w for _, _, w in weights)
    for kind, column, weight in weights:
        listed = events[
            (events["kind"] == kind) & ((events["column"] == column) if column else events["column"].isna())
        ]
        expected = base_rows * rate * weight / total_weight
        assert abs(len(listed) - expected) <= 4 * np.sqrt(expected) + 0.05 * expected, (
            kind,
            column,
            len(listed),
            expected,
        )
    for table, frame in raw.items():
        share = (manifest["table"] == table).sum() / len(frame)
        assert 0.5 * rate <= share <= 1.5 * rate, (table, share)


def test_zero_dirt_rate_is_clean(tmp_path: Path) -> None:
    generate({"customers": 120, "months": 3, "dirt_rate": 0, "quiet": True}, data_dir=tmp_path)
    import pyarrow.parquet as pq

    manifest = pq.read_table(tmp_path / "truth" / "dirt_manifest.parquet").to_pandas()
    assert manifest.empty
    tables = {
        t: pd.concat([pq.read_table(p).to_pandas() for p in sorted((tmp_path / "raw" / t).glob("*.parquet"))])
        for t in SPECS
    }
    clientes = tables["clientes"]
    assert clientes["cnpj"].map(cnpj_is_valid).all()
    assert clientes["cnpj"].str.fullmatch(r"\d{2}\.\d{3}\.\d{3}/0001-\d{2}").all()
    assert clientes["email_contato"].map(lambda v: bool(EMAIL.fullmatch(v))).all()
    assert clientes["data_cadastro"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert tables["contratos"]["valor_mensal"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (tables["contratos"]["licencas"] > 0).all()
    for (table, column), vocab in VOCAB.items():
        assert tables[table][column].dropna().isin(vocab).all(), (table, column)
    events = tables["eventos_uso"]
    assert events["id_cliente"].isin(set(clientes["id_cliente"])).all()
    assert events["id_evento"].is_unique
    assert events["duracao_segundos"].between(1, 100_000).all()
    assert events[["id_evento", "id_cliente", "id_usuario", "ocorrido_em"]].notna().all().all()


@pytest.mark.parametrize("rate", [0.01, 0.1])
def test_dirt_rate_option_scales_the_manifest(tmp_path: Path, rate: float) -> None:
    summary = generate({"customers": 150, "months": 2, "dirt_rate": rate, "quiet": True}, data_dir=tmp_path)
    import pyarrow.parquet as pq

    manifest = pq.read_table(tmp_path / "truth" / "dirt_manifest.parquet")
    share = manifest.num_rows / summary["total_rows"]
    assert 0.6 * rate <= share <= 1.3 * rate
