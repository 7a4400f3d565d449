"""Two-language UI text: pt-BR by default, English on the sidebar toggle.

Text sits next to where it is used as `tr("Receita", "Revenue")`, so a page reads
naturally and nothing is looked up by an opaque key. The report passes `lang` itself.
"""

from __future__ import annotations

LANGS = ("pt", "en")
DEFAULT_LANG = "pt"
SESSION_KEY = "lang"


def current_lang() -> str:
    """The language picked in the sidebar (pt outside a Streamlit session)."""
    try:
        import streamlit as st

        lang = st.session_state.get(SESSION_KEY, DEFAULT_LANG)
    except Exception:  # no session (plain python, the report)
        return DEFAULT_LANG
    return lang if lang in LANGS else DEFAULT_LANG


def tr(pt: str, en: str, lang: str | None = None) -> str:
    """The Portuguese or English text, for `lang` or the session's language."""
    return en if (lang or current_lang()) == "en" else pt


# Labels for values that come from the data (kept in pt-BR in the warehouse).
_VALUE_LABELS_EN = {
    "saudável": "healthy",
    "atenção": "watch",
    "risco": "at risk",
    "alto": "high",
    "médio": "medium",
    "medio": "medium",
    "baixo": "low",
    "new": "new",
    "expansion": "expansion",
    "contraction": "contraction",
    "churn": "churn",
    "reactivation": "reactivation",
    "retained": "retained",
    # segments, sizes, plans
    "varejo": "Retail",
    "construção": "Construction",
    "agronegócio": "Agribusiness",
    "serviços": "Services",
    "saúde": "Healthcare",
    "educação": "Education",
    "indústria": "Manufacturing",
    "logística": "Logistics",
    "pequena": "Small",
    "média": "Mid-size",
    "grande": "Large",
    "enterprise": "Enterprise",
    "essencial": "Essential",
    "profissional": "Professional",
    "corporativo": "Corporate",
    # tickets, invoices, NPS, contracts
    "integração": "Integration",
    "acesso": "Access",
    "dúvida": "Question",
    "financeiro": "Billing",
    "fiscal": "Tax",
    "fechado": "Closed",
    "resolvido": "Resolved",
    "em andamento": "In progress",
    "aberto": "Open",
    "atrasada": "Late",
    "paga": "Paid",
    "em aberto": "Open",
    "falhou": "Failed",
    "promotor": "promoter",
    "neutro": "passive",
    "detrator": "detractor",
    "ativo": "Active",
    "encerrado": "Ended",
    "cancelado": "Cancelled",
    "novo": "New",
    "renovação": "Renewal",
    "reativação": "Reactivation",
    "mensal": "Monthly",
    "trimestral": "Quarterly",
    "anual": "Annual",
    "baixo uso": "Low usage",
    "concorrente": "Competitor",
    "suporte": "Support",
    "preço": "Price",
    "encerramento da empresa": "Company closed",
    "outro": "Other",
}
_VALUE_LABELS_PT = {
    "new": "nova",
    "expansion": "expansão",
    "contraction": "contração",
    "churn": "churn",
    "reactivation": "reativação",
    "retained": "mantida",
    "high": "alto",
    "medium": "médio",
    "low": "baixo",
}


def value_label(value: object, lang: str | None = None) -> str:
    """Translate a categorical value from the marts (health tier, MRR movement, risk tier)."""
    if value is None:
        return "—"
    text = str(value)
    table = _VALUE_LABELS_EN if (lang or current_lang()) == "en" else _VALUE_LABELS_PT
    return table.get(text.lower(), text)


# The model's input columns in words (pt, en): the Modelo page's charts and the Simulador's table.
FEATURE_LABELS = {
    "tenure_months": ("meses como cliente", "months as a customer"),
    "mrr": ("MRR", "MRR"),
    "seats": ("licenças contratadas", "seats contracted"),
    "active_users_30d": ("usuários ativos (30 dias)", "active users (30 days)"),
    "adoption_rate": ("adoção das licenças", "seat adoption"),
    "events_30d": ("uso (eventos em 30 dias)", "usage (events in 30 days)"),
    "usage_trend_pct": ("tendência de uso", "usage trend"),
    "modules_used_30d": ("módulos usados (30 dias)", "modules used (30 days)"),
    "licensed_modules": ("módulos contratados", "modules licensed"),
    "tickets_90d": ("tickets (90 dias)", "tickets (90 days)"),
    "p1_tickets_90d": ("tickets críticos P1 (90 dias)", "critical P1 tickets (90 days)"),
    "avg_csat_90d": ("CSAT médio (90 dias)", "average CSAT (90 days)"),
    "avg_first_response_hours_90d": ("horas até a 1ª resposta", "hours to first response"),
    "last_nps": ("último NPS", "last NPS"),
    "late_invoices_90d": ("faturas pagas com atraso (90 dias)", "invoices paid late (90 days)"),
    "avg_payment_delay_days_90d": ("dias de atraso no pagamento", "payment delay (days)"),
    "failed_payments_90d": ("pagamentos recusados (90 dias)", "failed payments (90 days)"),
    "open_overdue_invoices": ("faturas vencidas em aberto", "overdue invoices open"),
    "max_days_overdue_open": ("dias de atraso em aberto", "days overdue (oldest open invoice)"),
    "days_to_renewal": ("dias até a renovação", "days to renewal"),
    "segment": ("segmento", "segment"),
    "company_size": ("porte", "company size"),
    "uf": ("UF", "state (UF)"),
    "plan": ("plano", "plan"),
    "events_per_active_user": ("eventos por usuário ativo", "events per active user"),
    "events_per_seat": ("eventos por licença", "events per seat"),
    "tickets_per_seat": ("tickets por licença", "tickets per seat"),
    "p1_share_of_tickets": ("parcela de tickets P1", "share of P1 tickets"),
    "mrr_per_seat": ("MRR por licença", "MRR per seat"),
    "modules_used_share": ("parcela dos módulos usada", "share of modules used"),
    "renewal_within_horizon": ("renova em até 90 dias", "renews within 90 days"),
    "is_suspended_risk": ("risco de suspensão (fatura > 30 dias)", "suspension risk (invoice > 30 days)"),
    "health_score": ("health score", "health score"),
}


def feature_label(feature: object, lang: str | None = None) -> str:
    """A model input column in words; an unknown column reads as words, never as an identifier."""
    name = str(feature)
    if name in FEATURE_LABELS:
        return tr(*FEATURE_LABELS[name], lang)
    return name.replace("_", " ")
