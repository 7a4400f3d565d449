"""Carteira em risco: active customers ranked by MRR at risk (churn probability × MRR)."""

from __future__ import annotations

import streamlit as st

from app import data, fmt, ui
from app.i18n import tr
from app.portfolio import MAX_TABLE_ROWS

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
    options = data.load("filter_options")
    filters = ui.customer_filters(options, "risk")
    cols = st.columns([1, 1, 2])
    filters["health_tier"] = ui.select_one(tr("Saúde", "Health"), TIERS, "risk_health", cols[0])
    filters["min_probability"] = cols[1].slider(
        tr("Probabilidade mínima", "Minimum probability"), 0.0, 1.0, 0.0, 0.05, key="risk_min_prob"
    )
    filters["search"] = (
        cols[2]
        .text_input(tr("Buscar cliente (nome ou id)", "Search customer (name or id)"), key="risk_search")
        .strip()
    )
    view = data.portfolio_view(filters, lang)
    summary = view["summary"]

    k = st.columns(4)
    ui.metric(k[0], tr("Clientes", "Customers"), fmt.number(summary["customers"], 0, lang))
    ui.metric(k[1], "MRR", fmt.brl_card(summary["mrr"], lang), help=fmt.brl(summary["mrr"], 2, lang))
    ui.metric(
        k[2],
        tr("MRR em risco", "MRR at risk"),
        fmt.brl_card(summary["mrr_at_risk"], lang),
        help=fmt.brl(summary["mrr_at_risk"], 2, lang),
    )
    ui.metric(k[3], tr("Risco alto", "High risk"), fmt.number(summary["high_risk"], 0, lang))

    table = view["table"]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="risk_table",
        column_config={
            table.columns[11]: st.column_config.TextColumn(width="large"),  # top drivers
            "360": st.column_config.LinkColumn(display_text=tr("abrir", "open")),
        },
    )
    if summary["customers"] > MAX_TABLE_ROWS:
        st.caption(
            tr(
                f"Mostrando os {fmt.number(MAX_TABLE_ROWS, 0, lang)} primeiros de "
                f"{fmt.number(summary['customers'], 0, lang)}; o CSV traz todos.",
                f"Showing the top {fmt.number(MAX_TABLE_ROWS, 0, lang)} of "
                f"{fmt.number(summary['customers'], 0, lang)}; the CSV has them all.",
            )
        )
    st.download_button(
        tr("Exportar CSV (com os filtros)", "Export CSV (filtered)"),
        data=view["csv"],
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
