"""The action log on the pages: record an action, update it, list and export actions.

Storage is `warehouse.get_action_log()` (append-only, see warehouse/action_log.py); this
module is the Streamlit side. Reads are not cached: the log is small, and a CSM expects an
action to show the moment it is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app import auth, csv_safe, fmt
from app.i18n import tr
from app.playbooks import Playbook
from warehouse import get_action_log
from warehouse.action_log import Action, ActionError

TYPE_LABELS = {
    "call": ("Ligação", "Call"),
    "meeting": ("Reunião", "Meeting"),
    "email": ("E-mail", "Email"),
    "training": ("Treinamento", "Training"),
    "support_escalation": ("Escalonamento ao suporte", "Support escalation"),
    "billing": ("Financeiro", "Billing"),
    "renewal": ("Renovação", "Renewal"),
    "other": ("Outra", "Other"),
}
STATUS_LABELS = {
    "open": ("Aberta", "Open"),
    "in_progress": ("Em andamento", "In progress"),
    "done": ("Concluída", "Done"),
    "cancelled": ("Cancelada", "Cancelled"),
}
OUTCOME_LABELS = {
    "": ("—", "—"),
    "positive": ("Positivo", "Positive"),
    "neutral": ("Neutro", "Neutral"),
    "negative": ("Negativo", "Negative"),
}
OPEN_STATUSES = ("open", "in_progress")


def log():
    return get_action_log()


def label(table: dict[str, tuple[str, str]], code: Any, lang: str) -> str:
    pair = table.get(str(code) if code is not None else "")
    return tr(*pair, lang) if pair else str(code)


def current(customer_id: str = "*", owner: str = "*") -> pd.DataFrame:
    return log().current(customer_id=customer_id, owner=owner)


def is_overdue(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    due = pd.to_datetime(frame["due_date"]).dt.date
    return frame["status"].isin(OPEN_STATUSES) & (due < today)


def display(
    frame: pd.DataFrame, lang: str, today: dt.date, names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Actions as text for st.dataframe (pt-BR or en), overdue ones flagged."""
    overdue = is_overdue(frame, today)
    out = pd.DataFrame(
        {
            tr("Vence em", "Due", lang): [
                fmt.day(d, lang) + (" ⚠ " + tr("atrasada", "overdue", lang) if late else "")
                for d, late in zip(frame["due_date"], overdue, strict=True)
            ],
            tr("Cliente", "Customer", lang): [(names or {}).get(c) or c for c in frame["customer_id"]],
            tr("Tipo", "Type", lang): [label(TYPE_LABELS, v, lang) for v in frame["action_type"]],
            tr("Situação", "Status", lang): [label(STATUS_LABELS, v, lang) for v in frame["status"]],
            tr("Responsável", "Owner", lang): frame["owner"],
            tr("Resultado", "Outcome", lang): [
                label(OUTCOME_LABELS, v or "", lang) for v in frame["outcome"]
            ],
            tr("Nota", "Note", lang): frame["note"].fillna(""),
            tr("Registrada por", "Recorded by", lang): frame["author"],
            tr("Em", "At", lang): [fmt.timestamp(v, lang) for v in frame["recorded_at"]],
        }
    )
    if names is None:
        out = out.drop(columns=[tr("Cliente", "Customer", lang)])
    return out


def export_csv(frame: pd.DataFrame) -> bytes:
    """The actions as CSV (every revision column, formula-looking cells neutralised)."""
    out = frame.copy()
    out["due_date"] = pd.to_datetime(out["due_date"]).dt.strftime("%Y-%m-%d")
    out["recorded_at"] = pd.to_datetime(out["recorded_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return csv_safe.to_csv(out)


def author_or_warning() -> str:
    """Who records the action; '' (and a warning saying how to fix it) when nobody is named."""
    who = auth.author()
    if not who:
        st.warning(
            tr(
                "Informe seu nome na barra lateral para registrar ações.",
                "Enter your name in the sidebar to record actions.",
            )
        )
    return who


def record_form(
    customer_id: str,
    owner: str,
    today: dt.date,
    lang: str,
    key: str,
    playbook: Playbook | None = None,
) -> None:
    """The 'record an action' form for one account, prefilled from a recommended playbook."""
    who = auth.author()
    with st.form(key=f"{key}_form", clear_on_submit=True, border=True):
        cols = st.columns(3)
        action_type = cols[0].selectbox(
            tr("Tipo", "Type"),
            list(TYPE_LABELS),
            index=list(TYPE_LABELS).index(playbook.action_type) if playbook else 0,
            format_func=lambda v: label(TYPE_LABELS, v, lang),
            key=f"{key}_type",
        )
        status = cols[1].selectbox(
            tr("Situação", "Status"),
            list(STATUS_LABELS),
            format_func=lambda v: label(STATUS_LABELS, v, lang),
            key=f"{key}_status",
        )
        due = cols[2].date_input(
            tr("Vencimento", "Due date"),
            value=today + dt.timedelta(days=playbook.due_in_days if playbook else 7),
            format="DD/MM/YYYY" if lang == "pt" else "YYYY-MM-DD",
            key=f"{key}_due",
        )
        cols = st.columns([1, 1, 2])
        owner_value = cols[0].text_input(tr("Responsável", "Owner"), value=owner or who, key=f"{key}_owner")
        outcome = cols[1].selectbox(
            tr("Resultado", "Outcome"),
            list(OUTCOME_LABELS),
            format_func=lambda v: label(OUTCOME_LABELS, v, lang),
            key=f"{key}_outcome",
        )
        note = cols[2].text_input(
            tr("Nota", "Note"),
            value=playbook.title[lang] if playbook else "",
            max_chars=2000,
            key=f"{key}_note",
        )
        submitted = st.form_submit_button(tr("Registrar ação", "Record action"), type="primary")
    if submitted:
        save(customer_id, action_type, owner_value, due, status, outcome, note, playbook, lang)


def save(
    customer_id: str,
    action_type: str,
    owner: str,
    due: dt.date,
    status: str,
    outcome: str,
    note: str,
    playbook: Playbook | None,
    lang: str,
) -> None:
    who = author_or_warning()
    if not who:
        return
    try:
        log().record(
            Action(
                customer_id=customer_id,
                action_type=action_type,
                owner=(owner or who).strip(),
                due_date=due,
                status=status,
                outcome=outcome,
                note=note.strip(),
                playbook_id=playbook.id if playbook else "",
                author=who,
            )
        )
    except ActionError as exc:
        st.error(str(exc))
        return
    st.toast(tr("Ação registrada.", "Action recorded."), icon=":material/check:")


def update_form(actions: pd.DataFrame, lang: str, key: str) -> None:
    """Change the status / outcome of one open action (appends a revision)."""
    open_actions = actions[actions["status"].isin(OPEN_STATUSES)]
    if open_actions.empty:
        return
    with st.expander(tr("Atualizar uma ação aberta", "Update an open action")):
        with st.form(key=f"{key}_update", clear_on_submit=False, border=False):
            ids = list(open_actions["action_id"])
            rows = {row["action_id"]: row for _, row in open_actions.iterrows()}
            chosen = st.selectbox(
                tr("Ação", "Action"),
                ids,
                format_func=lambda a: (  # author and time make every option distinct
                    f"{fmt.day(rows[a]['due_date'], lang)} · "
                    f"{label(TYPE_LABELS, rows[a]['action_type'], lang)} · {(rows[a]['note'] or '')[:50]} · "
                    f"{rows[a]['author']}, {fmt.timestamp(rows[a]['recorded_at'], lang)}"
                ),
                key=f"{key}_update_id",
            )
            cols = st.columns(2)
            status = cols[0].selectbox(
                tr("Nova situação", "New status"),
                list(STATUS_LABELS),
                index=2,
                format_func=lambda v: label(STATUS_LABELS, v, lang),
                key=f"{key}_update_status",
            )
            outcome = cols[1].selectbox(
                tr("Resultado", "Outcome"),
                list(OUTCOME_LABELS),
                format_func=lambda v: label(OUTCOME_LABELS, v, lang),
                key=f"{key}_update_outcome",
            )
            if st.form_submit_button(tr("Salvar atualização", "Save update")):
                who = author_or_warning()
                if not who:
                    return
                log().revise(rows[chosen], who, status=status, outcome=outcome)
                st.toast(tr("Ação atualizada.", "Action updated."), icon=":material/check:")
