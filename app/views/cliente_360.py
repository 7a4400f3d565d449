"""Cliente 360: one customer's timeline, health components and churn probability with drivers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import charts, data, fmt, ui
from app import drivers as drivers_view
from app.i18n import tr, value_label
from app.queries import parse_drivers

# Per-customer fact tables shown when the dbt project builds them (title pt, title en).
DETAIL_TABLES = {
    "fct_tickets": ("Tickets", "Tickets"),
    "fct_faturas": ("Faturas", "Invoices"),
    "fct_nps_respostas": ("Respostas NPS", "NPS answers"),
    "fct_contratos": ("Contratos", "Contracts"),
}
HIDDEN_DETAIL_COLUMNS = ("customer_id", "batch_id", "updated_at", "loaded_at", "_")

HEALTH_COMPONENTS = {
    "score_usage": ("Uso", "Usage"),
    "score_adoption": ("Adoção", "Adoption"),
    "score_support": ("Suporte", "Support"),
    "score_nps": ("NPS", "NPS"),
    "score_billing": ("Financeiro", "Billing"),
}


def main() -> None:
    lang = ui.lang()
    st.title(tr("Cliente 360", "Customer 360"))
    customer_id = ui.pick_customer("c360")
    kpis = data.load("customer_kpis", customer_id)
    if kpis.empty:
        st.warning(tr("Cliente não encontrado.", "Customer not found."))
        return
    row = kpis.iloc[0]
    status = (
        tr("cancelado", "churned")
        if pd.notna(row.get("churn_status")) and int(row["churn_status"]) == 1
        else tr("ativo", "active")
    )
    st.subheader(f"{row['company_name']} · {customer_id}")
    st.caption(
        " · ".join(
            str(x)
            for x in [
                value_label(row.get("segment"), lang),
                value_label(row.get("company_size"), lang),
                f"{row.get('city') or ''}/{row.get('uf') or ''}",
                f"CSM {row.get('csm_owner')}",
                tr("plano", "plan") + f" {value_label(row.get('plan'), lang)}",
                f"CNPJ {fmt.cnpj(row.get('cnpj'))}",
                row.get("contact_email"),
                status,
            ]
            if x
        )
    )

    k = st.columns([1.5, 1, 1.3, 1.3, 1.1])
    ui.metric(k[0], "MRR", fmt.brl(row.get("current_mrr"), 2, lang))
    ui.metric(
        k[1],
        tr("Saúde", "Health"),
        fmt.number(row.get("health_score"), 0, lang) + " / 100",
        help=value_label(row.get("health_tier"), lang),
    )
    ui.metric(
        k[2],
        tr("Prob. de churn (90 dias)", "Churn prob. (90 days)"),
        fmt.pct(row.get("churn_probability"), 1, lang),
        help=tr("Faixa de risco", "Risk tier") + ": " + value_label(row.get("risk_tier"), lang),
    )
    ui.metric(k[3], tr("Renovação", "Renewal"), fmt.day(row.get("renewal_date"), lang))
    ui.metric(
        k[4],
        tr("Cliente há", "Customer for"),
        fmt.count(row.get("tenure_months"), tr("mês", "month"), tr("meses", "months"), lang),
    )

    left, right = st.columns(2)
    with left:
        st.markdown(
            "**"
            + tr("Componentes da saúde", "Health components")
            + f"** ({value_label(row.get('health_tier'), lang)})"
        )
        components = pd.DataFrame(
            [
                {"component": tr(pt, en), "score": float(row[col])}
                for col, (pt, en) in HEALTH_COMPONENTS.items()
                if col in row and pd.notna(row[col])
            ]
        )
        if components.empty:
            st.caption(tr("Sem componentes de saúde.", "No health components."))
        else:
            points = tr("Pontos (0–100)", "Points (0–100)")
            ui.chart(charts.horizontal_bars, components, "component", "score", points)
    with right:
        st.markdown("**" + tr("Fatores da probabilidade de churn", "Churn probability drivers") + "**")
        drivers = parse_drivers(row.get("top_drivers"))
        if not drivers:
            st.caption(
                tr(
                    "Sem score de churn para este cliente (rode `just score`).",
                    "No churn score for this customer (run `just score`).",
                )
            )
        levers = [d for d in drivers if not drivers_view.is_context(d)]
        context = [d for d in drivers if drivers_view.is_context(d)]
        for driver in levers:
            st.markdown(drivers_view.line(driver, lang))
        if context:
            st.caption(
                tr("Contexto (não é motivo de ação): ", "Context (not a reason to act): ")
                + "; ".join(drivers_view.text(d, lang) for d in context)
            )
        if drivers:
            st.caption(tr(*drivers_view.EXPLANATION, lang))

    st.markdown("**" + tr("Linha do tempo", "Timeline") + "**")
    groups = {
        "usage": (
            tr("Uso", "Usage"),
            [
                ("events_30d", tr("Eventos em 30 dias", "Events in 30 days")),
                ("active_users_30d", tr("Usuários ativos em 30 dias", "Active users in 30 days")),
            ],
        ),
        "tickets": (
            "Tickets",
            [
                ("tickets_90d", tr("Tickets em 90 dias", "Tickets in 90 days")),
                ("p1_tickets_90d", tr("Tickets P1 em 90 dias", "P1 tickets in 90 days")),
            ],
        ),
        "nps": (
            "NPS / CSAT",
            [
                ("last_nps", tr("Último NPS", "Last NPS")),
                ("avg_csat_90d", tr("CSAT médio 90 dias", "Avg CSAT 90 days")),
            ],
        ),
        "invoices": (
            tr("Faturas", "Invoices"),
            [
                ("late_invoices_90d", tr("Faturas em atraso (90 dias)", "Late invoices (90 days)")),
                ("avg_payment_delay_days_90d", tr("Atraso médio (dias)", "Avg payment delay (days)")),
            ],
        ),
        "mrr": ("MRR", []),
    }
    group = (
        st.segmented_control(
            tr("Série", "Series"),
            list(groups),
            default="usage",
            key="c360_series",
            format_func=lambda g: groups[g][0],
        )
        or "usage"
    )
    if group == "mrr":
        mrr = data.load("customer_mrr", customer_id)
        if mrr.empty:
            st.caption(tr("Sem movimentos de MRR.", "No MRR movements."))
        else:
            ui.chart(charts.line, mrr, "month", "mrr", "MRR (R$)")
            moves = mrr[["month", "movement", "previous_mrr", "mrr"]].copy()
            moves["month"] = moves["month"].map(lambda m: fmt.month(m, lang))
            moves["movement"] = moves["movement"].map(lambda v: value_label(v, lang))
            moves["previous_mrr"] = moves["previous_mrr"].map(lambda v: fmt.brl(v, 2, lang))
            moves["mrr"] = moves["mrr"].map(lambda v: fmt.brl(v, 2, lang))
            moves.columns = [
                tr("Mês", "Month"),
                tr("Movimento", "Movement"),
                tr("MRR anterior", "Previous MRR"),
                "MRR",
            ]
            ui.table(moves.iloc[::-1])
    else:
        snaps = data.load("customer_snapshots", customer_id)
        pairs = [(column, title) for column, title in groups[group][1] if column in snaps]
        if snaps.empty or not pairs:
            st.caption(tr("Sem histórico mensal para este cliente.", "No monthly history for this customer."))
        else:
            ui.chart(charts.multi_line, snaps, "snapshot_date", dict(pairs))

    st.markdown("**" + tr("Detalhes", "Details") + "**")
    table = (
        st.segmented_control(
            tr("Tabela", "Table"),
            list(DETAIL_TABLES),
            default="fct_tickets",
            key="c360_detail",
            format_func=lambda t: tr(*DETAIL_TABLES[t]),
        )
        or "fct_tickets"
    )
    detail = data.load("optional_table", table, customer_id)
    if detail is None:
        st.caption(
            tr(f"A tabela {table} não existe neste warehouse.", f"Table {table} is not in this warehouse.")
        )
    elif detail.empty:
        st.caption(tr("Sem registros para este cliente.", "No rows for this customer."))
    else:
        shown = detail[
            [
                c
                for c in detail.columns
                if not c.startswith(HIDDEN_DETAIL_COLUMNS) and not c.startswith("has_invalid")
            ]
        ]
        total = int(detail["_total_rows"].iloc[0])
        st.caption(
            tr(
                f"{fmt.number(len(detail), 0, lang)} de {fmt.number(total, 0, lang)} registros "
                "(mais recentes primeiro)",
                f"{fmt.number(len(detail), 0, lang)} of {fmt.number(total, 0, lang)} rows (newest first)",
            )
            if total > len(detail)
            else fmt.count(total, tr("registro", "row"), tr("registros", "rows"), lang)
            + tr(" (mais recentes primeiro)", " (newest first)")
        )
        ui.table(ui.display_frame(shown, lang), key="c360_detail_table")


ui.run_page(main)
