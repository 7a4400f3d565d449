"""Day arithmetic (days since 1970-01-01) and the Brazilian business calendar.

Day weights drive the seasonality of usage and tickets: weekends are quiet, Carnaval
and the national holidays are quiet, the last week of December is slow, and the
first working days of a month (fiscal closing) are busy.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
from dateutil.easter import easter

EPOCH = dt.date(1970, 1, 1)


def day_of(date: dt.date) -> int:
    return (date - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def month_start(year: int, month: int, offset: int = 0) -> int:
    index = year * 12 + (month - 1) + offset
    return day_of(dt.date(index // 12, index % 12 + 1, 1))


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Same day-of-month `months` later (clamped to the month's last day)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + np.asarray(months).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return (target.astype("datetime64[D]").astype(np.int64) + np.minimum(dom, length - 1)).astype(np.int64)


def month_index(days: np.ndarray, year: int, month: int) -> np.ndarray:
    """Months between the month containing each day and (year, month)."""
    m = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return m - ((year - 1970) * 12 + month - 1)


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[int, float]:
    weights: dict[int, float] = {}
    e = easter(year)
    for delta, weight in (
        (-48, 0.25),
        (-47, 0.2),
        (-46, 0.6),
        (-2, 0.2),
    ):  # Carnaval Mon/Tue, Ash Wed, Good Friday
        weights[day_of(e + dt.timedelta(days=delta))] = weight
    for month, day in ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25)):
        weights[day_of(dt.date(year, month, day))] = 0.15
    for day in range(24, 32):
        weights.setdefault(day_of(dt.date(year, 12, day)), 0.45 if day not in (24, 31) else 0.2)
    return weights


def day_weights(first_day: int, last_day_exclusive: int) -> np.ndarray:
    """Relative business activity of each day in [first_day, last_day_exclusive)."""
    days = np.arange(first_day, last_day_exclusive, dtype=np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday -> Monday = 0
    weights = np.where(weekday == 5, 0.18, np.where(weekday == 6, 0.07, 1.0))
    dom = np.array([date_of(d).day for d in days])
    weights = np.where(dom <= 5, weights * 1.25, weights)  # fiscal closing of the previous month
    for i, day in enumerate(days):
        year = date_of(day).year
        special = _holidays(year).get(int(day))
        if special is not None:
            weights[i] = min(weights[i], special)
    return weights


# hour-of-day profile in Brasília time (UTC-3): business hours with a lunch dip
_HOURS_BRT = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
        0.6,
        2.0,
        6.0,
        9.0,
        9.5,
        8.0,
        4.5,
        6.5,
        9.0,
        9.0,
        8.5,
        7.0,
        4.0,
        2.0,
        1.5,
        1.0,
        0.6,
        0.4,
    ]
)
HOUR_CDF = np.cumsum(_HOURS_BRT) / _HOURS_BRT.sum()
BRT_OFFSET_HOURS = 3
