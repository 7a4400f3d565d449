"""Minha carteira: a CSM's daily worklist — who needs attention, what to do, what was done."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import actions, charts, data, fmt, playbooks, ui
from app.i18n import tr, value_label

RISK_TIERS = ["alto", "médio", "baixo"]
HEALTH_TIERS = ["risco", "atenção", "saudável"]
RENEWAL_WINDOWS = [0, 30, 60, 90]
CALENDAR_DAYS = 91  # the renewal calendar covers the coming quarter


def filters(options: dict[str, list[str]], lang: str) -> dict:
    ui.remember("wl_csm", "csm")
    cols = st.columns([2, 1])
    csm = ui.select_one("CSM", options["csm_owner"], "wl_csm", cols[0])
    ui.keep_in_url("wl_csm", "csm")
    with cols[1].popover(tr("Filtros", "Filters"), icon=":material/filter_list:", width="stretch"):
        risk = ui.select_one(tr("Risco de churn", "Churn risk"), RISK_TIERS, "wl_risk", value_format=True)
        health = ui.select_one(tr("Saúde", "Health"), HEALTH_TIERS, "wl_health", value_format=True)
        renewal = st.segmented_control(
            tr("Renovação em até", "Renewal within"),
            RENEWAL_WINDOWS,
            default=0,
            format_func=lambda d: (
                tr("qualquer data", "any date", lang) if d == 0 else tr(f"{d} dias", f"{d} days", lang)
            ),
            key="wl_renewal",
        )
    return {"csm": csm, "risk_tier": risk, "health_tier": health, "renewal_days": int(renewal or 0)}


def summary_line(chosen: dict, lang: str) -> str:
    parts = []
    if chosen["risk_tier"] != "*":
        parts.append(tr("risco ", "risk ") + value_label(chosen["risk_tier"], lang))
    if chosen["health_tier"] != "*":
        parts.append(tr("saúde ", "health ") + value_label(chosen["health_tier"], lang))
    if chosen["renewal_days"]:
        parts.append(
            tr(
                f"renovação em até {chosen['renewal_days']} dias",
                f"renewal within {chosen['renewal_days']} days",
            )
        )
    return " · ".join(parts)


def main() -> None:
    lang = ui.lang()
    st.title(tr("Minha carteira", "My accounts"))
    options = data.load("filter_options")
    chosen = filters(options, lang)
    rows, summary = data.load("worklist", **chosen)
    today = summary["as_of"]
    st.caption(
        tr(
            f"Contas ativas por MRR em risco, com a ação recomendada. Dados de {fmt.day(today, lang)}.",
            "Active accounts by MRR at risk, with the recommended action. "
            f"Data as of {fmt.day(today, lang)}.",
        )
        + (
            " " + tr("Filtros: ", "Filters: ") + summary_line(chosen, lang)
            if summary_line(chosen, lang)
            else ""
        )
    )
    all_actions = actions.current(owner="*")
    mine = (
        all_actions[all_actions["customer_id"].isin(rows["customer_id"])]
        if len(rows)
        else all_actions.iloc[:0]
    )
    overdue = actions.is_overdue(mine, today) if len(mine) else pd.Series(dtype=bool)

    k = st.columns(4)
    ui.metric(k[0], tr("Contas", "Accounts"), fmt.number(summary["customers"], 0, lang))
    ui.metric(k[1], "MRR", fmt.brl_card(summary["mrr"], lang))
    ui.metric(k[2], tr("MRR em risco", "MRR at risk"), fmt.brl_card(summary["mrr_at_risk"], lang))
    ui.metric(k[3], tr("Ações atrasadas", "Overdue actions"), fmt.number(int(overdue.sum()), 0, lang))

    if rows.empty:
        st.info(tr("Nenhuma conta corresponde aos filtros.", "No account matches the filters."))
        return
    shown = data.worklist_view(chosen, today, lang)
    open_counts = (
        mine[mine["status"].isin(actions.OPEN_STATUSES)].groupby("customer_id").size().to_dict()
        if len(mine)
        else {}
    )
    from app import worklist

    table = worklist.display_table(rows, shown["recommended"], shown["health"], open_counts, lang)
    names = worklist.labels(lang)
    ui.account_table(
        table,
        tr("Nenhuma conta corresponde aos filtros.", "No account matches the filters."),
        key="wl_table",
        column_config={
            names["company_name"]: st.column_config.TextColumn(width="medium", pinned=True),
            names["current_mrr"]: st.column_config.TextColumn(width="small"),
            names["health_trend"]: st.column_config.LineChartColumn(
                y_min=0,
                y_max=100,
                width="small",
                help=tr("Saúde, 6 meses", "Health, 6 months"),
            ),
            names["next_action"]: st.column_config.TextColumn(width="medium"),
            names["open_actions"]: st.column_config.NumberColumn(width="small", format="%d"),
        },
    )
    if summary["customers"] > len(rows):
        st.caption(
            tr(
                f"Mostrando as {fmt.number(len(rows), 0, lang)} primeiras de "
                f"{fmt.count(summary['customers'], 'conta', 'contas', lang)} (por MRR em risco).",
                f"Showing the top {fmt.number(len(rows), 0, lang)} of "
                f"{fmt.count(summary['customers'], 'account', 'accounts', lang)} (by MRR at risk).",
            )
        )

    account_panel(rows, shown["recommended"], all_actions, today, lang)
    renewal_section(chosen["csm"], today, lang)
    actions_section(mine, rows, today, lang)


def account_panel(
    rows: pd.DataFrame, recommended: list, all_actions: pd.DataFrame, today: dt.date, lang: str
) -> None:
    st.subheader(tr("Agir numa conta", "Act on an account"))
    ids = list(rows["customer_id"])
    names = dict(zip(rows["customer_id"], rows["company_name"].fillna(""), strict=True))
    customer_id = st.selectbox(
        tr("Conta", "Account"), ids, format_func=lambda c: f"{names[c]} ({c})", key="wl_account"
    )
    position = ids.index(customer_id)
    row = rows.iloc[position]
    found = recommended[position]
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**" + tr("Ações recomendadas", "Recommended actions") + "**")
        if not found:
            st.caption(
                tr(
                    "Nenhum playbook se aplica a esta conta (risco baixo e sem sinais acionáveis).",
                    "No playbook applies to this account (low risk and no actionable sign).",
                )
            )
        for playbook in found:
            due = playbooks.due_date(playbook, today)
            st.markdown(
                f"- **{playbook.title[lang]}** — {playbook.why[lang]} · "
                + tr("prioridade ", "priority ")
                + playbooks.priority_label(playbook.priority, lang)
                + " · "
                + tr("prazo ", "due ")
                + fmt.day(due, lang)
            )
        picked = None
        if found:
            picked_id = st.radio(
                tr("Registrar a partir de", "Record from"),
                [p.id for p in found] + [""],
                format_func=lambda i: next(
                    (p.title[lang] for p in found if p.id == i), tr("outra ação", "another action", lang)
                ),
                key=f"wl_pick_{customer_id}",
                horizontal=False,
            )
            picked = next((p for p in found if p.id == picked_id), None)
        actions.record_form(
            customer_id,
            str(row.get("csm_owner") or ""),
            today,
            lang,
            key=f"wl_record_{customer_id}_{picked.id if picked else 'free'}",
            playbook=picked,
        )
    with right:
        st.markdown("**" + tr("Contexto", "Context") + "**")
        st.caption(
            tr(
                "Segmento, porte, UF e MRR são contexto, não motivo de ação.",
                "Segment, size, UF and MRR are context, not a reason to act.",
            )
        )
        st.markdown(
            " · ".join(
                str(v)
                for v in (
                    value_label(row.get("segment"), lang),
                    value_label(row.get("company_size"), lang),
                    row.get("uf"),
                    "MRR " + fmt.brl(row.get("current_mrr"), 0, lang),
                )
                if v
            )
        )
        history = data.load("health_history", (customer_id,), pd.Timestamp(today) - pd.DateOffset(months=12))
        if not history.empty:
            ui.chart(
                charts.line, history, "snapshot_date", "health_score", tr("Saúde (0–100)", "Health (0–100)")
            )
    account_actions = actions.current(customer_id=customer_id)
    st.markdown("**" + tr("Ações desta conta", "Actions on this account") + "**")
    if account_actions.empty:
        st.caption(tr("Nenhuma ação registrada ainda.", "No action recorded yet."))
    else:
        ui.table(actions.display(account_actions, lang, today))
        actions.update_form(account_actions, lang, key=f"wl_{customer_id}")


def renewal_section(csm: str, today: dt.date, lang: str) -> None:
    end = today + dt.timedelta(days=CALENDAR_DAYS)
    st.subheader(tr("Renovações do trimestre", "Renewals this quarter"))
    calendar = data.load("renewal_calendar", csm, today, end)
    if calendar.empty:
        st.caption(tr("Nenhuma renovação nos próximos 3 meses.", "No renewal in the next 3 months."))
        return
    at_risk = fmt.brl_card(calendar.loc[calendar["risk_tier"] != "baixo", "mrr"].sum(), lang)
    st.caption(
        tr(
            f"{fmt.count(int(calendar['customers'].sum()), 'conta renova', 'contas renovam', lang)} "
            f"de {fmt.day(today, lang)} a {fmt.day(end, lang)}: "
            f"{fmt.brl_card(calendar['mrr'].sum(), lang)} de MRR, "
            f"{at_risk} em risco médio ou alto.",
            f"{fmt.count(int(calendar['customers'].sum()), 'account renews', 'accounts renew', lang)} "
            f"from {fmt.day(today, lang)} to {fmt.day(end, lang)}: "
            f"{fmt.brl_card(calendar['mrr'].sum(), lang)} of MRR, "
            f"{at_risk} at medium or high risk.",
        )
    )
    ui.chart(charts.renewal_calendar, calendar, lang)


def actions_section(mine: pd.DataFrame, rows: pd.DataFrame, today: dt.date, lang: str) -> None:
    st.subheader(tr("Ações da carteira", "Actions on these accounts"))
    if mine.empty:
        st.caption(tr("Nenhuma ação registrada nestas contas.", "No action recorded on these accounts."))
        return
    names = dict(zip(rows["customer_id"], rows["company_name"].fillna(""), strict=True))
    ui.table(actions.display(mine, lang, today, names), key="wl_actions")
    st.download_button(
        tr(
            f"Exportar ações (CSV, {fmt.count(len(mine), 'linha', 'linhas', lang)})",
            f"Export actions (CSV, {fmt.count(len(mine), 'row', 'rows', lang)})",
        ),
        data=lambda: actions.export_csv(mine),
        file_name="acoes.csv" if lang == "pt" else "actions.csv",
        mime="text/csv",
        key="wl_actions_export",
        icon=":material/download:",
    )


ui.run_page(main)
