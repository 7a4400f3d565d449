"""Visão executiva: MRR, churn, NRR/GRR, quick ratio, trends, MRR bridge and cohorts."""

from __future__ import annotations

import streamlit as st

from app import charts, data, fmt, ui
from app.i18n import tr
from app.queries import ALL


def main() -> None:
    lang = ui.lang()
    st.title(tr("Visão executiva", "Executive view"))
    options = data.load("filter_options")
    filters = ui.customer_filters(options, "exec")
    is_filtered = any(value != ALL for value in filters.values())
    monthly = data.load("kpis_mensais", *filters.values())
    if is_filtered:
        st.caption(
            tr(
                "Indicadores dos clientes filtrados, com as mesmas fórmulas do total "
                "(fct_kpis_mensais_filtros).",
                "KPIs of the filtered customers, with the same formulas as the total "
                "(fct_kpis_mensais_filtros).",
            )
        )
    if monthly.empty:
        st.info(tr("Nenhum cliente corresponde aos filtros.", "No customer matches the filters."))
        return

    last = monthly.iloc[-1]
    previous = monthly.iloc[-2] if len(monthly) > 1 else None
    st.subheader(tr("Indicadores de", "KPIs for") + " " + fmt.month(last["month"], lang))

    def delta(column: str, kind: str) -> str | None:
        if previous is None:
            return None
        change = float(last[column] or 0) - float(previous[column] or 0)
        if kind == "brl":
            return fmt.brl(change, 2, lang)
        if kind == "pp":
            return fmt.number(change * 100, 1, lang) + " p.p."
        return fmt.number(change, 0, lang)

    row1 = st.columns(4)
    ui.metric(
        row1[0],
        "MRR",
        fmt.brl_card(last["mrr"], lang),
        delta("mrr", "brl"),
        help=fmt.brl(last["mrr"], 2, lang),
    )
    ui.metric(
        row1[1],
        tr("Clientes ativos", "Active customers"),
        fmt.number(last["active_customers"], 0, lang),
        delta("active_customers", "n"),
    )
    ui.metric(
        row1[2],
        tr("Churn de logos", "Logo churn"),
        fmt.pct(last["logo_churn_rate"], 2, lang),
        delta("logo_churn_rate", "pp"),
        delta_color="inverse",
    )
    ui.metric(
        row1[3],
        tr("Churn bruto de MRR", "Gross MRR churn"),
        fmt.pct(last["gross_mrr_churn_rate"], 2, lang),
        delta("gross_mrr_churn_rate", "pp"),
        delta_color="inverse",
    )
    row_annual = st.columns(4)
    ui.metric(row_annual[0], "ARR", fmt.brl_card(last["arr"], lang), help=tr("MRR × 12", "MRR × 12"))
    ui.metric(row_annual[1], tr("NRR 12 meses", "NRR trailing 12 months"), fmt.pct(last["nrr_t12m"], 1, lang))
    ui.metric(row_annual[2], tr("GRR 12 meses", "GRR trailing 12 months"), fmt.pct(last["grr_t12m"], 1, lang))
    row2 = st.columns(4)
    ui.metric(
        row2[0],
        tr("NRR mensal", "Monthly NRR"),
        fmt.pct(last["nrr"], 1, lang),
        delta("nrr", "pp"),
        help=tr("Mês contra o mês anterior. Em 12 meses: ", "Month against the previous one. 12 months: ")
        + fmt.pct(last["nrr_t12m"], 1, lang),
    )
    ui.metric(row2[1], tr("GRR mensal", "Monthly GRR"), fmt.pct(last["grr"], 1, lang), delta("grr", "pp"))
    ui.metric(
        row2[2],
        "Quick ratio",
        fmt.ratio(last["quick_ratio"], 2, lang),
        help=tr(
            "(novo + expansão + reativação) / (contração + churn)",
            "(new + expansion + reactivation) / (contraction + churn)",
        ),
    )
    ui.metric(
        row2[3],
        tr("Churn líquido de MRR", "Net MRR churn"),
        fmt.pct(last["net_mrr_churn_rate"], 2, lang),
        delta("net_mrr_churn_rate", "pp"),
        delta_color="inverse",
    )

    left, right = st.columns(2)
    with left:
        st.markdown("**" + tr("Evolução do MRR", "MRR trend") + "**")
        ui.chart(charts.mrr_trend, monthly, lang)
    with right:
        st.markdown("**" + tr("Movimentos de MRR por mês", "MRR movements by month") + "**")
        ui.chart(charts.movements, monthly, lang)

    st.markdown("**" + tr("Ponte de MRR (waterfall)", "MRR bridge (waterfall)") + "**")
    months = list(monthly["month"])
    chosen = st.selectbox(
        tr("Mês", "Month"),
        months,
        index=len(months) - 1,
        format_func=lambda m: fmt.month(m, lang),
        key="exec_month",
    )
    position = months.index(chosen)
    # the first loaded month starts from its opening balance, not from zero
    start_mrr = float(monthly["starting_mrr"].iloc[position])
    ui.chart(charts.waterfall, charts.waterfall_steps(start_mrr, monthly.iloc[position], lang))

    st.markdown(
        "**"
        + tr(
            "Retenção por coorte de assinatura (últimas 24 coortes, todos os clientes)",
            "Retention by signup cohort (latest 24 cohorts, all customers)",
        )
        + "**"
    )
    cohorts = data.load("cohorts")
    if cohorts.empty:
        st.caption(tr("Sem coortes ainda.", "No cohorts yet."))
    else:
        ui.chart(charts.cohort_heatmap, cohorts, lang)

    monthly_table = ui.lazy_expander(tr("Tabela mensal", "Monthly table"), key="exec_monthly_table")
    if monthly_table.open:
        with monthly_table:
            ui.table(ui.display_frame(monthly.iloc[::-1], lang))


ui.run_page(main)
