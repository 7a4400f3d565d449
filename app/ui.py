"""Shared Streamlit pieces: the sidebar, the page guard, filters and KPI cards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import streamlit as st

from app import data, fmt
from app.i18n import SESSION_KEY, current_lang, tr
from app.queries import ALL, DataUnavailable

log = logging.getLogger("cs_ops.app")

HEALTH_COLORS = {"saudável": "#2e7d32", "atenção": "#f9a825", "risco": "#c62828"}


def lang() -> str:
    return current_lang()


def sidebar() -> None:
    """Language toggle, backend and data timestamp (shown on every page, before page.run())."""
    with st.sidebar:
        st.radio(
            "Idioma / Language",
            options=["pt", "en"],
            format_func=lambda code: "Português" if code == "pt" else "English",
            horizontal=True,
            key=SESSION_KEY,
        )
        try:
            backend = data.settings().describe()
        except Exception as exc:  # ConfigError: the message says how to fix it
            st.error(str(exc))
            return
        st.caption(tr("Backend", "Backend") + f": `{backend}`")
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


def select_one(label: str, options: Sequence[str], key: str, container=None) -> str:
    """A selectbox with "Todos"/"All" first; returns ALL ('*') for it."""
    container = container or st
    return container.selectbox(
        label,
        [ALL, *options],
        format_func=lambda v: tr("Todos", "All") if v == ALL else str(v),
        key=key,
    )


def customer_filters(options: dict[str, list[str]], key_prefix: str) -> dict[str, str]:
    """Segment / size / UF / CSM filters in one row."""
    cols = st.columns(4)
    return {
        "segment": select_one(
            tr("Segmento", "Segment"), options["segment"], f"{key_prefix}_segment", cols[0]
        ),
        "company_size": select_one(
            tr("Porte", "Size"), options["company_size"], f"{key_prefix}_size", cols[1]
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
    from app import charts

    return charts.localized(_builder(*args), language).to_dict()


def metric(
    container,
    label: str,
    value: str,
    delta: str | None = None,
    help: str | None = None,
    delta_color: str = "normal",
) -> None:
    container.metric(label, value, delta=delta, help=help, delta_color=delta_color)


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
        tr("Buscar cliente (nome ou id)", "Search customer (name or id)"),
        key=f"{key}_search",
        placeholder=tr("ex.: Silva, C000123", "e.g. Silva, C000123"),
    )
    matches = data.load("customer_search", search.strip().lower(), PICKER_ROWS)
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
