"""CS Ops Command Center — Streamlit entry point (`just app`, or Community Cloud's main file).

Shared sidebar first (language, backend, data timestamp), then `st.navigation` runs the
selected page from app/views/ (one file per page; not `pages/`, which Streamlit
would also auto-discover as a legacy multipage folder).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run app/streamlit_app.py` only puts app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import auth, ui  # noqa: E402
from app.i18n import tr  # noqa: E402


def secrets_to_env() -> None:
    """Community Cloud: copy [env] and [gcp_service_account] secrets into the environment.

    Runs before warehouse settings are read; never overrides a variable already set.
    See app/.streamlit/secrets.toml.example.
    """
    try:
        secrets = st.secrets.to_dict()
    except Exception:  # no secrets.toml: the normal local case
        return
    for name, value in (secrets.get("env") or {}).items():
        os.environ.setdefault(str(name), str(value))
    account = secrets.get("gcp_service_account")
    if account and "GOOGLE_APPLICATION_CREDENTIALS" not in os.environ:
        handle, path = tempfile.mkstemp(prefix="cs_ops_sa_", suffix=".json")
        with os.fdopen(handle, "w") as key_file:
            json.dump(account, key_file)
        os.chmod(path, 0o600)
        os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = path


secrets_to_env()
st.set_page_config(page_title="CS Ops Command Center", page_icon="🧭", layout="wide")
ui.remember_language()
auth.require_login()
ui.sidebar()

PAGES_DIR = Path(__file__).resolve().parent / "views"
EXECUTIVE = st.Page(
    PAGES_DIR / "visao_executiva.py",
    title=tr("Visão executiva", "Executive view"),
    icon=":material/monitoring:",
    url_path="visao-executiva",
)


def home() -> None:
    """The root URL opens the executive view at its own address (so /visao-executiva works directly)."""
    st.switch_page(EXECUTIVE, query_params=st.query_params.to_dict())  # keeps ?lang=, ?csm=, ...


pages = [
    st.Page(home, title=tr("Início", "Home"), url_path="inicio", default=True, visibility="hidden"),
    EXECUTIVE,
    st.Page(
        PAGES_DIR / "minha_carteira.py",
        title=tr("Minha carteira", "My accounts"),
        icon=":material/checklist:",
        url_path="minha-carteira",
    ),
    st.Page(
        PAGES_DIR / "alertas.py",
        title=tr("Alertas", "Alerts"),
        icon=":material/notifications:",
        url_path="alertas",
    ),
    st.Page(
        PAGES_DIR / "carteira_em_risco.py",
        title=tr("Carteira em risco", "Portfolio at risk"),
        icon=":material/warning:",
        url_path="carteira-em-risco",
    ),
    st.Page(
        PAGES_DIR / "cliente_360.py",
        title=tr("Cliente 360", "Customer 360"),
        icon=":material/person_search:",
        url_path="cliente-360",
    ),
    st.Page(
        PAGES_DIR / "simulador.py",
        title=tr("Simulador", "What-if simulator"),
        icon=":material/tune:",
        url_path="simulador",
    ),
    st.Page(
        PAGES_DIR / "modelo.py",
        title=tr("Modelo", "Model"),
        icon=":material/model_training:",
        url_path="modelo",
    ),
    st.Page(
        PAGES_DIR / "qualidade_dados.py",
        title=tr("Qualidade de dados", "Data quality"),
        icon=":material/fact_check:",
        url_path="qualidade-de-dados",
    ),
]
st.navigation(pages).run()
