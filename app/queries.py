"""Every read the app and the executive report make, as plain functions of a warehouse reader.

No Streamlit here: the pages wrap these in `st.cache_data` (see app/data.py), the report
and the bench call them directly. SQL uses the warehouse placeholders `{analytics}` /
`{raw}` and `@name` bound parameters; values are never formatted into SQL text.
Filters use the string sentinel ALL ('*') instead of NULL so every parameter has a type
on both DuckDB and BigQuery.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import pandas as pd

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


def require(wh: Reader, *tables: str) -> None:
    """Raise DataUnavailable naming the recipe when an analytics table is missing."""
    for table in tables:
        if not wh.table_exists(table):
            raise DataUnavailable(
                f"table cs_ops_analytics.{table} not found", PRODUCED_BY.get(table, "just transform")
            )


# ---------------------------------------------------------------- executive view


def kpis_mensais(wh: Reader) -> pd.DataFrame:
    require(wh, "fct_kpis_mensais")
    frame = wh.query("select * from {analytics}.fct_kpis_mensais order by month")
    if frame.empty:
        raise DataUnavailable("fct_kpis_mensais is empty", "just dev")
    frame["month"] = as_dates(frame["month"])
    return frame


FILTER_COLUMNS = ("segment", "company_size", "uf", "csm_owner")


def filter_options(wh: Reader) -> dict[str, list[str]]:
    """Distinct values for the segment / size / UF / CSM filters (one round trip)."""
    require(wh, "dim_clientes")
    # the column names come from FILTER_COLUMNS, never from user input
    sql = "\nunion all\n".join(
        f"select '{column}' as filter_column, {column} as value from {{analytics}}.dim_clientes "
        f"where {column} is not null group by {column}"
        for column in FILTER_COLUMNS
    )
    frame = wh.query(sql)
    return {
        column: sorted(str(v) for v in frame.loc[frame["filter_column"] == column, "value"])
        for column in FILTER_COLUMNS
    }


def mrr_by_month(
    wh: Reader, segment: str = ALL, company_size: str = ALL, uf: str = ALL, csm: str = ALL
) -> pd.DataFrame:
    """MRR and its movements per month for the customers matching the filters.

    Only additive sums; the rates for a filtered slice are derived in `filtered_rates`.
    """
    require(wh, "fct_mrr_mensal", "dim_clientes")
    sql = """
        select
            mrr_mensal.month,
            sum(mrr_mensal.mrr) as mrr,
            sum(mrr_mensal.previous_mrr) as previous_mrr,
            sum(mrr_mensal.new_mrr) as new_mrr,
            sum(mrr_mensal.expansion_mrr) as expansion_mrr,
            sum(mrr_mensal.contraction_mrr) as contraction_mrr,
            sum(mrr_mensal.churned_mrr) as churned_mrr,
            sum(mrr_mensal.reactivation_mrr) as reactivation_mrr,
            sum(case when mrr_mensal.mrr > 0 then 1 else 0 end) as active_customers,
            sum(case when mrr_mensal.movement = 'churn' then 1 else 0 end) as churned_customers
        from {analytics}.fct_mrr_mensal as mrr_mensal
        inner join {analytics}.dim_clientes as clientes
            on clientes.customer_id = mrr_mensal.customer_id
        where (@segment = '*' or clientes.segment = @segment)
            and (@company_size = '*' or clientes.company_size = @company_size)
            and (@uf = '*' or clientes.uf = @uf)
            and (@csm = '*' or clientes.csm_owner = @csm)
        group by mrr_mensal.month
        order by mrr_mensal.month
    """
    frame = wh.query(sql, {"segment": segment, "company_size": company_size, "uf": uf, "csm": csm})
    frame["month"] = as_dates(frame["month"])
    for column in frame.columns.drop("month"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def filtered_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly rates for a filtered slice, from the additive sums of `mrr_by_month`.

    Same definitions as the dbt mart fct_kpis_mensais uses per month (start-of-month
    base = previous month's MRR / active customers); tests compare the unfiltered slice
    with the mart.
    """
    out = frame.copy()
    base_mrr = out["previous_mrr"].where(out["previous_mrr"] > 0)
    base_customers = out["active_customers"].shift(1).where(lambda s: s > 0)
    out["logo_churn_rate"] = out["churned_customers"] / base_customers
    out["gross_mrr_churn_rate"] = (out["churned_mrr"] + out["contraction_mrr"]) / base_mrr
    out["net_mrr_churn_rate"] = (
        out["churned_mrr"] + out["contraction_mrr"] - out["expansion_mrr"] - out["reactivation_mrr"]
    ) / base_mrr
    out["grr"] = 1 - out["gross_mrr_churn_rate"]
    out["nrr"] = 1 - out["net_mrr_churn_rate"]
    lost = out["churned_mrr"] + out["contraction_mrr"]
    out["quick_ratio"] = (out["new_mrr"] + out["expansion_mrr"] + out["reactivation_mrr"]) / lost.where(
        lost > 0
    )
    return out


def cohorts(wh: Reader) -> pd.DataFrame:
    require(wh, "fct_retencao_coortes")
    frame = wh.query(
        "select cohort_month, months_since_signup, customers, retained_customers, retention_rate "
        "from {analytics}.fct_retencao_coortes order by cohort_month, months_since_signup"
    )
    frame["cohort_month"] = as_dates(frame["cohort_month"])
    return frame


# ---------------------------------------------------------------- portfolio at risk

PORTFOLIO_SQL = """
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
        scores.churn_probability,
        scores.risk_tier,
        scores.top_drivers,
        scores.snapshot_date as scored_snapshot_date,
        scores.model_version
    from {analytics}.fct_clientes_kpis as kpis
    left join {analytics}.churn_scores as scores
        on scores.customer_id = kpis.customer_id
        and scores.snapshot_date = (select max(snapshot_date) from {analytics}.churn_scores)
    where kpis.churn_status = 0
"""


def portfolio(wh: Reader) -> pd.DataFrame:
    """Active customers with their latest churn score, ranked by MRR at risk."""
    require(wh, "fct_clientes_kpis", "churn_scores")
    frame = wh.query(PORTFOLIO_SQL)
    if frame.empty:
        raise DataUnavailable("no active customers in fct_clientes_kpis", "just dev")
    if frame["churn_probability"].notna().sum() == 0:
        raise DataUnavailable("churn_scores has no score for the current customers", "just score")
    frame["current_mrr"] = pd.to_numeric(frame["current_mrr"]).astype(float)
    frame["churn_probability"] = pd.to_numeric(frame["churn_probability"]).astype(float)
    frame["mrr_at_risk"] = frame["churn_probability"] * frame["current_mrr"]
    frame["renewal_date"] = as_dates(frame["renewal_date"])
    frame["drivers"] = frame["top_drivers"].map(drivers_text)
    return frame.sort_values(["mrr_at_risk", "customer_id"], ascending=[False, True]).reset_index(drop=True)


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


def filter_portfolio(
    frame: pd.DataFrame,
    segment: str = ALL,
    company_size: str = ALL,
    uf: str = ALL,
    csm: str = ALL,
    health_tier: str = ALL,
    search: str = "",
    min_probability: float = 0.0,
) -> pd.DataFrame:
    """The rows the at-risk table (and its CSV export) shows for the given filters."""
    mask = pd.Series(True, index=frame.index)
    for column, value in (
        ("segment", segment),
        ("company_size", company_size),
        ("uf", uf),
        ("csm_owner", csm),
        ("health_tier", health_tier),
    ):
        if value != ALL:
            mask &= frame[column] == value
    if min_probability > 0:
        mask &= frame["churn_probability"].fillna(0) >= min_probability
    search = (search or "").strip().lower()
    if search:
        haystack = frame["company_name"].fillna("").str.lower() + " " + frame["customer_id"].str.lower()
        mask &= haystack.str.contains(search, regex=False)
    return frame[mask]


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
    """CSV export of the filtered portfolio (UTF-8 BOM, ';' separator, decimal comma: pt-BR Excel)."""
    out = frame[EXPORT_COLUMNS].copy()
    out["renewal_date"] = out["renewal_date"].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, sep=";", decimal=",", float_format="%.4f").encode("utf-8-sig")


# ---------------------------------------------------------------- customer 360


def customer_snapshots(wh: Reader, customer_id: str) -> pd.DataFrame:
    """Month-end snapshots for one customer (the same features the model sees)."""
    require(wh, "fct_clientes_snapshot_mensal")
    frame = wh.query(
        "select * from {analytics}.fct_clientes_snapshot_mensal "
        "where customer_id = @customer_id order by snapshot_date",
        {"customer_id": customer_id},
    )
    frame["snapshot_date"] = as_dates(frame["snapshot_date"])
    return frame


def customer_mrr(wh: Reader, customer_id: str) -> pd.DataFrame:
    require(wh, "fct_mrr_mensal")
    frame = wh.query(
        "select * from {analytics}.fct_mrr_mensal where customer_id = @customer_id order by month",
        {"customer_id": customer_id},
    )
    frame["month"] = as_dates(frame["month"])
    return frame


def customer_kpis(wh: Reader, customer_id: str) -> pd.DataFrame:
    """One row: fct_clientes_kpis + dim_clientes contact fields + the latest churn score (if any)."""
    require(wh, "fct_clientes_kpis", "dim_clientes")
    sql = """
        select kpis.*, clientes.cnpj, clientes.city, clientes.contact_email
        from {analytics}.fct_clientes_kpis as kpis
        inner join {analytics}.dim_clientes as clientes
            on clientes.customer_id = kpis.customer_id
        where kpis.customer_id = @customer_id
    """
    frame = wh.query(sql, {"customer_id": customer_id})
    score = None
    if wh.table_exists("churn_scores"):
        score = wh.query(
            "select churn_probability, risk_tier, top_drivers, snapshot_date as scored_snapshot_date "
            "from {analytics}.churn_scores where customer_id = @customer_id "
            "order by snapshot_date desc limit 1",
            {"customer_id": customer_id},
        )
    for column in ("churn_probability", "risk_tier", "top_drivers", "scored_snapshot_date"):
        frame[column] = score[column].iloc[0] if score is not None and len(score) and len(frame) else None
    return frame


def customer_index(wh: Reader) -> pd.DataFrame:
    """customer_id + company_name for every customer (the 360 / simulator pickers)."""
    require(wh, "fct_clientes_kpis")
    return wh.query(
        "select customer_id, company_name, churn_status, current_mrr from {analytics}.fct_clientes_kpis "
        "order by company_name, customer_id"
    )


def optional_table(wh: Reader, table: str, customer_id: str, limit: int = 500) -> pd.DataFrame | None:
    """One customer's rows of an optional per-customer fact table (newest first); None if not built."""
    if not wh.table_exists(table):
        return None
    frame = wh.query(
        f"select * from {{analytics}}.{table} where customer_id = @customer_id",  # table: an app constant
        {"customer_id": customer_id},
    )
    dated = [c for c in frame.columns if c.endswith(("_at", "_date", "month")) and c != "signup_date"]
    if dated:
        frame = frame.sort_values(dated[0], ascending=False)
    return frame.head(limit).reset_index(drop=True)


# ---------------------------------------------------------------- data quality


def quality(wh: Reader) -> pd.DataFrame:
    require(wh, "fct_qualidade_dados")
    frame = wh.query("select * from {analytics}.fct_qualidade_dados order by table_name, batch_id")
    for column in ("raw_rows", "clean_rows", "duplicate_rows", "quarantined_rows"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    frame["reconciles"] = (
        frame["raw_rows"] == frame["clean_rows"] + frame["duplicate_rows"] + frame["quarantined_rows"]
    )
    return frame


def quarantine_summary(wh: Reader) -> pd.DataFrame:
    require(wh, "fct_quarentena")
    return wh.query(
        "select table_name, reason, count(*) as rows_quarantined from {analytics}.fct_quarentena "
        "group by table_name, reason order by rows_quarantined desc, table_name, reason"
    )


def quarantine_examples(wh: Reader, table_name: str, reason: str, limit: int = 10) -> pd.DataFrame:
    """The first quarantined rows of one table for one reason."""
    require(wh, "fct_quarentena")
    return wh.query(
        """
        select table_name, batch_id, record_key, reason, raw_values
        from {analytics}.fct_quarentena
        where table_name = @table_name and reason = @reason
        order by batch_id, record_key
        limit @row_limit
        """,
        {"table_name": table_name, "reason": reason, "row_limit": int(limit)},
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
