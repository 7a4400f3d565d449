"""What-if scenarios for the Simulador: a customer's model input row with its levers moved.

Only levers a CSM can move: usage, adoption (active users of the contracted seats),
tickets, NPS and overdue invoices. Seats, segment, size, UF, plan and MRR are context and
are never changed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Levers:
    usage_change: float  # fraction: -0.5 = half the usage events
    adoption: float  # share of the seats active in 30 days, 0..1
    tickets_90d: int
    last_nps: float
    overdue_invoices: int


def current_levers(base: pd.Series) -> Levers:
    def value(column: str, fallback: float) -> float:
        raw = base.get(column)
        return fallback if raw is None or pd.isna(raw) else float(raw)

    return Levers(
        usage_change=0.0,
        adoption=min(1.0, max(0.0, value("adoption_rate", 0.0))),
        tickets_90d=int(value("tickets_90d", 0)),
        last_nps=value("last_nps", 7.0),
        overdue_invoices=int(max(value("open_overdue_invoices", 0), value("late_invoices_90d", 0))),
    )


def slider_levers(now: Levers) -> Levers:
    """Where the Simulador's sliders start: the current levers in the sliders' whole steps."""
    return Levers(
        usage_change=0.0,
        adoption=round(now.adoption * 100) / 100,
        tickets_90d=now.tickets_90d,
        last_nps=float(round(min(10.0, max(0.0, now.last_nps)))),
        overdue_invoices=now.overdue_invoices,
    )


def _usage(row: pd.Series, change: float) -> None:
    """Scale the 30-day usage events, and move the 90-day usage trend (percent) by the same factor."""
    factor = max(0.0, 1.0 + change)
    if pd.notna(row.get("events_30d")):
        row["events_30d"] = float(row["events_30d"]) * factor
    trend = row.get("usage_trend_pct")
    row["usage_trend_pct"] = (100.0 + (0.0 if pd.isna(trend) else float(trend))) * factor - 100.0


def _adoption(row: pd.Series, adoption: float) -> None:
    """Set the active users over the unchanged seats."""
    seats = row.get("seats")
    if pd.notna(seats) and float(seats) > 0:
        row["active_users_30d"] = float(round(adoption * float(seats)))
        row["adoption_rate"] = row["active_users_30d"] / float(seats)


def _tickets(row: pd.Series, tickets: float) -> None:
    row["tickets_90d"] = float(tickets)
    if pd.notna(row.get("p1_tickets_90d")):
        row["p1_tickets_90d"] = min(float(row["p1_tickets_90d"]), float(tickets))


def _nps(row: pd.Series, nps: float) -> None:
    row["last_nps"] = float(nps)


def _overdue(row: pd.Series, invoices: float) -> None:
    """Set both the late and the open overdue counts (0 also clears the days overdue)."""
    row["late_invoices_90d"] = float(invoices)
    row["open_overdue_invoices"] = float(invoices)
    if invoices == 0:
        row["max_days_overdue_open"] = 0.0


LEVER_EFFECTS: dict[str, Callable[[pd.Series, float], None]] = {
    "usage_change": _usage,
    "adoption": _adoption,
    "tickets_90d": _tickets,
    "last_nps": _nps,
    "overdue_invoices": _overdue,
}


def scenario_row(base: pd.Series, levers: Levers, start: Levers | None = None) -> pd.Series:
    """The customer's current features with the levers applied (the input row is not changed).

    With `start` (where the Simulador's sliders started), a lever left at its start changes
    nothing: a slider shows a lever rounded, and one lever stands for two features (overdue
    invoices: late and open), so applying it would move a customer nobody touched.
    """
    row = base.copy()
    for name, apply in LEVER_EFFECTS.items():
        value = getattr(levers, name)
        if start is None or value != getattr(start, name):
            apply(row, value)
    return row


# Each lever: how a value replaces it, the grid it is checked on, and the direction risk
# should move when the lever goes up (+1 raises risk, -1 lowers it).
LEVER_CHECKS: dict[str, tuple[Callable[[Levers, float], Levers], list[float], int]] = {
    "usage_change": (lambda lv, v: _with(lv, usage_change=v), [-0.8, -0.4, 0.0, 0.4, 0.8], -1),
    "adoption": (lambda lv, v: _with(lv, adoption=v), [0.1, 0.3, 0.5, 0.7, 0.9], -1),
    "tickets_90d": (lambda lv, v: _with(lv, tickets_90d=int(v)), [0, 3, 6, 10, 20], +1),
    "last_nps": (lambda lv, v: _with(lv, last_nps=v), [0, 3, 6, 8, 10], -1),
    "overdue_invoices": (lambda lv, v: _with(lv, overdue_invoices=int(v)), [0, 1, 2, 3], +1),
}
TOLERANCE = 0.002  # probability moves smaller than 0.2 p.p. are noise, not a reversal


def _with(levers: Levers, **changes: float) -> Levers:
    return Levers(**{**levers.__dict__, **changes})


def monotonicity_rows(base: pd.Series, levers: Levers) -> pd.DataFrame:
    """One input row per (lever, grid value), index 'lever:i', for one batch prediction."""
    rows, index = [], []
    for name, (apply, grid, _) in LEVER_CHECKS.items():
        for i, value in enumerate(grid):
            rows.append(scenario_row(base, apply(levers, value)))
            index.append(f"{name}:{i}")
    return pd.DataFrame(rows, index=index)


def reversed_levers(probabilities: pd.Series) -> list[str]:
    """The levers along which the model's probability moves against the expected direction."""
    found = []
    for name, (_, grid, direction) in LEVER_CHECKS.items():
        values = np.array([float(probabilities[f"{name}:{i}"]) for i in range(len(grid))])
        steps = np.diff(values) * direction
        if (steps < -TOLERANCE).any():
            found.append(name)
    return found
