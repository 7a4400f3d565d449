"""Altair charts shared by the pages (labels come in already translated)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from app import fmt
from app.i18n import tr, value_label

PT_BR_LOCALE = alt.Locale(
    number=alt.NumberLocale(decimal=",", thousands=".", grouping=[3], currency=["R$ ", ""]),
    time=alt.TimeLocale(
        dateTime="%A, %e de %B de %Y. %X",
        date="%d/%m/%Y",
        time="%H:%M:%S",
        periods=["AM", "PM"],
        days=["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"],
        shortDays=["dom", "seg", "ter", "qua", "qui", "sex", "sáb"],
        months=[
            "janeiro",
            "fevereiro",
            "março",
            "abril",
            "maio",
            "junho",
            "julho",
            "agosto",
            "setembro",
            "outubro",
            "novembro",
            "dezembro",
        ],
        shortMonths=["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
    ),
)
EN_LOCALE = alt.Locale(
    number=alt.NumberLocale(decimal=".", thousands=",", grouping=[3], currency=["R$ ", ""])
)


def localized(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    """Axis numbers and month names in the UI language (pt-BR: 1.234,5 and "mar")."""
    return chart.configure(locale=PT_BR_LOCALE if lang == "pt" else EN_LOCALE)


# Monthly time axes: one format with the year on every label (Vega's default mixes "2025", "abr")
MONTH_AXIS = alt.Axis(format="%m/%Y", labelOverlap=True)

POSITIVE = "#2e7d32"
NEGATIVE = "#c62828"
TOTAL = "#455a64"


def waterfall_steps(start_mrr: float, row: pd.Series, lang: str) -> pd.DataFrame:
    """The bars of an MRR bridge: start -> +new +expansion +reactivation -contraction -churn -> end."""
    steps = [
        (tr("MRR inicial", "Starting MRR", lang), start_mrr, "total"),
        (tr("Novo", "New", lang), row["new_mrr"], "up"),
        (tr("Expansão", "Expansion", lang), row["expansion_mrr"], "up"),
        (tr("Reativação", "Reactivation", lang), row["reactivation_mrr"], "up"),
        (tr("Contração", "Contraction", lang), -abs(row["contraction_mrr"]), "down"),
        (tr("Churn", "Churn", lang), -abs(row["churned_mrr"]), "down"),
    ]
    rows, level = [], 0.0
    for order, (label, value, kind) in enumerate(steps):
        value = float(value or 0)
        if kind == "total":
            rows.append(
                {"order": order, "step": label, "start": 0.0, "end": value, "value": value, "kind": kind}
            )
            level = value
        else:
            rows.append(
                {
                    "order": order,
                    "step": label,
                    "start": level,
                    "end": level + value,
                    "value": value,
                    "kind": kind,
                }
            )
            level += value
    rows.append(
        {
            "order": len(rows),
            "step": tr("MRR final", "Ending MRR", lang),
            "start": 0.0,
            "end": level,
            "value": level,
            "kind": "total",
        }
    )
    frame = pd.DataFrame(rows)
    frame["label"] = frame["value"].map(lambda v: fmt.brl_compact(v, lang))
    moves = frame["kind"] != "total"
    frame.loc[moves & (frame["value"] >= 0), "label"] = "+" + frame["label"]
    frame["row"] = frame["step"] + "  " + frame["label"]
    return frame


def waterfall(steps: pd.DataFrame) -> alt.Chart:
    """The MRR bridge as horizontal bars, one row per step with its value in the row's label.

    Rows, not columns: seven value labels side by side overlap on a phone, a row label never does.
    """
    color = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=["total", "up", "down"], range=[TOTAL, POSITIVE, NEGATIVE]),
        legend=None,
    )
    # the value axis spans the movements, not 0..MRR: a month's movements are a few percent of the
    # MRR and would be slivers on a zero-based axis (the total bars run off the left edge)
    moves = steps.loc[steps["kind"] != "total", ["start", "end"]]
    low = float(min(moves.min().min(), steps["end"].min())) if len(moves) else 0.0
    high = float(steps[["start", "end"]].max().max())
    pad = max((high - low) * 0.1, 1.0)
    return (
        alt.Chart(steps)
        .mark_bar(clip=True)
        .encode(
            y=alt.Y("row:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X(
                "start:Q",
                title="MRR (R$)",
                scale=alt.Scale(domain=[low - pad, high + pad], zero=False, nice=False),
                axis=alt.Axis(tickCount=4, format="~s"),
            ),
            x2="end:Q",
            color=color,
            tooltip=[alt.Tooltip("step:N"), alt.Tooltip("label:N", title="R$")],
        )
        .properties(height=7 * 34)
    )


def mrr_trend(frame: pd.DataFrame, lang: str) -> alt.Chart:
    data = frame[["month", "mrr"]].copy()
    data["label"] = data["mrr"].map(lambda v: fmt.brl(v, 2, lang))
    return (
        alt.Chart(data)
        .mark_area(line=True, opacity=0.25)
        .encode(
            x=alt.X("month:T", title=None, axis=MONTH_AXIS),
            y=alt.Y("mrr:Q", title="MRR (R$)"),
            tooltip=[
                alt.Tooltip("month:T", title=tr("Mês", "Month", lang), format="%m/%Y"),
                alt.Tooltip("label:N", title="MRR"),
            ],
        )
        .properties(height=280)
    )


def movements(frame: pd.DataFrame, lang: str) -> alt.Chart:
    names = {
        "new_mrr": tr("Novo", "New", lang),
        "expansion_mrr": tr("Expansão", "Expansion", lang),
        "reactivation_mrr": tr("Reativação", "Reactivation", lang),
        "contraction_mrr": tr("Contração", "Contraction", lang),
        "churned_mrr": tr("Churn", "Churn", lang),
    }
    long = frame.melt(id_vars="month", value_vars=list(names), var_name="movement", value_name="value")
    long["value"] = long["value"].astype(float).abs()
    long.loc[long["movement"].isin(["contraction_mrr", "churned_mrr"]), "value"] *= -1
    long["movement"] = long["movement"].map(names)
    long["label"] = long["value"].map(lambda v: fmt.brl(v, 2, lang))
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):O", title=None),
            y=alt.Y("value:Q", title=tr("Movimento de MRR (R$)", "MRR movement (R$)", lang)),
            color=alt.Color(
                "movement:N",
                title=None,
                scale=alt.Scale(
                    domain=list(names.values()), range=["#2e7d32", "#66bb6a", "#a5d6a7", "#ef9a9a", "#c62828"]
                ),
            ),
            tooltip=["movement:N", alt.Tooltip("label:N", title="R$")],
        )
        .properties(height=280)
    )


COHORT_WINDOW = 24  # the heatmap shows the latest 24 signup cohorts over their first 24 months


def cohort_heatmap(frame: pd.DataFrame, lang: str, window: int = COHORT_WINDOW) -> alt.Chart:
    recent = sorted(frame["cohort_month"].unique())[-window:]
    data = frame[frame["cohort_month"].isin(recent) & (frame["months_since_signup"] <= window)].copy()
    data["cohort"] = data["cohort_month"].dt.strftime("%Y-%m")
    data["label"] = data["retention_rate"].map(lambda v: fmt.pct(v, 0, lang))
    base = alt.Chart(data).encode(
        x=alt.X("months_since_signup:O", title=tr("Meses desde a assinatura", "Months since signup", lang)),
        y=alt.Y("cohort:O", title=tr("Coorte", "Cohort", lang)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "retention_rate:Q",
            title=tr("Retenção", "Retention", lang),
            scale=alt.Scale(scheme="greens", domain=[0, 1]),
        ),
        tooltip=["cohort:N", "months_since_signup:O", alt.Tooltip("label:N", title="%"), "customers:Q"],
    )
    return cells.properties(height=max(200, 18 * data["cohort"].nunique()))


def line(frame: pd.DataFrame, x: str, y: str, title: str, height: int = 180) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=MONTH_AXIS),
            y=alt.Y(f"{y}:Q", title=title),
            tooltip=[alt.Tooltip(f"{x}:T", format="%m/%Y"), alt.Tooltip(f"{y}:Q", title=title)],
        )
        .properties(height=height)
    )


def multi_line(frame: pd.DataFrame, x: str, series: dict[str, str], height: int = 240) -> alt.Chart:
    """Columns of one frame as lines (series: column -> title). Two series get an axis each
    (left and right, titled in their colour): NPS 0-10 and CSAT 1-5 never share an unlabelled scale."""
    if len(series) == 2:
        return _two_axes(frame, x, series, height)
    long = frame[[x, *series]].melt(id_vars=x, var_name="series", value_name="value").dropna()
    long["series"] = long["series"].map(series)
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=MONTH_AXIS),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip(f"{x}:T", format="%m/%Y"), "series:N", "value:Q"],
        )
        .properties(height=height)
    )


def _two_axes(frame: pd.DataFrame, x: str, series: dict[str, str], height: int) -> alt.Chart:
    colours = ["#1565c0", "#ef6c00"]
    layers = []
    for (column, title), colour, orient in zip(series.items(), colours, ("left", "right"), strict=True):
        layers.append(
            alt.Chart(frame[[x, column]].dropna())
            .mark_line(point=True, color=colour)
            .encode(
                x=alt.X(f"{x}:T", title=None, axis=MONTH_AXIS),
                y=alt.Y(f"{column}:Q", title=title, axis=alt.Axis(orient=orient, titleColor=colour)),
                tooltip=[alt.Tooltip(f"{x}:T", format="%m/%Y"), alt.Tooltip(f"{column}:Q", title=title)],
            )
        )
    return alt.layer(*layers).resolve_scale(y="independent").properties(height=height)


def horizontal_bars(
    frame: pd.DataFrame, category: str, value: str, title: str, color: str = TOTAL
) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(color=color)
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X(f"{value}:Q", title=title),
            tooltip=[f"{category}:N", f"{value}:Q"],
        )
        .properties(height=max(180, 36 * len(frame)))
    )


RISK_COLORS = {"alto": NEGATIVE, "médio": "#f9a825", "baixo": POSITIVE}


def renewal_calendar(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """MRR renewing per week, stacked by risk tier (frame: week, risk_tier, mrr, customers)."""
    data = frame.assign(
        tier=frame["risk_tier"].map(lambda t: value_label(t, lang)),
        week_text=frame["week"].map(lambda d: fmt.day(d, lang)),
    )
    order = [value_label(t, lang) for t in RISK_COLORS]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "week:T", title=tr("Semana", "Week", lang), axis=alt.Axis(format="%d/%m/%Y", labelAngle=0)
            ),
            y=alt.Y("mrr:Q", title=tr("MRR a renovar (R$)", "MRR renewing (R$)", lang)),
            color=alt.Color(
                "tier:N",
                title=tr("Risco", "Risk", lang),
                scale=alt.Scale(domain=order, range=list(RISK_COLORS.values())),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("week_text:N", title=tr("Semana de", "Week of", lang)),
                alt.Tooltip("tier:N", title=tr("Risco", "Risk", lang)),
                alt.Tooltip("customers:Q", title=tr("Clientes", "Customers", lang)),
                alt.Tooltip("mrr:Q", title="MRR", format=",.0f"),
            ],
        )
        .properties(height=220)
    )
