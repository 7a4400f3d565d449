"""Simulador: what-if on a customer's drivers -> the saved model's probability and tier, side by side."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app import data, fmt, ui, whatif
from app import drivers as drivers_view
from app.i18n import feature_label, tr, value_label
from app.queries import DataUnavailable


def _default(value, fallback: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return fallback
    return fallback if math.isnan(value) else value


def main() -> None:
    lang = ui.lang()
    st.title(tr("Simulador", "What-if simulator"))
    st.caption(
        tr(
            "Mude os fatores de um cliente e veja a probabilidade de churn em 90 dias do modelo salvo.",
            "Change a customer's drivers and see the saved model's 90-day churn probability.",
        )
    )
    model = data.model()
    customer_id = ui.pick_customer("sim")
    snaps = data.load("customer_snapshots", customer_id)
    if snaps.empty:
        raise DataUnavailable(
            f"no monthly snapshot for {customer_id} in fct_clientes_snapshot_mensal", "just transform"
        )
    base = snaps.iloc[-1]
    st.caption(
        tr("Fatores do último fechamento mensal", "Drivers from the last month-end snapshot")
        + ": "
        + fmt.day(base["snapshot_date"], lang)
    )
    now = whatif.current_levers(base)
    start = whatif.slider_levers(now)  # a slider left here leaves its features as they are
    key = f"sim_{customer_id}"
    left, right = st.columns(2)
    usage = left.slider(
        tr("Variação do uso", "Usage change"), -100, 100, 0, 5, format="%d%%", key=f"{key}_usage"
    )
    adoption = left.slider(
        tr("Adoção (licenças em uso)", "Adoption (seats in use)"),
        0,
        100,
        int(round(start.adoption * 100)),
        5,
        format="%d%%",
        key=f"{key}_adoption",
    )
    tickets = left.slider(
        tr("Tickets em 90 dias", "Tickets in 90 days"),
        0,
        max(30, start.tickets_90d * 3),
        start.tickets_90d,
        1,
        key=f"{key}_tickets",
    )
    nps = right.slider(
        tr("Último NPS (0–10)", "Last NPS (0–10)"),
        0,
        10,
        int(start.last_nps),
        1,
        key=f"{key}_nps",
    )
    overdue = right.slider(
        tr("Faturas em atraso", "Overdue invoices"),
        0,
        max(6, start.overdue_invoices * 2),
        start.overdue_invoices,
        1,
        key=f"{key}_overdue",
    )
    right.caption(
        tr(
            "Só alavancas que o time de CS move. Licenças, segmento, porte, UF, plano e MRR são contexto "
            "e ficam como estão.",
            "Only levers the CS team can move. Seats, segment, size, UF, plan and MRR are context and "
            "stay as they are.",
        )
    )
    levers = whatif.Levers(usage / 100.0, adoption / 100.0, int(tickets), float(nps), int(overdue))
    scenario = whatif.scenario_row(base, levers, start)
    frame = pd.DataFrame([base, scenario], index=["current", "scenario"])
    result = data.predict(model, frame)
    current, what_if = result.loc["current"], result.loc["scenario"]
    change = float(what_if["churn_probability"]) - float(current["churn_probability"])

    st.markdown("---")
    a, b, c = st.columns(3)
    ui.metric(
        a,
        tr("Probabilidade atual", "Current probability"),
        fmt.pct(current["churn_probability"], 1, lang),
        help=tr("Faixa", "Tier") + ": " + value_label(current["risk_tier"], lang),
    )
    ui.metric(
        b,
        tr("Probabilidade simulada", "Simulated probability"),
        fmt.pct(what_if["churn_probability"], 1, lang),
        delta=(fmt.number(change * 100, 1, lang) + " p.p.") if abs(change) >= 0.0005 else None,
        delta_color="inverse",
        help=tr("Faixa", "Tier") + ": " + value_label(what_if["risk_tier"], lang),
    )
    ui.metric(
        c,
        tr("Faixa de risco (atual → simulada)", "Risk tier (current → simulated)"),
        f"{value_label(current['risk_tier'], lang)} → {value_label(what_if['risk_tier'], lang)}",
    )
    mrr = _default(base.get("mrr"), 0.0)
    st.caption(
        tr("MRR em risco", "MRR at risk") + f": {fmt.brl(mrr * current['churn_probability'], 2, lang)} → "
        f"{fmt.brl(mrr * what_if['churn_probability'], 2, lang)}"
    )

    cols = st.columns(2)
    for col, title, row in (
        (cols[0], tr("Fatores hoje", "Drivers today"), current),
        (cols[1], tr("Fatores no cenário", "Drivers in the scenario"), what_if),
    ):
        col.markdown(f"**{title}**")
        drivers = row["top_drivers"] or []
        if not drivers:
            col.caption(tr("Nenhum fator relevante.", "No relevant driver."))
        for driver in drivers:
            col.markdown(drivers_view.line(driver, lang))
    st.caption(tr(*drivers_view.EXPLANATION, lang))
    monotonicity_note(model, base, now, lang)

    inputs = ui.lazy_expander(tr("Valores usados pelo modelo", "Values fed to the model"), key="sim_inputs")
    if not inputs.open:
        return
    with inputs:
        features = [f for f in getattr(model.spec, "features", frame.columns) if f in frame.columns]
        shown = frame[features].T.map(lambda v: _value_text(v, lang))
        shown.columns = [tr("Atual", "Current"), tr("Cenário", "Scenario")]
        shown.insert(0, tr("Variável", "Input"), [feature_label(f, lang) for f in features])
        ui.table(shown)


def _value_text(value, lang: str) -> str:
    """A model input as the UI writes it: numbers in pt-BR/en, category values translated."""
    if isinstance(value, str):
        return value_label(value, lang)
    return fmt.number(value, 2, lang)


LEVER_NAMES = {
    "usage_change": ("uso", "usage"),
    "adoption": ("adoção", "adoption"),
    "tickets_90d": ("tickets", "tickets"),
    "last_nps": ("NPS", "NPS"),
    "overdue_invoices": ("faturas em atraso", "overdue invoices"),
}


def monotonicity_note(model, base: pd.Series, now: whatif.Levers, lang: str) -> None:
    """Say where the model's probability moves against common sense along a lever, for this customer."""
    grid = whatif.monotonicity_rows(base, now)
    probabilities = data.predict(model, grid)["churn_probability"]
    reversed_ = whatif.reversed_levers(probabilities)
    if not reversed_:
        st.caption(
            tr(
                "Para este cliente o modelo responde no sentido esperado em todas as alavancas "
                "(mais uso, adoção e NPS baixam o risco; mais tickets e faturas em atraso o sobem).",
                "For this customer the model moves the expected way on every lever (more usage, adoption "
                "and NPS lower the risk; more tickets and overdue invoices raise it).",
            )
        )
        return
    names = ", ".join(tr(*LEVER_NAMES[name], lang) for name in reversed_)
    st.warning(
        tr(
            f"Atenção: para este cliente o modelo não é monótono em {names} — em parte da faixa o risco "
            "anda no sentido contrário ao esperado. Leia o efeito dessa alavanca com cautela.",
            f"Note: for this customer the model is not monotone in {names} — over part of the range the "
            "risk moves against the expected direction. Read that lever's effect with care.",
        ),
        icon=":material/warning:",
    )


ui.run_page(main)
