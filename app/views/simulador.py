"""Simulador: what-if on a customer's drivers -> the saved model's probability and tier, side by side."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app import data, fmt, ui
from app.i18n import tr, value_label
from app.queries import DataUnavailable
from app.whatif import scenario_row


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
    reference = getattr(model, "reference", {}) or {}

    left, right = st.columns(2)
    key = f"sim_{customer_id}"
    usage = left.slider(tr("Variação do uso (%)", "Usage change (%)"), -100, 100, 0, 5, key=f"{key}_usage")
    seats_now = int(_default(base.get("seats"), 1))
    seats = left.number_input(
        tr("Licenças", "Seats"),
        min_value=1,
        max_value=max(10_000, seats_now * 5),
        value=max(1, seats_now),
        step=1,
        key=f"{key}_seats",
    )
    tickets_now = int(_default(base.get("tickets_90d"), 0))
    tickets = left.slider(
        tr("Tickets em 90 dias", "Tickets in 90 days"),
        0,
        max(30, tickets_now * 3),
        tickets_now,
        1,
        key=f"{key}_tickets",
    )
    nps_now = _default(base.get("last_nps"), _default(reference.get("last_nps"), 7.0))
    nps = right.slider(
        tr("Último NPS (0–10)", "Last NPS (0–10)"),
        0,
        10,
        int(round(min(10, max(0, nps_now)))),
        1,
        key=f"{key}_nps",
    )
    delay_now = _default(base.get("avg_payment_delay_days_90d"), 0.0)
    delay = right.slider(
        tr("Atraso médio de pagamento (dias)", "Avg payment delay (days)"),
        0,
        max(90, int(delay_now) * 2),
        int(round(max(0.0, delay_now))),
        1,
        key=f"{key}_delay",
    )

    scenario = scenario_row(base, usage / 100.0, int(seats), int(tickets), float(nps), float(delay))
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
            up = float(driver.get("delta") or 0) > 0
            sign = ":red[▲]" if up else ":green[▼]"
            col.markdown(f"- {sign} {driver.get('text') or driver.get('feature')}")

    with st.expander(tr("Valores usados pelo modelo", "Values fed to the model")):
        features = [f for f in getattr(model.spec, "features", frame.columns) if f in frame.columns]
        shown = frame[features].T
        shown.columns = [tr("Atual", "Current"), tr("Cenário", "Scenario")]
        st.dataframe(shown.astype(str), width="stretch")


ui.run_page(main)
