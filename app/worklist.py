"""The worklist (Minha carteira) as shown: one row per account with what a CSM acts on.

Pure functions (no Streamlit): app/data.py caches `view()` per data version, filters and
language. The warehouse filters and ranks (`queries.worklist`); here each account gets its
recommended playbooks (app/playbooks.py) and its health trend.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app import fmt, playbooks
from app.i18n import tr, value_label
from app.queries import parse_drivers

MAX_ROWS = 500
TREND_MONTHS = 6


def recommendations(rows: pd.DataFrame) -> list[list[playbooks.Playbook]]:
    """The playbooks that apply to each row (highest priority first)."""
    found = []
    for row in rows.to_dict("records"):
        try:
            drivers = parse_drivers(row.get("top_drivers"))
        except (TypeError, ValueError):
            drivers = []
        found.append(playbooks.recommend(row, drivers))
    return found


def trends(history: pd.DataFrame, customer_ids: pd.Series) -> list[list[float]]:
    """Each customer's month-end health scores, oldest first (for a sparkline)."""
    by_customer = history.groupby("customer_id")["health_score"].apply(list).to_dict()
    return [[round(v, 1) for v in by_customer.get(c, [])] for c in customer_ids]


def renewal_text(days: Any, lang: str) -> str:
    if days is None or pd.isna(days):
        return ""
    days = int(days)
    if days < 0:
        return tr("vencida", "past", lang)
    if days == 0:
        return tr("hoje", "today", lang)
    return f"{days} d"


def labels(lang: str) -> dict[str, str]:
    return {
        "company_name": tr("Cliente", "Customer", lang),
        "current_mrr": "MRR",
        "risk": tr("Risco", "Risk", lang),
        "health_trend": tr("Tendência", "Trend", lang),
        "health": tr("Saúde", "Health", lang),
        "renewal": tr("Renovação", "Renewal", lang),
        "next_action": tr("Ação recomendada", "Recommended action", lang),
        "open_actions": tr("Abertas", "Open", lang),
        "open_360": "360",
    }


def display_table(
    rows: pd.DataFrame,
    recommended: list[list[playbooks.Playbook]],
    health: list[list[float]],
    open_actions: dict[str, int],
    lang: str,
) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "company_name": rows["company_name"].fillna(rows["customer_id"]),
            "current_mrr": [fmt.brl(v, 0, lang) for v in rows["current_mrr"]],
            "risk": [
                f"{value_label(tier, lang)} · {fmt.pct(p, 0, lang)}" if pd.notna(p) else "—"
                for tier, p in zip(rows["risk_tier"], rows["churn_probability"], strict=True)
            ],
            "health": [
                f"{fmt.number(s, 0, lang)} · {value_label(t, lang)}"
                for s, t in zip(rows["health_score"], rows["health_tier"], strict=True)
            ],
            "health_trend": health,
            "renewal": [
                f"{fmt.day(d, lang)} ({renewal_text(n, lang)})" if pd.notna(d) else "—"
                for d, n in zip(rows["renewal_date"], rows["days_to_renewal"], strict=True)
            ],
            "next_action": [found[0].title[lang] if found else "—" for found in recommended],
            "open_actions": [open_actions.get(c, 0) for c in rows["customer_id"]],
            "open_360": rows["customer_id"],  # shown as "abrir": opens Cliente 360 (ui.account_table)
        }
    )
    return table.rename(columns=labels(lang))


def view(rows: pd.DataFrame, history: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Display table and per-account recommendations (open-action counts are added by the page)."""
    recommended = recommendations(rows)
    return {
        "recommended": recommended,
        "health": trends(history, rows["customer_id"]),
    }
