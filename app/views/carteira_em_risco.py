"""Carteira em risco: active customers ranked by MRR at risk (churn probability × MRR)."""

from __future__ import annotations

import streamlit as st

from app import data, fmt, ui
from app.i18n import tr, value_label
from app.queries import filter_portfolio, portfolio_csv

TIERS = ["risco", "atenção", "saudável"]


def main() -> None:
    lang = ui.lang()
    st.title(tr("Carteira em risco", "Portfolio at risk"))
    st.caption(
        tr(
            "Clientes ativos ordenados por MRR em risco = probabilidade de churn em 90 dias × MRR atual.",
            "Active customers ranked by MRR at risk = 90-day churn probability × current MRR.",
        )
    )
    frame = data.load("portfolio")
    options = data.load("filter_options")
    filters = ui.customer_filters(options, "risk")
    cols = st.columns([1, 1, 2])
    health = ui.select_one(
        tr("Saúde", "Health"), [t for t in TIERS if t in set(frame["health_tier"])], "risk_health", cols[0]
    )
    min_probability = cols[1].slider(
        tr("Probabilidade mínima", "Minimum probability"), 0.0, 1.0, 0.0, 0.05, key="risk_min_prob"
    )
    search = cols[2].text_input(
        tr("Buscar cliente (nome ou id)", "Search customer (name or id)"), key="risk_search"
    )
    shown = filter_portfolio(
        frame, health_tier=health, search=search, min_probability=min_probability, **filters
    )

    k = st.columns(4)
    ui.metric(k[0], tr("Clientes", "Customers"), fmt.number(len(shown), 0, lang))
    ui.metric(k[1], "MRR", fmt.brl(shown["current_mrr"].sum(), 2, lang))
    ui.metric(k[2], tr("MRR em risco", "MRR at risk"), fmt.brl(shown["mrr_at_risk"].sum(), 2, lang))
    high = shown["risk_tier"].astype(str).str.lower().isin(["alto", "high"]).sum()
    ui.metric(k[3], tr("Risco alto", "High risk"), fmt.number(high, 0, lang))

    table = shown[
        [
            "customer_id",
            "company_name",
            "csm_owner",
            "segment",
            "uf",
            "current_mrr",
            "churn_probability",
            "mrr_at_risk",
            "risk_tier",
            "health_score",
            "health_tier",
            "drivers",
            "renewal_date",
        ]
    ].copy()
    table["health_tier"] = table["health_tier"].map(lambda v: value_label(v, lang))
    table["risk_tier"] = table["risk_tier"].map(lambda v: value_label(v, lang))
    # numbers go to the table as pt-BR text (Streamlit's number formats are en-US only);
    # the table keeps the MRR-at-risk ranking and the CSV export carries the exact values
    table["current_mrr"] = table["current_mrr"].map(lambda v: fmt.brl(v, 2, lang))
    table["mrr_at_risk"] = table["mrr_at_risk"].map(lambda v: fmt.brl(v, 2, lang))
    table["churn_probability"] = table["churn_probability"].map(lambda v: fmt.pct(v, 1, lang))
    table["health_score"] = table["health_score"].map(lambda v: fmt.number(v, 0, lang))
    table["renewal_date"] = table["renewal_date"].map(lambda v: fmt.day(v, lang))
    labels = {
        "customer_id": "ID",
        "company_name": tr("Cliente", "Customer"),
        "csm_owner": "CSM",
        "segment": tr("Segmento", "Segment"),
        "uf": "UF",
        "current_mrr": "MRR",
        "churn_probability": tr("Prob. churn", "Churn prob."),
        "mrr_at_risk": tr("MRR em risco", "MRR at risk"),
        "risk_tier": tr("Risco", "Risk"),
        "health_score": tr("Saúde", "Health"),
        "health_tier": tr("Faixa de saúde", "Health tier"),
        "drivers": tr("Principais fatores", "Top drivers"),
        "renewal_date": tr("Renovação", "Renewal"),
        "open_360": "360",
    }
    table["open_360"] = "./cliente-360?cliente=" + table["customer_id"]  # opens the account in Cliente 360
    st.dataframe(
        table.rename(columns=labels),
        hide_index=True,
        width="stretch",
        key="risk_table",
        column_config={
            labels["drivers"]: st.column_config.TextColumn(width="large"),
            "360": st.column_config.LinkColumn(display_text=tr("abrir", "open")),
        },
    )
    st.download_button(
        tr("Exportar CSV (com os filtros)", "Export CSV (filtered)"),
        data=portfolio_csv(shown),
        file_name="carteira_em_risco.csv",
        mime="text/csv",
        key="risk_export",
        icon=":material/download:",
    )
    st.caption(
        tr(
            "O CSV usa ';' como separador e vírgula decimal (abre direto no Excel em pt-BR).",
            "The CSV uses ';' as separator and decimal comma (opens directly in pt-BR Excel).",
        )
    )


ui.run_page(main)
