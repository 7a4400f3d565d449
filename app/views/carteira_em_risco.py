"""Carteira em risco: active customers ranked by MRR at risk (churn probability × MRR)."""

from __future__ import annotations

import streamlit as st

from app import data, fmt, portfolio, ui
from app.i18n import tr
from app.queries import EXPORT_MAX_ROWS

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
    top = st.columns([3, 1], vertical_alignment="bottom")
    search = top[0].text_input(
        tr("Buscar cliente (nome, id ou CNPJ)", "Search customer (name, id or CNPJ)"), key="risk_search"
    )
    # the filters sit in a popover: on a phone they would fill the first screen
    with top[1].popover(tr("Filtros", "Filters"), icon=":material/filter_list:", width="stretch"):
        filters = ui.customer_filters(options, "risk", per_row=2)
        cols = st.columns(2)
        filters["health_tier"] = ui.select_one(
            tr("Saúde", "Health"), TIERS, "risk_health", cols[0], value_format=True
        )
        filters["min_probability"] = (
            cols[1].slider(
                tr("Probabilidade mínima de churn", "Minimum churn probability"),
                0,
                100,
                0,
                5,
                format="%d%%",
                key="risk_min_prob",
            )
            / 100
        )
    filters["search"] = search.strip()
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
    names = portfolio.labels(lang)
    ui.account_table(
        table,
        tr("Nenhum cliente corresponde aos filtros.", "No customer matches the filters."),
        key="risk_table",
        column_config={
            names["company_name"]: st.column_config.TextColumn(width="medium", pinned=True),
            names["drivers"]: st.column_config.TextColumn(width="large"),
        },
    )
    shown, total = len(table), summary["customers"]
    if total > shown:
        st.caption(
            tr(
                f"Mostrando os {fmt.number(shown, 0, lang)} primeiros de {fmt.number(total, 0, lang)} "
                "clientes (por MRR em risco). Refine os filtros ou exporte o CSV.",
                f"Showing the top {fmt.number(shown, 0, lang)} of {fmt.number(total, 0, lang)} "
                "customers (by MRR at risk). Narrow the filters or export the CSV.",
            )
        )
    elif total:
        st.caption(fmt.count(total, tr("cliente", "customer"), tr("clientes", "customers"), lang) + ".")
    exported = min(total, EXPORT_MAX_ROWS)
    st.download_button(
        tr(
            f"Exportar CSV ({fmt.count(exported, 'linha', 'linhas', lang)}, com os filtros)",
            f"Export CSV ({fmt.count(exported, 'row', 'rows', lang)}, filtered)",
        ),
        data=lambda: data.portfolio_export(filters),  # built on click, with the filters shown above
        file_name="carteira_em_risco.csv",
        mime="text/csv",
        key="risk_export",
        icon=":material/download:",
        disabled=total == 0,
    )
    note = tr(
        "O CSV usa ';' como separador e vírgula decimal (abre direto no Excel em pt-BR).",
        "The CSV uses ';' as separator and decimal comma (opens directly in pt-BR Excel).",
    )
    if total > EXPORT_MAX_ROWS:
        note += " " + tr(
            f"Limitado aos {fmt.number(EXPORT_MAX_ROWS, 0, lang)} primeiros por MRR em risco; "
            "filtre para exportar o restante.",
            f"Capped at the top {fmt.number(EXPORT_MAX_ROWS, 0, lang)} by MRR at risk; "
            "filter to export the rest.",
        )
    st.caption(note)


ui.run_page(main)
