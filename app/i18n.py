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
