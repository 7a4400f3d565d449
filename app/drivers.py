"""How the app shows a churn score's drivers: levers a CSM can move vs context, in pt-BR or English.

The model (ml/) writes each driver as {feature, value, reference, delta, text}: `delta` is
how much the probability would fall (or rise) if only that feature had the typical
customer's value. Deltas are one-at-a-time what-ifs, so they do not add up to the
probability (features interact); the pages say so. Drivers on context nobody can change
(the features ml/feature_spec.yml does not list as `levers`: segment, size, UF, plan, MRR, seats,
tenure) are shown apart, never as a reason to act.
"""

from __future__ import annotations

from typing import Any

from app import fmt
from app.i18n import tr
from ml.spec import default_context_features, fill_template

# English text for each feature (the model's own text is pt-BR). {value} / {ref} filled in.
EN_TEXT = {
    "tenure_months": "customer for {value:.0f} [month|months] (typical {ref:.0f})",
    "mrr": "MRR of R$ {value:,.0f} (typical R$ {ref:,.0f})",
    "seats": "{value:.0f} [seat|seats] contracted (typical {ref:.0f})",
    "active_users_30d": "{value:.0f} active [user|users] in 30 days (typical {ref:.0f})",
    "adoption_rate": "{value:.0%} of seats in use (typical {ref:.0%})",
    "events_30d": "{value:,.0f} usage events in 30 days (typical {ref:,.0f})",
    "usage_trend_pct": "usage {value:+.0f}% vs 90 days ago",
    "modules_used_30d": "{value:.0f} [module|modules] used in 30 days (typical {ref:.0f})",
    "licensed_modules": "{value:.0f} [module|modules] licensed (typical {ref:.0f})",
    "tickets_90d": "{value:.0f} [ticket|tickets] in 90 days (typical {ref:.0f})",
    "p1_tickets_90d": "{value:.0f} P1 [ticket|tickets] in 90 days",
    "avg_csat_90d": "average CSAT {value:.1f} in 90 days (typical {ref:.1f})",
    "avg_first_response_hours_90d": "first response in {value:.0f} h on average (typical {ref:.0f} h)",
    "last_nps": "last NPS {value:.0f} (typical {ref:.0f})",
    "late_invoices_90d": "{value:.0f} late [invoice|invoices] in 90 days",
    "avg_payment_delay_days_90d": "average payment delay of {value:.0f} [day|days] (typical {ref:.0f})",
    "failed_payments_90d": "{value:.0f} failed [payment|payments] in 90 days",
    "open_overdue_invoices": "{value:.0f} overdue [invoice|invoices] open",
    "max_days_overdue_open": "oldest open invoice {value:.0f} [day|days] overdue",
    "days_to_renewal": "renewal in {value:.0f} [day|days] (typical {ref:.0f})",
}
EXPLANATION = (
    "Cada fator diz quanto a probabilidade mudaria se só ele tivesse o valor de um cliente típico "
    "(p.p. = pontos percentuais). Os fatores interagem, então as contribuições não somam a probabilidade.",
    "Each driver says how much the probability would change if only that feature had a typical "
    "customer's value (p.p. = percentage points). Drivers interact, so contributions do not add up "
    "to the probability.",
)


def is_context(driver: dict[str, Any]) -> bool:
    """Context, not a lever: as the model's feature spec (ml/feature_spec.yml `levers`) says. Each
    driver carries the model's answer (`lever`); drivers saved before it did are looked up."""
    lever = driver.get("lever")
    if isinstance(lever, bool):
        return not lever
    return str(driver.get("feature")) in default_context_features()


def text(driver: dict[str, Any], lang: str) -> str:
    """The driver in words: the model's pt-BR text, or the English template with its numbers."""
    feature = str(driver.get("feature"))
    if lang == "pt":
        return str(driver.get("text") or feature)
    template = EN_TEXT.get(feature)
    value, ref = driver.get("value"), driver.get("reference")
    try:
        if template and value is not None:
            return fill_template(template, float(value), float(ref) if ref is not None else float("nan"))
    except (TypeError, ValueError):
        pass
    return feature.replace("_", " ") + (f" = {value}" if value is not None else "")


def line(driver: dict[str, Any], lang: str) -> str:
    """One markdown bullet: text, direction and contribution in p.p."""
    contribution = driver.get("contribution", driver.get("delta"))
    up = (contribution or 0) > 0
    arrow = (
        ":red[▲ " + tr("aumenta o risco", "raises risk", lang) + "]"
        if up
        else ":green[▼ " + tr("reduz o risco", "lowers risk", lang) + "]"
    )
    amount = f" ({fmt.number(float(contribution) * 100, 1, lang)} p.p.)" if contribution is not None else ""
    return f"- {text(driver, lang)} — {arrow}{amount}"
