"""Synthetic customer-month snapshots of the mart's shape, with a known churn hazard.

Used by the tests and the bench (and to develop before the real mart exists). The
returned `truth` frame has the generator's truth layout (id_cliente, mes, churn_hazard)
so the oracle code path is the same one used on generator data.

Each customer has a latent engagement that drifts month to month; the observed
features are noisy views of it, and the monthly churn hazard for month t+1 depends
on the state at the end of month t. Labels follow the mart's definition: churn
within the next `horizon_months` months after the snapshot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.dbt import project_var

SEGMENTS = np.array(["varejo", "indústria", "serviços", "agronegócio", "saúde"])
SIZES = np.array(["pequena", "média", "grande"])
UFS = np.array(["SP", "RJ", "MG", "PR", "RS", "SC", "BA", "PE", "GO", "DF"])
PLANS = np.array(["essencial", "profissional", "enterprise"])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def make_snapshots(
    customers: int = 2000,
    months: int = 24,
    seed: int = 0,
    start: str = "2024-01-01",
    horizon_months: int = 3,
    base_logit: float = -3.6,
    logit_drift_per_month: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (snapshots, truth). Snapshots look like fct_clientes_snapshot_mensal.

    `logit_drift_per_month` shifts the churn level over time (e.g. a worsening market),
    the situation in which calibrating on the newest training months matters.
    """
    rng = np.random.default_rng(seed)
    n = customers
    month_starts = pd.date_range(start, periods=months + 1, freq="MS")
    month_ends = month_starts[1:] - pd.Timedelta(days=1)

    size_idx = rng.choice(3, n, p=[0.55, 0.32, 0.13])
    plan_idx = np.minimum(size_idx + rng.choice([-1, 0, 1], n, p=[0.2, 0.6, 0.2]), 2).clip(0)
    segment = SEGMENTS[rng.integers(0, len(SEGMENTS), n)]
    uf = UFS[rng.choice(len(UFS), n, p=[0.35, 0.12, 0.12, 0.08, 0.07, 0.06, 0.06, 0.05, 0.05, 0.04])]
    seats = np.round(np.exp(rng.normal(1.8 + 1.1 * size_idx, 0.4))).clip(1)
    price = np.array([90.0, 140.0, 220.0])[plan_idx]
    signup_offset = rng.integers(-36, months // 2, n)  # months since start (negative = before)
    renewal_month = rng.integers(0, 12, n)
    segment_risk = (
        pd.Series(segment)
        .map({"varejo": 0.25, "indústria": -0.1, "serviços": 0.1, "agronegócio": -0.2, "saúde": 0.0})
        .to_numpy()
    )

    z = rng.normal(0.0, 1.0, n)  # latent engagement
    events_hist: list[np.ndarray] = []
    alive = np.ones(n, dtype=bool)
    churn_month = np.full(n, -1)
    rows: list[pd.DataFrame] = []
    truth_rows: list[pd.DataFrame] = []
    late_prev = np.zeros(n)
    for t in range(months):
        z = 0.85 * z + rng.normal(0.0, 0.45, n) - 0.03
        active_now = alive & (signup_offset <= t)
        tenure = (t - signup_offset).clip(0)
        adoption = _sigmoid(0.9 * z + 0.6 + rng.normal(0, 0.25, n))
        active_users = np.round(seats * adoption)
        events = np.round(active_users * rng.gamma(4.0, 12.0, n) * np.exp(0.3 * z))
        events_hist.append(events)
        base = events_hist[t - 3] if t >= 3 else events_hist[0]
        usage_trend = np.where(base > 0, events / np.maximum(base, 1) - 1, 0.0)
        modules = np.clip(np.round(2 + plan_idx + 1.2 * z + rng.normal(0, 0.8, n)), 1, 8)
        licensed = np.maximum(modules, 3 + 2 * plan_idx)  # by plan (no extra random draws)
        tickets = rng.poisson(np.exp(0.4 + 0.3 * size_idx - 0.35 * z))
        p1 = rng.binomial(tickets, _sigmoid(-2.2 - 0.6 * z))
        csat = np.clip(4.0 + 0.5 * z + rng.normal(0, 0.5, n), 1, 5)
        csat = np.where(tickets > 0, csat, np.nan)
        first_response = np.exp(rng.normal(1.5 - 0.1 * z, 0.5, n))
        first_response = np.where(tickets > 0, first_response, np.nan)
        nps = np.clip(np.round(7 + 2.0 * z + rng.normal(0, 1.5, n)), 0, 10)
        nps = np.where(rng.random(n) < 0.35, np.nan, nps)
        late = rng.poisson(np.exp(-1.6 - 0.7 * z) + 0.3 * late_prev)
        late_prev = late
        delay = np.where(late > 0, rng.gamma(2.0, 6.0, n) * (1 + late), 0.0)
        failed = rng.binomial(late, 0.35)
        # the failed ones are still open at the month end, as late as the average delay
        # (no extra random draws: the other columns stay those of earlier versions)
        open_overdue = failed
        max_overdue = np.where(failed > 0, np.round(delay), 0.0)
        months_to_renewal = (renewal_month - t) % 12
        days_to_renewal = months_to_renewal * 30 + rng.integers(0, 30, n)
        mrr = seats * price * np.exp(rng.normal(0, 0.05, n))
        health = np.clip(55 + 18 * np.tanh(z) - 6 * p1 - 5 * late + rng.normal(0, 8, n), 0, 100)

        logit = (
            base_logit
            + logit_drift_per_month * t
            - 1.1 * z
            + 0.9 * (p1 >= 2)  # thresholds and interactions a linear model misses
            + 0.5 * np.minimum(late, 3) * (size_idx == 0)
            + 1.4 * (months_to_renewal == 0) * (adoption < 0.5)
            - 1.2 * np.minimum(usage_trend, 0.0) * (usage_trend < -0.3)  # sharp usage drops add risk
            - 0.25 * size_idx
            + segment_risk
            - 0.02 * np.minimum(tenure, 36)
        )
        hazard_next = _sigmoid(logit)  # churn probability during month t+1

        idx = np.flatnonzero(active_now)
        rows.append(
            pd.DataFrame(
                {
                    "customer_id": np.char.add("C", idx.astype(str)),
                    "snapshot_date": month_ends[t],
                    "segment": segment[idx],
                    "company_size": SIZES[size_idx[idx]],
                    "uf": uf[idx],
                    "plan": PLANS[plan_idx[idx]],
                    "tenure_months": tenure[idx].astype(float),
                    "mrr": mrr[idx],
                    "seats": seats[idx],
                    "active_users_30d": active_users[idx],
                    "adoption_rate": adoption[idx],
                    "events_30d": events[idx],
                    "usage_trend_pct": 100 * usage_trend[idx],  # percent, like the mart
                    "modules_used_30d": modules[idx],
                    "licensed_modules": licensed[idx],
                    "tickets_90d": tickets[idx].astype(float),
                    "p1_tickets_90d": p1[idx].astype(float),
                    "avg_csat_90d": csat[idx],
                    "avg_first_response_hours_90d": first_response[idx],
                    "last_nps": nps[idx],
                    "late_invoices_90d": late[idx].astype(float),
                    "avg_payment_delay_days_90d": delay[idx],
                    "failed_payments_90d": failed[idx].astype(float),
                    "open_overdue_invoices": open_overdue[idx].astype(float),
                    "max_days_overdue_open": max_overdue[idx],
                    "days_to_renewal": days_to_renewal[idx].astype(float),
                    "health_score": health[idx],
                    "_t": t,
                }
            )
        )
        truth_rows.append(
            pd.DataFrame(
                {
                    "id_cliente": np.char.add("C", idx.astype(str)),
                    "mes": month_starts[t + 1],
                    "churn_hazard": hazard_next[idx],
                }
            )
        )
        churned = active_now & (rng.random(n) < hazard_next)
        churn_month[churned] = t + 1
        alive &= ~churned

    snaps = pd.concat(rows, ignore_index=True)
    cid = snaps["customer_id"].str[1:].astype(int).to_numpy()
    cm = churn_month[cid]
    t = snaps["_t"].to_numpy()
    snaps["churn_status"] = ((cm > t) & (cm <= t + horizon_months)).astype(int)
    snaps["is_label_complete"] = t + horizon_months <= months - 1
    attention, healthy = (float(project_var(f"health_tier_{k}_min")) for k in ("attention", "healthy"))
    snaps["health_tier"] = pd.cut(  # the mart's rule (int_clientes__mensal): >= healthy, >= attention
        snaps["health_score"],
        [-np.inf, attention, healthy, np.inf],
        right=False,
        labels=["risco", "atenção", "saudável"],
    ).astype(str)
    snaps = snaps.drop(columns="_t")
    truth = pd.concat(truth_rows, ignore_index=True)
    truth["mes"] = pd.to_datetime(truth["mes"]).dt.date
    return snaps, truth
