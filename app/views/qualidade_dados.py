"""Qualidade de dados: load ledger, freshness, reconciliation and quarantined rows by reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app import charts, data, fmt, ui
from app.i18n import tr
from app.reasons import reason_label


def main() -> None:
    lang = ui.lang()
    st.title(tr("Qualidade de dados", "Data quality"))
    ledger = data.load("load_ledger")
    batches = data.load("load_batches")
    quality = data.load("quality")

    loaded = ledger[ledger["status"] == "loaded"] if "status" in ledger else ledger
    last_load = loaded["loaded_at"].max() if not loaded.empty else None
    age_hours = (
        (datetime.now(UTC) - last_load.to_pydatetime()).total_seconds() / 3600
        if last_load is not None
        else None
    )
    last_period = pd.to_datetime(batches["period_end"]).max() if not batches.empty else None
    failed = int((ledger["status"] != "loaded").sum()) if "status" in ledger else 0
    reconciled = bool(quality["reconciles"].all()) if not quality.empty else True

    k = st.columns(5)
    ui.metric(
        k[0], tr("Lotes carregados", "Batches loaded"), fmt.number(loaded["batch_id"].nunique(), 0, lang)
    )
    ui.metric(
        k[1],
        tr("Última carga", "Last load"),
        fmt.age(age_hours, lang),
        help=fmt.timestamp(last_load, lang) if last_load is not None else None,
    )
    ui.metric(k[2], tr("Dados até", "Data through"), fmt.day(last_period, lang))
    ui.metric(k[3], tr("Arquivos com falha", "Failed files"), fmt.number(failed, 0, lang))
    ui.metric(
        k[4],
        tr("Reconciliação", "Reconciliation"),
        "OK" if reconciled else tr("DIVERGE", "MISMATCH"),
        help=tr(
            "bruto = limpo + duplicados + quarentena, por tabela e lote",
            "raw = clean + duplicates + quarantined, per table and batch",
        ),
    )
    if not reconciled:
        st.error(
            tr(
                "Há lotes em que bruto ≠ limpo + duplicados + quarentena (veja a tabela).",
                "Some batches do not reconcile: raw ≠ clean + duplicates + quarantined (see the table).",
            )
        )

    st.subheader(tr("Reconciliação por tabela", "Reconciliation by table"))
    by_table = quality.groupby("table_name", as_index=False)[
        ["raw_rows", "clean_rows", "duplicate_rows", "quarantined_rows"]
    ].sum()
    by_table["reconciles"] = by_table["raw_rows"] == (
        by_table["clean_rows"] + by_table["duplicate_rows"] + by_table["quarantined_rows"]
    )
    by_table["quarantined_share"] = by_table["quarantined_rows"] / by_table["raw_rows"].where(
        by_table["raw_rows"] > 0
    )
    shown = pd.DataFrame(
        {
            tr("Tabela", "Table"): by_table["table_name"],
            tr("Bruto", "Raw"): by_table["raw_rows"].map(lambda v: fmt.number(v, 0, lang)),
            tr("Limpo", "Clean"): by_table["clean_rows"].map(lambda v: fmt.number(v, 0, lang)),
            tr("Duplicados", "Duplicates"): by_table["duplicate_rows"].map(lambda v: fmt.number(v, 0, lang)),
            tr("Quarentena", "Quarantined"): by_table["quarantined_rows"].map(
                lambda v: fmt.number(v, 0, lang)
            ),
            tr("% quarentena", "% quarantined"): by_table["quarantined_share"].map(
                lambda v: fmt.pct(v, 2, lang)
            ),
            tr("Fecha?", "Reconciles?"): by_table["reconciles"].map(
                lambda ok: tr("sim", "yes") if ok else tr("NÃO", "NO")
            ),
        }
    )
    ui.table(shown, key="dq_reconciliation")
    moved = int(pd.to_numeric(quality.get("owner_changes", pd.Series(dtype=float))).fillna(0).sum())
    if moved:
        st.warning(
            tr(
                f"{fmt.count(moved, 'atualização mudou', 'atualizações mudaram', lang)} o cliente de "
                "um registro (fct_mudancas_de_cliente); a versão nova vale, confira com a origem.",
                f"{fmt.count(moved, 'update', 'updates', lang)} moved a record to another customer "
                "(fct_mudancas_de_cliente); the new version counts, check with the source.",
            )
        )
    by_batch = ui.lazy_expander(tr("Por lote", "By batch"), key="dq_by_batch")
    if by_batch.open:
        with by_batch:
            ui.table(ui.display_frame(quality, lang))

    st.subheader(tr("Quarentena por motivo", "Quarantine by reason"))
    summary = data.load("quarantine_summary")
    if summary.empty:
        st.success(tr("Nenhuma linha em quarentena.", "No quarantined rows."))
    else:
        labels = summary["reason"].map(lambda code: reason_label(code, lang))
        summary["label"] = summary["table_name"] + " · " + labels
        ui.chart(
            charts.horizontal_bars,
            summary.head(20),
            "label",
            "rows_quarantined",
            tr("Linhas", "Rows"),
            charts.NEGATIVE,
        )
        keys = zip(summary["table_name"], summary["reason"], strict=True)
        reasons = dict(zip(summary["label"], keys, strict=True))
        chosen = st.selectbox(tr("Exemplos do motivo", "Examples for reason"), list(reasons), key="dq_reason")
        table_name, reason = reasons[chosen]
        picked = data.load("quarantine_examples", table_name, reason).copy()
        picked["raw_values"] = picked["raw_values"].map(_pretty)
        picked["reason"] = picked["reason"].map(lambda r: reason_label(r, lang))
        ui.table(ui.display_frame(picked, lang), key="dq_examples")

    st.subheader(tr("Ledger de cargas", "Load ledger"))
    ledger_view = ledger.copy()
    ledger_view["sha256"] = ledger_view["sha256"].astype(str).str[:12] + "…"
    loaded_text = tr("carregado", "loaded")
    ledger_view["status"] = ledger_view["status"].map(lambda s: loaded_text if s == "loaded" else s)
    ui.table(ui.display_frame(ledger_view, lang), key="dq_ledger")
    periods = ui.lazy_expander(tr("Lotes (períodos)", "Batches (periods)"), key="dq_batches")
    if periods.open:
        with periods:
            ui.table(ui.display_frame(batches, lang))


def _pretty(raw) -> str:
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(raw)


ui.run_page(main)
