"""Alertas: accounts that need a look today, and what happened to accounts alerted before."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import actions, alerts, data, fmt, ui
from app.i18n import tr, value_label


def table(frame: pd.DataFrame, columns: dict[str, pd.Series], key: str, lang: str) -> None:
    shown = pd.DataFrame(
        {
            tr("Cliente", "Customer", lang): frame["company_name"].fillna(frame["customer_id"]),
            ui.OPEN_COLUMN: frame["customer_id"],  # next to the name: on a phone too without scrolling
            "CSM": frame["csm_owner"],
            "MRR": [fmt.brl(v, 0, lang) for v in frame["current_mrr"]],
            **columns,
        }
    )
    ui.account_table(shown, tr("Nenhum alerta.", "No alert.", lang), key=key)


def count_caption(frame: pd.DataFrame, lang: str) -> None:
    total = alerts.matched(frame)
    if total > len(frame):
        st.caption(
            tr(
                f"Mostrando {fmt.number(len(frame), 0, lang)} de "
                f"{fmt.count(total, 'alerta', 'alertas', lang)}.",
                f"Showing {fmt.number(len(frame), 0, lang)} of {fmt.count(total, 'alert', 'alerts', lang)}.",
            )
        )


def main() -> None:
    lang = ui.lang()
    st.title(tr("Alertas", "Alerts"))
    options = data.load("filter_options")
    ui.remember("al_csm", "csm")
    cols = st.columns([2, 1])
    csm = ui.select_one("CSM", options["csm_owner"], "al_csm", cols[0])
    ui.keep_in_url("al_csm", "csm")
    min_pp = cols[1].slider(
        tr("Alta de risco mínima", "Minimum risk increase"),
        min_value=1,
        max_value=50,
        value=int(alerts.RISK_UP_PP),
        step=1,
        format="%d p.p.",
        key="al_min_pp",
    )
    today = data.load("as_of_date")
    runs = data.load("alerts.scoring_runs")
    previous = next((run for run in runs if run < today), None)
    increase = data.load("alerts.risk_increase", previous, float(min_pp), csm) if previous else None
    renewals = data.load("alerts.renewals_at_risk", today, csm)
    detractors = data.load("alerts.detractors", today, csm)
    logged = actions.current()
    overdue = logged[actions.is_overdue(logged, today)] if len(logged) else logged
    if csm != "*" and len(overdue):
        overdue = overdue[overdue["owner"] == csm]

    st.caption(tr(f"Dados de {fmt.day(today, lang)}.", f"Data as of {fmt.day(today, lang)}."))
    k = st.columns(4)
    ui.metric(
        k[0],
        tr("Risco subiu", "Risk went up"),
        fmt.number(alerts.matched(increase), 0, lang) if increase is not None else "—",
    )
    ui.metric(
        k[1], tr("Renovação em risco", "Renewal at risk"), fmt.number(alerts.matched(renewals), 0, lang)
    )
    ui.metric(
        k[2],
        tr("Detratores (30 dias)", "Detractors (30 days)"),
        fmt.number(alerts.matched(detractors), 0, lang),
    )
    ui.metric(k[3], tr("Ações atrasadas", "Overdue actions"), fmt.number(len(overdue), 0, lang))

    st.subheader(tr("Risco subiu desde a última rodada", "Risk up since the previous scoring run"))
    if increase is None:
        st.caption(
            tr(
                "Só há uma rodada de score até agora: este alerta compara com a rodada anterior e "
                "aparece a partir da próxima, com um mês novo de dados (localmente: "
                "`just generate --continue --months 1`, `just load`, `just transform`, `just score`; "
                "`just dev` recria os dados do zero e começa um histórico novo).",
                "There is only one scoring run so far: this alert compares with the previous run and "
                "starts with the next one, on a new month of data (locally: "
                "`just generate --continue --months 1`, `just load`, `just transform`, `just score`; "
                "`just dev` makes the data from scratch and starts a new history).",
            )
        )
    elif increase.empty:
        st.caption(
            tr(
                f"Nenhuma conta com alta de {min_pp} p.p. ou mais desde {fmt.day(previous, lang)}.",
                f"No account up by {min_pp} p.p. or more since {fmt.day(previous, lang)}.",
            )
        )
    else:
        st.caption(
            tr(
                f"Comparado com a rodada de {fmt.day(previous, lang)}.",
                f"Against the run of {fmt.day(previous, lang)}.",
            )
        )
        table(
            increase,
            {
                tr("Antes", "Before", lang): [fmt.pct(v, 0, lang) for v in increase["previous_probability"]],
                tr("Agora", "Now", lang): [fmt.pct(v, 0, lang) for v in increase["churn_probability"]],
                tr("Alta", "Change", lang): [
                    f"+{fmt.number(v, 1, lang)} p.p." for v in increase["change_pp"]
                ],
            },
            "al_increase",
            lang,
        )
        count_caption(increase, lang)

    st.subheader(
        tr(
            f"Renovação em até {alerts.RENEWAL_DAYS} dias com risco médio ou alto",
            f"Renewal within {alerts.RENEWAL_DAYS} days at medium or high risk",
        )
    )
    if renewals.empty:
        st.caption(tr("Nenhuma renovação em risco.", "No renewal at risk."))
    else:
        table(
            renewals,
            {
                tr("Renovação", "Renewal", lang): [fmt.day(v, lang) for v in renewals["renewal_date"]],
                tr("Risco", "Risk", lang): [
                    f"{value_label(t, lang)} · {fmt.pct(p, 0, lang)}"
                    for t, p in zip(renewals["risk_tier"], renewals["churn_probability"], strict=True)
                ],
            },
            "al_renewals",
            lang,
        )
        count_caption(renewals, lang)

    st.subheader(
        tr(
            f"Detratores de NPS nos últimos {alerts.DETRACTOR_DAYS} dias",
            f"NPS detractors in the last {alerts.DETRACTOR_DAYS} days",
        )
    )
    if detractors.empty:
        st.caption(tr("Nenhum detrator no período.", "No detractor in the period."))
    else:
        table(
            detractors,
            {
                tr("Respondido em", "Answered", lang): [
                    fmt.day(v, lang) for v in detractors["answered_date"]
                ],
                tr("Nota NPS", "NPS score", lang): [fmt.number(v, 0, lang) for v in detractors["score"]],
                tr("Comentário", "Comment", lang): detractors["comment"].fillna(""),
            },
            "al_detractors",
            lang,
        )
        count_caption(detractors, lang)

    st.subheader(tr("Ações atrasadas", "Overdue actions"))
    if overdue.empty:
        st.caption(tr("Nenhuma ação atrasada.", "No overdue action."))
    else:
        ui.table(actions.display(overdue, lang, today, {}), key="al_overdue")

    outcomes_section(runs, today, logged, lang)


def outcomes_section(runs: list, today, logged: pd.DataFrame, lang: str) -> None:
    st.subheader(tr("O que aconteceu com as contas alertadas", "What happened to alerted accounts"))
    earlier = [run for run in runs if run < today]
    if not earlier:
        st.caption(
            tr(
                "Aparece quando houver uma rodada de score anterior: compara o churn das contas em risco "
                "médio ou alto naquela rodada com e sem ação registrada.",
                "Shows once there is an earlier scoring run: compares the churn of the accounts at medium "
                "or high risk in that run with and without a recorded action.",
            )
        )
        return
    alerted_at = earlier[0]
    acted = set(logged["customer_id"]) if len(logged) else set()
    summary = data.load("alerts.outcomes", alerted_at, frozenset(acted))
    rows = {bool(r["with_action"]): r for _, r in summary.iterrows()}
    k = st.columns(2)
    for column, flag, title in (
        (k[0], True, tr("Com ação registrada", "With a recorded action")),
        (k[1], False, tr("Sem ação registrada", "Without a recorded action")),
    ):
        row = rows[flag]
        ui.metric(
            column,
            title,
            fmt.pct(row["churn_rate"], 1, lang),
            help=tr(
                f"{fmt.count(row['churned'], 'cancelou', 'cancelaram', lang)} de "
                f"{fmt.count(row['accounts'], 'conta', 'contas', lang)}",
                f"{fmt.number(row['churned'], 0, lang)} of "
                f"{fmt.count(row['accounts'], 'account', 'accounts', lang)} churned",
            ),
        )
    st.caption(
        tr(
            f"Contas em risco médio ou alto na rodada de {fmt.day(alerted_at, lang)} e quantas "
            "cancelaram desde então. É uma observação, não um efeito causal: o time escolhe em "
            "quais contas agir, então as duas turmas não são comparáveis por si só.",
            f"Accounts at medium or high risk in the run of {fmt.day(alerted_at, lang)} and how many churned "
            "since. This is an observation, not a causal effect: the team chooses which accounts to act on, "
            "so the two groups are not comparable by themselves.",
        )
    )


ui.run_page(main)
