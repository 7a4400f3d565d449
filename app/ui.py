"""Shared Streamlit pieces: the sidebar, the page guard, filters and KPI cards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import streamlit as st

from app import data, fmt
from app.i18n import SESSION_KEY, current_lang, tr, value_label
from app.queries import ALL, DataUnavailable

log = logging.getLogger("cs_ops.app")

HEALTH_COLORS = {"saudável": "#2e7d32", "atenção": "#f9a825", "risco": "#c62828"}


def lang() -> str:
    return current_lang()


def remember_language() -> None:
    """The language from the URL (?lang=en) on a new session, so a reload keeps it."""
    remember(SESSION_KEY, "lang")
    if st.session_state.get(SESSION_KEY) not in ("pt", "en"):
        st.session_state[SESSION_KEY] = "pt"


def sidebar() -> None:
    """Language toggle, who is using the app, backend and data timestamp (every page, before page.run())."""
    from app import auth

    with st.sidebar:
        st.radio(
            "Idioma / Language",
            options=["pt", "en"],
            format_func=lambda code: "Português" if code == "pt" else "English",
            horizontal=True,
            key=SESSION_KEY,
        )
        keep_in_url(SESSION_KEY, "lang")
        remember(auth.AUTHOR_KEY, "autor")
        auth.sidebar_identity()
        keep_in_url(auth.AUTHOR_KEY, "autor")
        try:
            config = data.settings()
        except Exception as exc:  # ConfigError: the message says how to fix it
            st.error(str(exc))
            return
        # no file path here: it would show the machine's folders in every screenshot
        backend = f"prod (BigQuery, {config.gcp_project})" if config.is_prod else "dev (DuckDB, local)"
        st.caption(tr("Backend", "Backend") + f": {backend}")
        try:
            stamp = data.data_version().rsplit("@", 1)[-1]
            st.caption(tr("Dados de", "Data as of") + ": " + _stamp_text(stamp))
        except DataUnavailable:
            st.caption(tr("Nenhum dado publicado ainda", "No published data yet"))
        except Exception as exc:
            log.warning("data timestamp unavailable: %s", exc)
            st.caption(tr("Data dos dados indisponível", "Data timestamp unavailable"))
        if st.button(tr("Recarregar dados", "Reload data"), key="reload_data", width="stretch"):
            data.clear()
            st.rerun()


def _stamp_text(stamp: str) -> str:
    try:
        return fmt.timestamp(stamp, lang())
    except (TypeError, ValueError):
        return stamp


def missing_data(exc: DataUnavailable) -> None:
    """The friendly page shown instead of a traceback when data or the model is missing."""
    st.info(
        tr(
            "**Ainda não há dados para esta página.**\n\n"
            f"Motivo: {exc.what}.\n\nRode `{exc.command}` no terminal (na raiz do projeto) "
            "e depois clique em *Recarregar dados* na barra lateral.",
            "**There is no data for this page yet.**\n\n"
            f"Reason: {exc.what}.\n\nRun `{exc.command}` in a terminal (at the project root), "
            "then click *Reload data* in the sidebar.",
        ),
        icon=":material/info:",
    )
    st.code(exc.command, language="bash")


def run_page(body: Callable[[], None]) -> None:
    """Run a page body: missing data -> friendly page; other failures -> a short error, no traceback."""
    try:
        body()
    except DataUnavailable as exc:
        missing_data(exc)
    except Exception as exc:  # warehouse errors, bad files: say what failed, keep the app alive
        log.exception("page failed")
        st.error(
            tr(
                f"Não foi possível carregar esta página: {type(exc).__name__}: {exc}. "
                "Se os dados estão sendo reconstruídos, tente de novo em instantes; senão rode `just dev`.",
                f"Could not load this page: {type(exc).__name__}: {exc}. "
                "If the data is being rebuilt, try again in a moment; otherwise run `just dev`.",
            ),
            icon=":material/error:",
        )


def select_one(
    label: str, options: Sequence[str], key: str, container=None, value_format: bool = False
) -> str:
    """A selectbox with "Todos"/"All" first; returns ALL ('*') for it.

    value_format=True shows data values in the UI language (value_label: "alto" -> "high").
    """
    container = container or st
    language = lang()  # bound now: Streamlit may call format_func outside this script run
    return container.selectbox(
        label,
        [ALL, *options],
        format_func=lambda v: (
            tr("Todos", "All", language)
            if v == ALL
            else (value_label(v, language) if value_format else str(v))
        ),
        key=key,
    )


def remember(key: str, param: str) -> None:
    """Start a widget from the URL's ?param= (a reload or a shared link keeps the choice)."""
    if key not in st.session_state and param in st.query_params:
        st.session_state[key] = st.query_params[param]


def keep_in_url(key: str, param: str) -> None:
    """Write a widget's value to the URL so a reload starts from it (removed when empty/All)."""
    value = st.session_state.get(key)
    if value in (None, "", ALL):
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)


def customer_filters(options: dict[str, list[str]], key_prefix: str, per_row: int = 4) -> dict[str, str]:
    """Segment / size / UF / CSM filters, `per_row` to a row."""
    cols = st.columns(per_row) * (4 // per_row)
    return {
        "segment": select_one(
            tr("Segmento", "Segment"), options["segment"], f"{key_prefix}_segment", cols[0], value_format=True
        ),
        "company_size": select_one(
            tr("Porte", "Size"), options["company_size"], f"{key_prefix}_size", cols[1], value_format=True
        ),
        "uf": select_one("UF", options["uf"], f"{key_prefix}_uf", cols[2]),
        "csm": select_one("CSM", options["csm_owner"], f"{key_prefix}_csm", cols[3]),
    }


def chart(builder: Callable[..., object], *args: object) -> None:
    """A chart from `builder(*args)` (an Altair chart) with axis numbers and dates in the UI language.

    The Vega-Lite spec is cached per builder, arguments and language: building and
    validating Altair charts costs more than a cached page may take, so a rerun only
    sends the cached spec (st.vega_lite_chart).
    """
    spec = _chart_spec(f"{builder.__module__}.{builder.__qualname__}", args, lang(), builder)
    st.vega_lite_chart(spec, width="stretch")


@st.cache_data(show_spinner=False, max_entries=256)
def _chart_spec(name: str, args: tuple, language: str, _builder: Callable[..., object]) -> dict:
    """The chart's Vega-Lite spec with its datasets already as Arrow IPC bytes (what Streamlit sends)."""
    import pandas as pd
    from streamlit import dataframe_util

    from app import charts

    spec = charts.localized(_builder(*args), language).to_dict()
    spec["datasets"] = {
        name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(values))
        for name, values in (spec.get("datasets") or {}).items()
    }
    return spec


def lazy_expander(label: str, key: str):
    """A closed expander whose content runs only once it is opened (`.open` says so).

    Closed, it sends and draws nothing: a table in it would otherwise make every visit load
    and run the grid's code for something the user has not asked to see.
    """
    return st.expander(label, key=key, on_change="rerun")


def table(frame, empty: str | None = None, **options):
    """st.dataframe, or a sentence in the UI language when there is no row.

    Streamlit's grid shows the English word "empty" for a frame without rows; a page says
    what is missing instead (`empty`, else "Nenhuma linha." / "No rows.").
    """
    if len(frame) == 0:
        st.caption(empty or tr("Nenhuma linha.", "No rows."))
        return None
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    return st.dataframe(frame, **options)


OPEN_COLUMN = "360"


def account_table(frame, empty: str, key: str, **options) -> None:
    """A table of accounts whose "abrir" cell opens the account in Cliente 360 at the first click.

    `frame`'s "360" column holds each row's customer id; it is shown as the word
    "abrir"/"open". Clicking it selects that cell (single-cell
    selection, one click) and the page switches to Cliente 360 in this session with the account
    chosen. Streamlit's link column did not: it opened a new tab, and only at the second click.
    The table's key gets a new suffix after each opening, so coming back starts unselected.
    """
    opened = st.session_state.get(f"{key}__opened", 0)
    customer_ids = list(frame[OPEN_COLUMN]) if len(frame) else []
    shown = frame.assign(**{OPEN_COLUMN: tr("abrir ›", "open ›")})
    config = {OPEN_COLUMN: st.column_config.TextColumn(width="small"), **options.pop("column_config", {})}
    event = table(
        shown,
        empty,
        key=key if not opened else f"{key}__{opened}",
        on_select="rerun",
        selection_mode="single-cell",
        column_config=config,
        **options,
    )
    cells = event.selection.cells if event is not None else []
    clicked = [row for row, column in cells if column == OPEN_COLUMN]
    if clicked:
        st.session_state[f"{key}__opened"] = opened + 1
        open_customer(str(customer_ids[clicked[0]]))


def open_customer(customer_id: str) -> None:
    """Go to Cliente 360 showing `customer_id` (in this session; the URL says which account)."""
    st.session_state["selected_customer"] = customer_id
    st.switch_page("views/cliente_360.py", query_params={**st.query_params.to_dict(), "cliente": customer_id})


def metric(
    container,
    label: str,
    value: str,
    delta: str | None = None,
    help: str | None = None,
    delta_color: str = "normal",
) -> None:
    """st.metric; a delta that is zero once formatted ("0,0 p.p.", "+R$ 0,00") gets no arrow and no colour."""
    is_zero = delta is not None and not any(ch in "123456789" for ch in delta)
    container.metric(
        label,
        value,
        delta=delta,
        help=help,
        delta_color="off" if is_zero else delta_color,
        delta_arrow="off" if is_zero else "auto",
    )


PICKER_ROWS = 50  # the customer picker lists at most this many matches of the search text


def pick_customer(key: str) -> str:
    """Search box + short picker shared by Cliente 360 and the Simulador (remembers the choice).

    The warehouse does the search (name or id contains the text) and returns at most
    PICKER_ROWS matches, so the picker stays small at any portfolio size. With no search
    text the picker lists the accounts with the most MRR at risk.
    """
    default = st.session_state.get("selected_customer") or st.query_params.get("cliente")
    cols = st.columns([1, 2])
    search = cols[0].text_input(
        tr("Buscar cliente (nome, id ou CNPJ)", "Search customer (name, id or CNPJ)"),
        key=f"{key}_search",
        placeholder=tr(
            "ex.: Conceição, CLI-000123, 12.345.678/0001-90", "e.g. Silva, CLI-000123, 12345678000190"
        ),
    )
    matches = data.load("customer_search", search.strip(), PICKER_ROWS)
    total = int(matches["matched_customers"].iloc[0]) if not matches.empty else 0
    if matches.empty:
        if search.strip():
            cols[1].warning(tr("Nenhum cliente encontrado.", "No customer found."))
        else:
            raise DataUnavailable("fct_clientes_kpis has no customers", "just dev")
    if not default:
        top = matches if not search.strip() else data.load("customer_search", "", 1)
        default = str(top["customer_id"].iloc[0]) if not top.empty else None
    names = dict(zip(matches["customer_id"], matches["company_name"].fillna(""), strict=False))
    ids = list(matches["customer_id"])
    if default and default not in names and (not search.strip() or matches.empty):
        found = data.load("customer_search", str(default).lower(), 1)
        if not found.empty and found["customer_id"].iloc[0] == default:
            ids.insert(0, default)
            names[default] = found["company_name"].fillna("").iloc[0]
    if not ids:
        raise DataUnavailable("fct_clientes_kpis has no customers", "just dev")
    chosen = cols[1].selectbox(
        tr("Cliente", "Customer"),
        ids,
        index=ids.index(default) if default in ids else 0,
        format_func=lambda cid: f"{names.get(cid, '')} ({cid})",
        key=f"{key}_customer",
    )
    if total > len(matches):
        cols[1].caption(
            tr(
                f"{fmt.number(len(matches), 0, lang())} de {fmt.number(total, 0, lang())} clientes "
                "encontrados; refine a busca para ver outros.",
                f"{fmt.number(len(matches), 0, lang())} of {fmt.number(total, 0, lang())} customers "
                "found; refine the search to see others.",
            )
        )
    st.session_state["selected_customer"] = chosen
    return chosen


# Column headers for tables shown as they come from the marts (pt, en); others keep their name.
COLUMN_LABELS = {
    "month": ("Mês", "Month"),
    "mrr": ("MRR", "MRR"),
    "previous_mrr": ("MRR anterior", "Previous MRR"),
    "new_mrr": ("MRR novo", "New MRR"),
    "expansion_mrr": ("Expansão", "Expansion"),
    "contraction_mrr": ("Contração", "Contraction"),
    "churned_mrr": ("MRR perdido", "Churned MRR"),
    "reactivation_mrr": ("Reativação", "Reactivation"),
    "active_customers": ("Clientes ativos", "Active customers"),
    "churned_customers": ("Clientes perdidos", "Churned customers"),
    "logo_churn_rate": ("Churn de logos", "Logo churn"),
    "gross_mrr_churn_rate": ("Churn bruto de MRR", "Gross MRR churn"),
    "net_mrr_churn_rate": ("Churn líquido de MRR", "Net MRR churn"),
    "nrr": ("NRR mensal", "Monthly NRR"),
    "grr": ("GRR mensal", "Monthly GRR"),
    "nrr_t12m": ("NRR 12 meses", "NRR trailing 12 months"),
    "grr_t12m": ("GRR 12 meses", "GRR trailing 12 months"),
    "arr": ("ARR", "ARR"),
    "starting_mrr": ("MRR inicial", "Starting MRR"),
    "owner_changes": ("Mudanças de cliente", "Owner changes"),
    "quick_ratio": ("Quick ratio", "Quick ratio"),
    "table_name": ("Tabela", "Table"),
    "batch_id": ("Lote", "Batch"),
    "raw_rows": ("Bruto", "Raw"),
    "ledger_rows": ("Ledger", "Ledger"),
    "clean_rows": ("Limpo", "Clean"),
    "duplicate_rows": ("Duplicados", "Duplicates"),
    "quarantined_rows": ("Quarentena", "Quarantined"),
    "reconciles": ("Fecha?", "Reconciles?"),
    "record_key": ("Chave", "Key"),
    "reason": ("Motivo", "Reason"),
    "raw_values": ("Valores brutos", "Raw values"),
    "source_file": ("Arquivo", "File"),
    "sha256": ("sha256", "sha256"),
    "row_count": ("Linhas", "Rows"),
    "status": ("Situação", "Status"),
    "loaded_at": ("Carregado em", "Loaded at"),
    "period_start": ("Início", "Period start"),
    "period_end": ("Fim", "Period end"),
    "ticket_id": ("Ticket", "Ticket"),
    "priority": ("Prioridade", "Priority"),
    "category": ("Categoria", "Category"),
    "ticket_status": ("Situação", "Status"),
    "opened_at": ("Aberto em", "Opened at"),
    "first_response_at": ("1ª resposta", "First response"),
    "resolved_at": ("Resolvido em", "Resolved at"),
    "csat": ("CSAT", "CSAT"),
    "first_response_hours": ("Horas até 1ª resposta", "Hours to first response"),
    "resolution_hours": ("Horas até resolução", "Hours to resolution"),
    "invoice_id": ("Fatura", "Invoice"),
    "contract_id": ("Contrato", "Contract"),
    "billing_month": ("Competência", "Billing month"),
    "issued_date": ("Emissão", "Issued"),
    "due_date": ("Vencimento", "Due"),
    "paid_date": ("Pagamento", "Paid"),
    "amount": ("Valor", "Amount"),
    "invoice_status": ("Situação", "Status"),
    "payment_delay_days": ("Dias de atraso", "Days late"),
    "is_paid_late": ("Paga com atraso", "Paid late"),
    "response_id": ("Resposta", "Response"),
    "user_id": ("Usuário", "User"),
    "answered_date": ("Respondida em", "Answered"),
    "score": ("Nota", "Score"),
    "nps_category": ("Categoria NPS", "NPS category"),
    "comment": ("Comentário", "Comment"),
    "plan": ("Plano", "Plan"),
    "modules": ("Módulos", "Modules"),
    "seats": ("Licenças", "Seats"),
    "cycle_value": ("Valor do ciclo", "Cycle value"),
    "billing_cycle": ("Ciclo", "Billing cycle"),
    "billing_cycle_months": ("Meses do ciclo", "Cycle months"),
    "contract_movement": ("Movimento", "Movement"),
    "contract_status": ("Situação", "Status"),
    "cancellation_reason": ("Motivo do cancelamento", "Cancellation reason"),
    "start_date": ("Início", "Start"),
    "end_date": ("Fim", "End"),
    "cancelled_date": ("Cancelado em", "Cancelled"),
    "effective_end_date": ("Fim efetivo", "Effective end"),
}
MONEY_COLUMNS = {"mrr", "arr", "amount", "cycle_value", "mrr_12_months_before"}
# Text columns holding values from a fixed list (pt-BR in the marts): shown in the UI language.
CATEGORY_COLUMNS = {
    "category",
    "ticket_status",
    "invoice_status",
    "nps_category",
    "contract_status",
    "contract_movement",
    "billing_cycle",
    "cancellation_reason",
    "plan",
    "segment",
    "company_size",
    "movement",
}
RATE_COLUMNS = {
    "logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate", "nrr", "grr", "nrr_t12m", "grr_t12m",
}  # fmt: skip


def display_frame(frame, language: str | None = None):
    """A mart frame as text for st.dataframe: pt-BR (or en) numbers, money, dates and headers.

    Streamlit formats numbers en-US only, so the cells become text; money reads R$ 1.234,56.
    """
    import pandas as pd

    language = language or lang()
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in MONEY_COLUMNS or column.endswith("_mrr"):
            shown = values.map(lambda v: fmt.brl(v, 2, language))
        elif column in RATE_COLUMNS:
            shown = values.map(lambda v: fmt.pct(v, 2, language))
        elif column == "month" or column.endswith("_month"):
            shown = values.map(lambda v: fmt.month(pd.Timestamp(v), language) if pd.notna(v) else "—")
        elif column.endswith("_at"):
            shown = values.map(lambda v: fmt.timestamp(v, language) if pd.notna(v) else "—")
        elif column.endswith("_date") or column in ("period_start", "period_end"):
            shown = values.map(lambda v: fmt.day(pd.Timestamp(v), language) if pd.notna(v) else "—")
        elif pd.api.types.is_bool_dtype(values):
            words = {True: tr("sim", "yes", language), False: tr("não", "no", language)}
            shown = values.map(lambda v, words=words: "—" if pd.isna(v) else words[bool(v)])
        elif pd.api.types.is_integer_dtype(values):
            shown = values.map(lambda v: fmt.number(v, 0, language))
        elif pd.api.types.is_float_dtype(values):
            shown = values.map(lambda v: fmt.number(v, 2, language))
        elif column in CATEGORY_COLUMNS:
            shown = values.map(lambda v: "—" if _text(v) == "—" else value_label(v, language))
        elif column == "cnpj":
            shown = values.map(fmt.cnpj)
        else:
            shown = values.map(_text)
        label = COLUMN_LABELS.get(column)
        out[tr(*label, language) if label else column] = shown
    return out


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return str(value)
