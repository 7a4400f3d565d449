"""Every read the app and the executive report make, as plain functions of a warehouse reader.

No Streamlit here: the pages wrap these in `st.cache_data` (see app/data.py), the report
and the bench call them directly. SQL uses the warehouse placeholders `{analytics}` /
`{raw}` and `@name` bound parameters; values are never formatted into SQL text.
Filters use the string sentinel ALL ('*') instead of NULL so every parameter has a type
on both DuckDB and BigQuery.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Protocol

import pandas as pd

from app import csv_safe

ALL = "*"


class Reader(Protocol):
    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame: ...

    def table_exists(self, name: str) -> bool: ...


class DataUnavailable(Exception):
    """Data a page needs is not there yet; `command` is the `just` recipe that makes it."""

    def __init__(self, what: str, command: str):
        super().__init__(f"{what} — run `{command}`")
        self.what = what
        self.command = command


def as_dates(values: pd.Series) -> pd.Series:
    """Dates/timestamps from either backend as naive datetime64 (UTC wall time).

    DuckDB gives naive timestamps, BigQuery DATE columns come as dbdate and TIMESTAMP
    columns as tz-aware UTC: all end up comparable.
    """
    converted = pd.to_datetime(values, utc=True)
    return converted.dt.tz_localize(None)


# Which recipe produces each table (the friendly message names it).
PRODUCED_BY = {
    "churn_scores": "just score",
    "load_ledger": "just dev",
    "load_batches": "just dev",
}


def read(
    wh: Reader, sql: str, params: dict[str, Any] | None = None, tables: tuple[str, ...] = ()
) -> pd.DataFrame:
    """wh.query, checking for missing tables only when the query fails.

    Every read opens a short-lived connection, so the happy path makes no extra round
    trip; when the query fails and one of `tables` is missing, the error becomes
    DataUnavailable naming the recipe that builds it.
    """
    try:
        return wh.query(sql, params)
    except Exception:
        require(wh, *tables)
        raise


def require(wh: Reader, *tables: str) -> None:
    """Raise DataUnavailable naming the recipe when an analytics table is missing."""
    for table in tables:
        if not wh.table_exists(table):
            raise DataUnavailable(
                f"table cs_ops_analytics.{table} not found", PRODUCED_BY.get(table, "just transform")
            )


# ---------------------------------------------------------------- executive view


KPIS_SQL = """
    select *
    from {analytics}.fct_kpis_mensais_filtros
    where segment = @segment
        and company_size = @company_size
        and uf = @uf
        and csm_owner = @csm
    order by month
"""


def kpis_mensais(
    wh: Reader, segment: str = ALL, company_size: str = ALL, uf: str = ALL, csm: str = ALL
) -> pd.DataFrame:
    """The executive KPIs per month for the customers matching the filters.

    Every KPI is computed once, in dbt (fct_kpis_mensais_filtros, one row per month and
    filter combination, '*' = all); with no filter these are the rows of fct_kpis_mensais.
    """
    params = {"segment": segment, "company_size": company_size, "uf": uf, "csm": csm}
    frame = read(wh, KPIS_SQL, params, tables=("fct_kpis_mensais_filtros",))
    if frame.empty and all(value == ALL for value in params.values()):
        raise DataUnavailable("fct_kpis_mensais_filtros is empty", "just dev")
    frame["month"] = as_dates(frame["month"])
    return frame


FILTER_COLUMNS = ("segment", "company_size", "uf", "csm_owner")


def filter_options(wh: Reader) -> dict[str, list[str]]:
    """Distinct values for the segment / size / UF / CSM filters (one round trip)."""
    # the column names come from FILTER_COLUMNS, never from user input
    sql = "\nunion all\n".join(
        f"select '{column}' as filter_column, {column} as value from {{analytics}}.dim_clientes "
        f"where {column} is not null group by {column}"
        for column in FILTER_COLUMNS
    )
    frame = read(wh, sql, tables=("dim_clientes",))
    return {
        column: sorted(str(v) for v in frame.loc[frame["filter_column"] == column, "value"])
        for column in FILTER_COLUMNS
    }


def cohorts(wh: Reader) -> pd.DataFrame:
    frame = read(
        wh,
        "select cohort_month, months_since_signup, customers, retained_customers, retention_rate "
        "from {analytics}.fct_retencao_coortes order by cohort_month, months_since_signup",
        tables=("fct_retencao_coortes",),
    )
    frame["cohort_month"] = as_dates(frame["cohort_month"])
    return frame


# ---------------------------------------------------------------- portfolio at risk

# Search: accent- and case-insensitive on name and id, and by CNPJ digits when the text is a
# CNPJ (formatted or not). translate() is portable (DuckDB and BigQuery): it folds accents
# and drops CNPJ punctuation; the search text is folded the same way in Python.
ACCENTED, UNACCENTED = "áàâãäéèêëíìîïóòôõöúùûüçñ", "aaaaaeeeeiiiiooooouuuucn"
CNPJ_PUNCTUATION = "./- "


def search_match(name: str, customer_id: str, cnpj: str) -> str:
    """SQL that is true when the row matches @search (folded text) or @search_digits (CNPJ digits)."""
    folded = (
        f"translate(lower(concat(coalesce({name}, ''), ' ', {customer_id})), '{ACCENTED}', '{UNACCENTED}')"
    )
    digits = f"translate(coalesce({cnpj}, ''), '{CNPJ_PUNCTUATION}', '')"
    return (
        f"@search = '' or strpos({folded}, @search) > 0 "
        f"or (@search_digits != '' and strpos({digits}, @search_digits) > 0)"
    )


def search_params(search: str) -> dict[str, str]:
    """@search (lower case, accents folded) and @search_digits (set when the text looks like a CNPJ)."""
    text = (search or "").strip().lower()
    folded = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    digits = "".join(c for c in text if c.isdigit())
    looks_like_cnpj = len(digits) >= 4 and all(c.isdigit() or c in CNPJ_PUNCTUATION for c in text)
    return {"search": folded, "search_digits": digits if looks_like_cnpj else ""}


# Active customers with their latest churn score. The filters, the ranking, the summary
# and the row limit all run in the warehouse (bound parameters), so a page at 100k
# customers moves only the rows it shows.
PORTFOLIO_SQL = """
    with latest_scores as (
        select customer_id, churn_probability, risk_tier, top_drivers, snapshot_date, model_version
        from {analytics}.churn_scores
        where snapshot_date = (select max(snapshot_date) from {analytics}.churn_scores)
    ),

    portfolio as (
        select
            kpis.customer_id,
            kpis.company_name,
            kpis.segment,
            kpis.company_size,
            kpis.uf,
            kpis.csm_owner,
            kpis.plan,
            kpis.current_mrr,
            kpis.seats,
            kpis.health_score,
            kpis.health_tier,
            kpis.renewal_date,
            kpis.tenure_months,
            clientes.cnpj,
            latest_scores.churn_probability,
            latest_scores.risk_tier,
            latest_scores.top_drivers,
            latest_scores.snapshot_date as scored_snapshot_date,
            latest_scores.model_version,
            latest_scores.churn_probability * kpis.current_mrr as mrr_at_risk
        from {analytics}.fct_clientes_kpis as kpis
        inner join {analytics}.dim_clientes as clientes
            on clientes.customer_id = kpis.customer_id
        left join latest_scores
            on latest_scores.customer_id = kpis.customer_id
        where kpis.churn_status = 0
    ),

    filtered as (
        select *
        from portfolio
        where (@segment = '*' or segment = @segment)
            and (@company_size = '*' or company_size = @company_size)
            and (@uf = '*' or uf = @uf)
            and (@csm = '*' or csm_owner = @csm)
            and (@health_tier = '*' or health_tier = @health_tier)
            and coalesce(churn_probability, 0) >= @min_probability
            and ({search_match})
    )

    select
        filtered.*,
        count(*) over () as matched_customers,
        sum(current_mrr) over () as matched_mrr,
        sum(mrr_at_risk) over () as matched_mrr_at_risk,
        sum(case when lower(risk_tier) in ('alto', 'high') then 1 else 0 end) over () as matched_high_risk,
        (select count(*) from latest_scores) as scored_customers
    from filtered
    order by mrr_at_risk desc nulls last, customer_id
    limit @row_limit
""".replace("{search_match}", search_match("company_name", "customer_id", "cnpj"))

PORTFOLIO_FILTERS = ("segment", "company_size", "uf", "csm", "health_tier", "search", "min_probability")
SUMMARY_COLUMNS = {
    "matched_customers": "customers",
    "matched_mrr": "mrr",
    "matched_mrr_at_risk": "mrr_at_risk",
    "matched_high_risk": "high_risk",
}


def portfolio_params(
    segment: str = ALL,
    company_size: str = ALL,
    uf: str = ALL,
    csm: str = ALL,
    health_tier: str = ALL,
    search: str = "",
    min_probability: float = 0.0,
) -> dict[str, Any]:
    """The bound parameters of PORTFOLIO_SQL for one set of filters (search is case-insensitive)."""
    return {
        "segment": str(segment),
        "company_size": str(company_size),
        "uf": str(uf),
        "csm": str(csm),
        "health_tier": str(health_tier),
        **search_params(search),
        "min_probability": float(min_probability or 0.0),
    }


def portfolio_page(wh: Reader, limit: int = 500, **filters: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The top `limit` active customers by MRR at risk matching the filters, and the summary of all matches.

    Returns (rows, summary) with summary = customers, mrr, mrr_at_risk, high_risk (over every
    matching customer, not only the rows returned).
    """
    params = {**portfolio_params(**filters), "row_limit": int(limit)}
    frame = read(wh, PORTFOLIO_SQL, params, ("fct_clientes_kpis", "churn_scores"))
    if frame.empty:
        if not any(portfolio_params(**filters)[k] not in (ALL, "", 0.0) for k in PORTFOLIO_FILTERS):
            raise DataUnavailable("no active customers in fct_clientes_kpis", "just dev")
        summary = {"customers": 0, "mrr": 0.0, "mrr_at_risk": 0.0, "high_risk": 0}
    else:
        if int(frame["scored_customers"].iloc[0]) == 0:
            raise DataUnavailable("churn_scores has no score for the current customers", "just score")
        first = frame.iloc[0].fillna(0)
        summary = {
            "customers": int(first["matched_customers"]),
            "mrr": float(first["matched_mrr"]),
            "mrr_at_risk": float(first["matched_mrr_at_risk"]),
            "high_risk": int(first["matched_high_risk"]),
        }
    frame = frame.drop(columns=[*SUMMARY_COLUMNS, "scored_customers"])
    for column in ("current_mrr", "churn_probability", "mrr_at_risk", "health_score"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["renewal_date"] = as_dates(frame["renewal_date"])
    frame["drivers"] = frame["top_drivers"].map(drivers_text)
    return frame.reset_index(drop=True), summary


def portfolio(wh: Reader, limit: int = 1_000_000_000, **filters: Any) -> pd.DataFrame:
    """Active customers matching the filters with their latest churn score, ranked by MRR at risk."""
    return portfolio_page(wh, limit, **filters)[0]


def parse_drivers(raw: Any) -> list[dict[str, Any]]:
    """top_drivers JSON text -> [{"feature": str, "contribution": float|None, ...}, ...].

    Accepts a list of objects, a list of strings, or an object {feature: contribution}.
    """
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return []
    data = json.loads(raw) if isinstance(raw, str) else raw
    if isinstance(data, dict):
        return [{"feature": str(k), "contribution": _num(v)} for k, v in data.items()]
    out = []
    for item in data or []:
        if isinstance(item, dict):
            feature = item.get("feature") or item.get("name") or item.get("driver") or "?"
            contribution = item.get("delta", item.get("contribution", item.get("impact", item.get("shap"))))
            out.append({**item, "feature": str(feature), "contribution": _num(contribution)})
        else:
            out.append({"feature": str(item), "contribution": None})
    return out


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def drivers_text(raw: Any, limit: int = 3) -> str:
    """Short text for a table cell: the model's pt-BR driver texts (or feature names), "; "-joined."""
    try:
        drivers = parse_drivers(raw)
    except (ValueError, TypeError):
        return str(raw)
    parts = []
    for driver in drivers[:limit]:
        text = driver.get("text")
        if not text:
            contribution = driver["contribution"]
            arrow = "" if contribution is None else (" ↑" if contribution > 0 else " ↓")
            text = driver["feature"] + arrow
        parts.append(str(text))
    return "; ".join(parts)


EXPORT_COLUMNS = [
    "customer_id",
    "company_name",
    "segment",
    "company_size",
    "uf",
    "csm_owner",
    "plan",
    "current_mrr",
    "churn_probability",
    "mrr_at_risk",
    "health_score",
    "health_tier",
    "risk_tier",
    "drivers",
    "renewal_date",
]


def portfolio_csv(frame: pd.DataFrame) -> bytes:
    """CSV export of the filtered portfolio (pt-BR Excel format, formula-safe: app/csv_safe.py)."""
    out = frame[EXPORT_COLUMNS].copy()
    out["renewal_date"] = out["renewal_date"].dt.strftime("%Y-%m-%d")
    return csv_safe.to_csv(out)


EXPORT_MAX_ROWS = 100_000  # the CSV export's cap; the page says so when a filter set has more rows


def portfolio_export(wh: Reader, max_rows: int = EXPORT_MAX_ROWS, **filters: Any) -> tuple[bytes, int, int]:
    """(CSV bytes, rows in the CSV, customers matching) for one set of filters, ranked like the page."""
    frame, summary = portfolio_page(wh, max_rows, **filters)
    return portfolio_csv(frame), len(frame), summary["customers"]


# ---------------------------------------------------------------- customer 360


def customer_snapshots(wh: Reader, customer_id: str) -> pd.DataFrame:
    """Month-end snapshots for one customer (the same features the model sees)."""
    frame = read(
        wh,
        "select * from {analytics}.fct_clientes_snapshot_mensal "
        "where customer_id = @customer_id order by snapshot_date",
        {"customer_id": customer_id},
        ("fct_clientes_snapshot_mensal",),
    )
    frame["snapshot_date"] = as_dates(frame["snapshot_date"])
    return frame


def customer_mrr(wh: Reader, customer_id: str) -> pd.DataFrame:
    frame = read(
        wh,
        "select * from {analytics}.fct_mrr_mensal where customer_id = @customer_id order by month",
        {"customer_id": customer_id},
        ("fct_mrr_mensal",),
    )
    frame["month"] = as_dates(frame["month"])
    return frame


CUSTOMER_KPIS_SQL = """
    select
        kpis.*,
        clientes.cnpj,
        clientes.city,
        clientes.contact_email,
        {score_columns}
    from {analytics}.fct_clientes_kpis as kpis
    inner join {analytics}.dim_clientes as clientes
        on clientes.customer_id = kpis.customer_id
    {score_join}
    where kpis.customer_id = @customer_id
"""
SCORE_COLUMNS = ("churn_probability", "risk_tier", "top_drivers", "scored_snapshot_date")
CUSTOMER_SCORE_JOIN = """
    left join (
        select
            customer_id,
            churn_probability,
            risk_tier,
            top_drivers,
            snapshot_date as scored_snapshot_date,
            row_number() over (partition by customer_id order by snapshot_date desc) as recency
        from {analytics}.churn_scores
        where customer_id = @customer_id
    ) as scores
        on scores.customer_id = kpis.customer_id and scores.recency = 1
"""


def customer_kpis(wh: Reader, customer_id: str) -> pd.DataFrame:
    """One row: fct_clientes_kpis + dim_clientes contact fields + the latest churn score (if any)."""
    params = {"customer_id": customer_id}
    scored = CUSTOMER_KPIS_SQL.replace(
        "{score_columns}", ", ".join(f"scores.{c}" for c in SCORE_COLUMNS)
    ).replace("{score_join}", CUSTOMER_SCORE_JOIN)
    try:
        return wh.query(scored, params)
    except Exception:
        if wh.table_exists("churn_scores"):
            raise
    unscored = CUSTOMER_KPIS_SQL.replace(
        "{score_columns}", ", ".join(f"null as {c}" for c in SCORE_COLUMNS)
    ).replace("{score_join}", "")
    return read(wh, unscored, params, ("fct_clientes_kpis", "dim_clientes"))


CUSTOMER_SEARCH_SQL = """
    select
        kpis.customer_id,
        kpis.company_name,
        kpis.churn_status,
        kpis.current_mrr,
        {risk} as mrr_at_risk,
        count(*) over () as matched_customers
    from {analytics}.fct_clientes_kpis as kpis
    inner join {analytics}.dim_clientes as clientes
        on clientes.customer_id = kpis.customer_id
    {join}
    where
        {search_match}
    order by
        case when lower(kpis.customer_id) = @search then 0 else 1 end,
        kpis.churn_status,
        mrr_at_risk desc nulls last,
        kpis.company_name,
        kpis.customer_id
    limit @row_limit
""".replace("{search_match}", search_match("kpis.company_name", "kpis.customer_id", "clientes.cnpj"))
LATEST_SCORES_JOIN = """
    left join {analytics}.churn_scores as scores
        on scores.customer_id = kpis.customer_id
        and scores.snapshot_date = (select max(snapshot_date) from {analytics}.churn_scores)
"""


def customer_search(wh: Reader, search: str = "", limit: int = 50) -> pd.DataFrame:
    """Customers whose name or id contains `search` (case-insensitive), at most `limit` rows.

    Exact id first, then active before churned, then by MRR at risk (by MRR when there are
    no scores). `matched_customers` is the number of matches in total. With no search text
    these are the accounts the CS team looks at first.
    """
    params = {**search_params(search), "row_limit": int(limit)}
    scored = CUSTOMER_SEARCH_SQL.replace("{risk}", "scores.churn_probability * kpis.current_mrr")
    try:
        frame = wh.query(scored.replace("{join}", LATEST_SCORES_JOIN), params)
    except Exception:
        if wh.table_exists("churn_scores"):
            raise
        unscored = CUSTOMER_SEARCH_SQL.replace("{risk}", "kpis.current_mrr").replace("{join}", "")
        frame = read(wh, unscored, params, ("fct_clientes_kpis", "dim_clientes"))
    frame["current_mrr"] = pd.to_numeric(frame["current_mrr"]).astype(float)
    return frame


# The per-customer fact tables Cliente 360 shows, with the column their newest rows sort on.
DETAIL_ORDER = {
    "fct_tickets": "opened_at",
    "fct_faturas": "billing_month",
    "fct_nps_respostas": "answered_date",
    "fct_contratos": "start_date",
}


def optional_table(wh: Reader, table: str, customer_id: str, limit: int = 200) -> pd.DataFrame | None:
    """One customer's newest `limit` rows of a per-customer fact table; None if it is not built.

    `_total_rows` holds how many rows the customer has in all. `table` must be a key of
    DETAIL_ORDER (an app constant, never user input).
    """
    order = DETAIL_ORDER[table]
    try:
        frame = wh.query(
            f"select *, count(*) over () as _total_rows from {{analytics}}.{table} "
            f"where customer_id = @customer_id order by {order} desc nulls last limit @row_limit",
            {"customer_id": customer_id, "row_limit": int(limit)},
        )
    except Exception:
        if not wh.table_exists(table):
            return None
        raise
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------- data quality


def quality(wh: Reader) -> pd.DataFrame:
    frame = read(
        wh,
        "select * from {analytics}.fct_qualidade_dados order by table_name, batch_id",
        tables=("fct_qualidade_dados",),
    )
    for column in ("raw_rows", "clean_rows", "duplicate_rows", "quarantined_rows"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    frame["reconciles"] = (
        frame["raw_rows"] == frame["clean_rows"] + frame["duplicate_rows"] + frame["quarantined_rows"]
    )
    return frame


def quarantine_summary(wh: Reader) -> pd.DataFrame:
    """Quarantined rows per table and reason (from the per-batch reason counts, not the rows)."""
    frame = read(
        wh,
        "select table_name, reason, sum(quarantined_rows) as rows_quarantined "
        "from {analytics}.fct_qualidade_dados_motivos "
        "group by table_name, reason order by rows_quarantined desc, table_name, reason",
        tables=("fct_qualidade_dados_motivos",),
    )
    frame["rows_quarantined"] = pd.to_numeric(frame["rows_quarantined"]).astype("int64")
    return frame


def quarantine_examples(wh: Reader, table_name: str, reason: str, limit: int = 10) -> pd.DataFrame:
    """The first quarantined rows of one table for one reason."""
    return read(
        wh,
        """
        select table_name, batch_id, record_key, reason, raw_values
        from {analytics}.fct_quarentena
        where table_name = @table_name and reason = @reason
        order by batch_id, record_key
        limit @row_limit
        """,
        {"table_name": table_name, "reason": reason, "row_limit": int(limit)},
        ("fct_quarentena",),
    )


def load_ledger(wh: Reader) -> pd.DataFrame:
    try:
        frame = wh.query(
            "select batch_id, table_name, source_file, sha256, row_count, status, loaded_at "
            "from {raw}.load_ledger order by loaded_at desc, batch_id desc, table_name"
        )
    except Exception as exc:  # the raw dataset is not there before the first load
        raise DataUnavailable(f"cs_ops_raw_data.load_ledger unreadable ({exc})", "just dev") from exc
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"], utc=True)
    return frame


def load_batches(wh: Reader) -> pd.DataFrame:
    try:
        frame = wh.query(
            "select batch_id, period_start, period_end, loaded_at from {raw}.load_batches order by batch_id"
        )
    except Exception as exc:
        raise DataUnavailable(f"cs_ops_raw_data.load_batches unreadable ({exc})", "just dev") from exc
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"], utc=True)
    return frame


# ---------------------------------------------------------------- worklist (Minha carteira)


def as_of_date(wh: Reader) -> Any:
    """The date the newest churn scores describe: 'today' for renewal windows and due dates."""
    frame = read(
        wh, "select max(snapshot_date) as as_of from {analytics}.churn_scores", tables=("churn_scores",)
    )
    value = frame["as_of"].iloc[0] if not frame.empty else None
    if value is None or pd.isna(value):
        raise DataUnavailable("churn_scores has no scores yet", "just score")
    return pd.Timestamp(value).date()


# One CSM's active accounts with what they act on: risk, health, renewal and the lever
# columns the playbooks read. Filters, ranking and the row limit run in the warehouse.
WORKLIST_SQL = """
    with latest_scores as (
        select customer_id, churn_probability, risk_tier, top_drivers
        from {analytics}.churn_scores
        where snapshot_date = @as_of
    ),

    worklist as (
        select
            kpis.customer_id,
            kpis.company_name,
            kpis.csm_owner,
            kpis.segment,
            kpis.company_size,
            kpis.uf,
            kpis.current_mrr,
            kpis.health_score,
            kpis.health_tier,
            kpis.renewal_date,
            kpis.adoption_rate,
            kpis.active_users_30d,
            kpis.events_30d,
            kpis.usage_trend_pct,
            kpis.modules_used_30d,
            kpis.tickets_90d,
            kpis.p1_tickets_90d,
            kpis.avg_csat_90d,
            kpis.last_nps,
            kpis.late_invoices_90d,
            kpis.avg_payment_delay_days_90d,
            latest_scores.churn_probability,
            latest_scores.risk_tier,
            latest_scores.top_drivers,
            latest_scores.churn_probability * kpis.current_mrr as mrr_at_risk
        from {analytics}.fct_clientes_kpis as kpis
        left join latest_scores
            on latest_scores.customer_id = kpis.customer_id
        where kpis.churn_status = 0
            and (@csm = '*' or kpis.csm_owner = @csm)
    ),

    filtered as (
        select *
        from worklist
        where (@risk_tier = '*' or risk_tier = @risk_tier)
            and (@health_tier = '*' or health_tier = @health_tier)
            and (@renewal_days = 0 or (renewal_date >= @as_of and renewal_date <= @renewal_until))
    )

    select
        filtered.*,
        count(*) over () as matched_customers,
        sum(current_mrr) over () as matched_mrr,
        sum(mrr_at_risk) over () as matched_mrr_at_risk
    from filtered
    order by mrr_at_risk desc nulls last, customer_id
    limit @row_limit
"""


def worklist(
    wh: Reader,
    csm: str = ALL,
    risk_tier: str = ALL,
    health_tier: str = ALL,
    renewal_days: int = 0,
    limit: int = 500,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A CSM's active accounts by MRR at risk (renewal_days = 0: any renewal date), and the totals."""
    as_of = as_of_date(wh)
    params = {
        "as_of": as_of,
        "csm": str(csm),
        "risk_tier": str(risk_tier),
        "health_tier": str(health_tier),
        "renewal_days": int(renewal_days),
        "renewal_until": as_of + pd.Timedelta(days=int(renewal_days)).to_pytimedelta(),
        "row_limit": int(limit),
    }
    frame = read(wh, WORKLIST_SQL, params, ("fct_clientes_kpis", "churn_scores"))
    first = frame.iloc[0].fillna(0) if not frame.empty else {}
    summary = {
        "customers": int(first.get("matched_customers", 0)),
        "mrr": float(first.get("matched_mrr", 0.0)),
        "mrr_at_risk": float(first.get("matched_mrr_at_risk", 0.0)),
        "as_of": as_of,
    }
    frame = frame.drop(columns=["matched_customers", "matched_mrr", "matched_mrr_at_risk"])
    for column in frame.columns.drop(
        [
            "customer_id",
            "company_name",
            "csm_owner",
            "segment",
            "company_size",
            "uf",
            "health_tier",
            "renewal_date",
            "risk_tier",
            "top_drivers",
        ]
    ):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["renewal_date"] = as_dates(frame["renewal_date"])
    frame["days_to_renewal"] = (frame["renewal_date"] - pd.Timestamp(as_of)).dt.days
    return frame.reset_index(drop=True), summary


def health_history(wh: Reader, customer_ids: tuple[str, ...], since: Any) -> pd.DataFrame:
    """Month-end health scores of some customers after `since` (the worklist's trend)."""
    if not customer_ids:
        return pd.DataFrame(columns=["customer_id", "snapshot_date", "health_score"])
    frame = read(
        wh,
        """
        select customer_id, snapshot_date, health_score
        from {analytics}.fct_clientes_snapshot_mensal
        where customer_id in unnest(@customer_ids)
            and snapshot_date > @since
        order by customer_id, snapshot_date
        """,
        {"customer_ids": list(customer_ids), "since": since},
        ("fct_clientes_snapshot_mensal",),
    )
    frame["snapshot_date"] = as_dates(frame["snapshot_date"])
    frame["health_score"] = pd.to_numeric(frame["health_score"]).astype(float)
    return frame


def renewal_calendar(wh: Reader, csm: str, start: Any, end: Any) -> pd.DataFrame:
    """Active accounts renewing in [start, end] per week and risk tier: customers and MRR."""
    frame = read(
        wh,
        """
        select
            kpis.renewal_date,
            coalesce(scores.risk_tier, 'baixo') as risk_tier,
            count(*) as customers,
            sum(kpis.current_mrr) as mrr
        from {analytics}.fct_clientes_kpis as kpis
        left join {analytics}.churn_scores as scores
            on scores.customer_id = kpis.customer_id
            and scores.snapshot_date = @start
        where kpis.churn_status = 0
            and (@csm = '*' or kpis.csm_owner = @csm)
            and kpis.renewal_date >= @start
            and kpis.renewal_date <= @end
        group by kpis.renewal_date, coalesce(scores.risk_tier, 'baixo')
        """,
        {"csm": str(csm), "start": start, "end": end},
        ("fct_clientes_kpis", "churn_scores"),
    )
    frame["renewal_date"] = as_dates(frame["renewal_date"])
    frame["week"] = frame["renewal_date"].dt.to_period("W-SUN").dt.start_time
    frame["mrr"] = pd.to_numeric(frame["mrr"]).astype(float)
    frame["customers"] = pd.to_numeric(frame["customers"]).astype("int64")
    return frame.groupby(["week", "risk_tier"], as_index=False)[["customers", "mrr"]].sum()
