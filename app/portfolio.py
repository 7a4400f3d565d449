"""The at-risk portfolio as shown on the page: summary and display table of the top rows.

Pure functions (no Streamlit). The warehouse filters, ranks and counts
(`queries.portfolio_page`); app/data.py caches `view()` per published data version,
filters and language, so a rerun with the same filters costs nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app import fmt
from app.i18n import tr, value_label

MAX_TABLE_ROWS = 500  # the page shows the top rows; the CSV export has every filtered row (capped)

COLUMNS = [  # what a CSM acts on first, so it fits a 1440 px screen without scrolling sideways
    "company_name",
    "mrr_at_risk",
    "churn_probability",
    "risk_tier",
    "renewal_date",
    "drivers",
    "current_mrr",
    "health_score",
    "health_tier",
    "csm_owner",
    "segment",
    "uf",
    "customer_id",
]


def labels(lang: str) -> dict[str, str]:
    return {
        "customer_id": "ID",
        "company_name": tr("Cliente", "Customer", lang),
        "csm_owner": "CSM",
        "segment": tr("Segmento", "Segment", lang),
        "uf": "UF",
        "current_mrr": "MRR",
        "churn_probability": tr("Prob. churn", "Churn prob.", lang),
        "mrr_at_risk": tr("MRR em risco", "MRR at risk", lang),
        "risk_tier": tr("Risco", "Risk", lang),
        "health_score": tr("Saúde", "Health", lang),
        "health_tier": tr("Faixa de saúde", "Health tier", lang),
        "drivers": tr("Principais fatores", "Top drivers", lang),
        "renewal_date": tr("Renovação", "Renewal", lang),
        "open_360": "360",
    }


def drivers_cell(raw: Any, lang: str, limit: int = 3) -> str:
    """The top drivers in the UI language, levers first (context drivers are marked as such)."""
    from app import drivers
    from app.queries import parse_drivers

    try:
        found = parse_drivers(raw)
    except (TypeError, ValueError):
        return ""
    ordered = sorted(found, key=drivers.is_context)[:limit]
    return "; ".join(
        drivers.text(d, lang) + (tr(" (contexto)", " (context)", lang) if drivers.is_context(d) else "")
        for d in ordered
    )


def display_table(shown: pd.DataFrame, lang: str, max_rows: int = MAX_TABLE_ROWS) -> pd.DataFrame:
    """The top rows with pt-BR (or en) text for numbers: Streamlit's number formats are en-US only."""
    table = shown[COLUMNS].head(max_rows).copy()
    table["health_tier"] = table["health_tier"].map(lambda v: value_label(v, lang))
    table["risk_tier"] = table["risk_tier"].map(lambda v: value_label(v, lang))
    table["segment"] = table["segment"].map(lambda v: value_label(v, lang))
    table["current_mrr"] = table["current_mrr"].map(lambda v: fmt.brl(v, 2, lang))
    table["mrr_at_risk"] = table["mrr_at_risk"].map(lambda v: fmt.brl(v, 2, lang))
    table["churn_probability"] = table["churn_probability"].map(lambda v: fmt.pct(v, 1, lang))
    table["health_score"] = table["health_score"].map(lambda v: fmt.number(v, 0, lang))
    table["renewal_date"] = table["renewal_date"].map(lambda v: fmt.day(v, lang))
    table["drivers"] = shown["top_drivers"].head(max_rows).map(lambda raw: drivers_cell(raw, lang))
    table.insert(
        6, "open_360", table["customer_id"]
    )  # shown as "abrir": opens Cliente 360 (ui.account_table)
    return table.rename(columns=labels(lang))


def view(rows: pd.DataFrame, summary: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the page shows for one set of filters (the CSV is built on click)."""
    return {"summary": summary, "table": display_table(rows, lang)}
