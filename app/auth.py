"""Who is using the app: OIDC login with an allowlist when configured, a typed name otherwise.

Deployed (the app holds BigQuery credentials and customer data), `.streamlit/secrets.toml`
has an `[auth]` section for `st.login` (redirect_uri, cookie_secret, client_id,
client_secret, server_metadata_url) and an `[access]` allowlist:

    [access]
    allowed_emails = ["ana@empresa.com.br"]
    allowed_domains = ["empresa.com.br"]

Then every page requires login and only allowlisted emails get in; the action log's author
is the login email. Without `[auth]` the app runs unauthenticated for local use (the
sidebar says so) and the author is the name the user types in the sidebar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from app.i18n import tr

AUTHOR_KEY = "author_name"


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml: the local case
        return {}


def auth_configured() -> bool:
    """True when secrets hold an [auth] section for st.login."""
    section = _secrets().get("auth")
    return isinstance(section, Mapping) and bool(section)


def is_allowed(email: str | None, access: Mapping[str, Any]) -> bool:
    """Whether an email is on the allowlist (exact email, or its domain). No allowlist: nobody."""
    if not email or "@" not in email:
        return False
    email = email.strip().lower()
    emails = {str(e).strip().lower() for e in access.get("allowed_emails") or []}
    domains = {str(d).strip().lower().lstrip("@") for d in access.get("allowed_domains") or []}
    return email in emails or email.rsplit("@", 1)[1] in domains


def require_login() -> None:
    """With [auth] configured: stop the page unless an allowlisted user is logged in."""
    if not auth_configured():
        return
    if not st.user.is_logged_in:
        st.title("CS Ops Command Center")
        st.info(tr("Entre com a sua conta da empresa para continuar.", "Sign in with your company account."))
        st.button(tr("Entrar", "Sign in"), key="login", on_click=st.login, type="primary")
        st.stop()
    email = str(st.user.get("email") or "")
    if not is_allowed(email, _secrets().get("access") or {}):
        st.error(
            tr(
                f"A conta {email or '(sem e-mail)'} não tem acesso a este app. Peça acesso ao administrador.",
                f"The account {email or '(no email)'} has no access to this app. Ask the administrator.",
            )
        )
        st.button(tr("Sair", "Sign out"), key="logout", on_click=st.logout)
        st.stop()


def author() -> str:
    """Who records an action: the login email, else the name typed in the sidebar ('' if none)."""
    if auth_configured() and st.user.is_logged_in:
        return str(st.user.get("email") or "")
    return str(st.session_state.get(AUTHOR_KEY) or "").strip()


def sidebar_identity() -> None:
    """Logged-in user and sign-out, or the unauthenticated notice and the name field."""
    if auth_configured():
        if st.user.is_logged_in:
            st.caption(tr("Conectado como", "Signed in as") + f" {st.user.get('email')}")
            st.button(tr("Sair", "Sign out"), key="logout_sidebar", on_click=st.logout)
        return
    st.caption(
        tr(
            ":material/lock_open: Sem login: app rodando sem autenticação, para uso local.",
            ":material/lock_open: No login: the app is running unauthenticated, for local use.",
        )
    )
    st.text_input(
        tr("Seu nome (autor das ações)", "Your name (author of actions)"),
        key=AUTHOR_KEY,
        placeholder=tr("ex.: Ana Souza", "e.g. Ana Souza"),
    )
