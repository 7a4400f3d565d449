"""What-if scenarios for the Simulador: a customer's model input row with changed drivers."""

from __future__ import annotations

import pandas as pd


def scenario_row(
    base: pd.Series,
    usage_change: float,
    seats: int,
    tickets_90d: int,
    last_nps: float,
    payment_delay_days: float,
) -> pd.Series:
    """The customer's current features with the what-if changes applied.

    usage_change is a fraction (-0.5 = half the usage): it scales events and active
    users in 30 days, moves the 90-day usage trend accordingly and recomputes adoption
    over the (possibly changed) seats.
    """
    row = base.copy()
    factor = max(0.0, 1.0 + usage_change)
    if pd.notna(row.get("events_30d")):
        row["events_30d"] = float(row["events_30d"]) * factor
    if pd.notna(row.get("active_users_30d")):
        row["active_users_30d"] = min(float(seats), round(float(row["active_users_30d"]) * factor))
    trend = row.get("usage_trend_pct")
    row["usage_trend_pct"] = (1.0 + (0.0 if pd.isna(trend) else float(trend))) * factor - 1.0
    row["seats"] = float(seats)
    if pd.notna(row.get("active_users_30d")) and seats > 0:
        row["adoption_rate"] = min(1.0, float(row["active_users_30d"]) / seats)
    row["tickets_90d"] = float(tickets_90d)
    if pd.notna(row.get("p1_tickets_90d")):
        row["p1_tickets_90d"] = min(float(row["p1_tickets_90d"]), float(tickets_90d))
    row["last_nps"] = float(last_nps)
    row["avg_payment_delay_days_90d"] = float(payment_delay_days)
    return row
