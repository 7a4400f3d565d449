"""Alert rules: which accounts need a look today, and what happened to alerted accounts.

Reads through a warehouse reader like app/queries.py (no Streamlit). "Today" is the date
of the newest scores (`queries.as_of_date`), the same date the worklist uses.

- risk_increase: churn probability up by at least RISK_UP_PP percentage points since the
  previous scoring run (churn_scores_history, one set of rows per `ml score` run).
- renewal_at_risk: renewal within RENEWAL_DAYS days at medium or high risk.
- detractors: an NPS answer of 0-6 in the last DETRACTOR_DAYS days.
- overdue actions come from the action log (app/actions.py).

Outcomes: accounts at medium/high risk in an earlier scoring run, split by whether the
team recorded an action on them, with the share that churned since. An observation, not
a causal effect: the team picks whom to act on.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from app.queries import Reader, as_dates, read

RISK_UP_PP = 10.0  # default threshold, in percentage points (the page lets the user change it)
RENEWAL_DAYS = 60
DETRACTOR_DAYS = 30
AT_RISK_TIERS = ("alto", "médio")
MAX_ROWS = 200
HISTORY_TABLE = "churn_scores_history"


def scoring_runs(wh: Reader) -> list[dt.date]:
    """The snapshot dates scored so far, newest first ([] before the first history row)."""
    if not wh.table_exists(HISTORY_TABLE):
        return []
    frame = read(
        wh,
        "select distinct snapshot_date from {analytics}.churn_scores_history order by snapshot_date desc",
    )
    return [pd.Timestamp(v).date() for v in frame["snapshot_date"]]


RISK_INCREASE_SQL = """
    with previous as (
        select customer_id, churn_probability
        from {analytics}.churn_scores_history
        where snapshot_date = @previous
        qualify row_number() over (partition by customer_id order by scored_at desc) = 1
    ),

    changes as (
        select
            kpis.customer_id,
            kpis.company_name,
            kpis.csm_owner,
            kpis.current_mrr,
            scores.risk_tier,
            previous.churn_probability as previous_probability,
            scores.churn_probability,
            (scores.churn_probability - previous.churn_probability) * 100 as change_pp
        from {analytics}.churn_scores as scores
        inner join previous
            on previous.customer_id = scores.customer_id
        inner join {analytics}.fct_clientes_kpis as kpis
            on kpis.customer_id = scores.customer_id
        where kpis.churn_status = 0
            and (@csm = '*' or kpis.csm_owner = @csm)
    )

    select *, count(*) over () as matched
    from changes
    where change_pp >= @min_pp
    order by change_pp * current_mrr desc, customer_id
    limit @row_limit
"""


def risk_increase(wh: Reader, previous: dt.date, min_pp: float, csm: str = "*") -> pd.DataFrame:
    """Active accounts whose churn probability rose by >= min_pp points since the `previous` run."""
    params = {"previous": previous, "min_pp": float(min_pp), "csm": str(csm), "row_limit": MAX_ROWS}
    return _numeric(read(wh, RISK_INCREASE_SQL, params, (HISTORY_TABLE, "churn_scores")))


RENEWAL_SQL = """
    select
        kpis.customer_id,
        kpis.company_name,
        kpis.csm_owner,
        kpis.current_mrr,
        kpis.renewal_date,
        scores.risk_tier,
        scores.churn_probability,
        count(*) over () as matched
    from {analytics}.fct_clientes_kpis as kpis
    inner join {analytics}.churn_scores as scores
        on scores.customer_id = kpis.customer_id
    where kpis.churn_status = 0
        and (@csm = '*' or kpis.csm_owner = @csm)
        and scores.snapshot_date = @as_of
        and scores.risk_tier in unnest(@tiers)
        and kpis.renewal_date >= @as_of
        and kpis.renewal_date <= @until
    order by kpis.renewal_date, kpis.customer_id
    limit @row_limit
"""


def renewals_at_risk(wh: Reader, as_of: dt.date, csm: str = "*") -> pd.DataFrame:
    """Active accounts at medium/high risk renewing within RENEWAL_DAYS days of as_of."""
    params = {
        "as_of": as_of,
        "until": as_of + dt.timedelta(days=RENEWAL_DAYS),
        "tiers": list(AT_RISK_TIERS),
        "csm": str(csm),
        "row_limit": MAX_ROWS,
    }
    frame = _numeric(read(wh, RENEWAL_SQL, params, ("fct_clientes_kpis", "churn_scores")))
    frame["renewal_date"] = as_dates(frame["renewal_date"])
    return frame


DETRACTORS_SQL = """
    select
        kpis.customer_id,
        kpis.company_name,
        kpis.csm_owner,
        kpis.current_mrr,
        nps.answered_date,
        nps.score,
        nps.comment,
        count(*) over () as matched
    from {analytics}.fct_nps_respostas as nps
    inner join {analytics}.fct_clientes_kpis as kpis
        on kpis.customer_id = nps.customer_id
    where kpis.churn_status = 0
        and (@csm = '*' or kpis.csm_owner = @csm)
        and nps.score <= 6
        and nps.answered_date > @since
        and nps.answered_date <= @as_of
    order by nps.answered_date desc, kpis.customer_id
    limit @row_limit
"""


def detractors(wh: Reader, as_of: dt.date, csm: str = "*") -> pd.DataFrame:
    """NPS answers of 0-6 from active accounts in the DETRACTOR_DAYS days up to as_of."""
    params = {
        "as_of": as_of,
        "since": as_of - dt.timedelta(days=DETRACTOR_DAYS),
        "csm": str(csm),
        "row_limit": MAX_ROWS,
    }
    frame = _numeric(read(wh, DETRACTORS_SQL, params, ("fct_nps_respostas", "fct_clientes_kpis")))
    frame["answered_date"] = as_dates(frame["answered_date"])
    return frame


OUTCOME_SQL = """
    with alerted as (
        select customer_id
        from {analytics}.churn_scores_history
        where snapshot_date = @alerted_at
            and risk_tier in unnest(@tiers)
        group by customer_id
    )

    select
        alerted.customer_id,
        case when kpis.churned_at > @alerted_at then 1 else 0 end as churned_since
    from alerted
    inner join {analytics}.fct_clientes_kpis as kpis
        on kpis.customer_id = alerted.customer_id
"""


def outcomes(wh: Reader, alerted_at: dt.date, acted_on: set[str]) -> pd.DataFrame:
    """Accounts at medium/high risk in the run of `alerted_at`: churn rate with vs without an action.

    One row per group (with_action true/false): accounts, churned, churn_rate.
    """
    params = {"alerted_at": alerted_at, "tiers": list(AT_RISK_TIERS)}
    frame = read(wh, OUTCOME_SQL, params, (HISTORY_TABLE, "fct_clientes_kpis"))
    frame["with_action"] = frame["customer_id"].isin(acted_on)
    frame["churned_since"] = pd.to_numeric(frame["churned_since"]).astype("int64")
    summary = frame.groupby("with_action")["churned_since"].agg(accounts="size", churned="sum")
    summary = summary.reindex([True, False], fill_value=0).reset_index()
    summary["churn_rate"] = summary["churned"] / summary["accounts"].where(summary["accounts"] > 0)
    return summary


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("current_mrr", "churn_probability", "previous_probability", "change_pp", "score"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column]).astype(float)
    if "matched" in frame:
        frame["matched"] = pd.to_numeric(frame["matched"]).astype("int64")
    return frame


def matched(frame: pd.DataFrame) -> int:
    return int(frame["matched"].iloc[0]) if len(frame) else 0
