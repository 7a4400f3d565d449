"""Latent health and the churn hazard: the dynamics `simulation.step` draws from and
`forecast` integrates (one definition for both, so the truth's probabilities are the
simulation's own).

Health h = sigmoid(z - onboarding offset); z mean-reverts to a per-customer level with
noise, declines and recoveries (`health_step`); the monthly churn hazards follow from h
(`month_hazards`).
"""

from __future__ import annotations

import numpy as np

from generator.params import (
    BOOST_MONTHS,
    BOOST_START_P,
    CHURN_CENTER,
    CHURN_FLOOR,
    CHURN_MID_SCALE,
    CHURN_RENEWAL_BASE,
    CHURN_RENEWAL_SCALE,
    CHURN_SLOPE,
    DAYS_PER_MONTH,
    DECLINE_START_P,
    HEALTH_REVERSION,
    ONBOARDING_MONTHS,
    ONBOARDING_OFFSET,
    RENEWAL_SEASON,
    SUSPENDED_CHURN,
)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) computed in x's own memory (a float array this caller owns), the same
    operations in the same order, so bit-identical to sigmoid(x)."""
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    return np.divide(1.0, x, out=x)


def onboarding_offset(day0: int, signup: np.ndarray) -> np.ndarray:
    """How much weaker (logit scale) a customer is in the month starting on day0."""
    tenure = (day0 - signup) / DAYS_PER_MONTH
    return np.where(
        tenure < ONBOARDING_MONTHS,
        ONBOARDING_OFFSET * (ONBOARDING_MONTHS - np.clip(tenure, 0, ONBOARDING_MONTHS)) / ONBOARDING_MONTHS,
        0.0,
    )


def health_step(z, mu, drift, left, r, decline, boost, decline_len, noise):
    """One month of latent health (simulation._move_health) from uniform r, the decline/boost magnitudes and
    decline lengths drawn for every customer, and the noise; returns (z, drift, months left).

    A regime (decline or boost) starts only when none is in force; z mean-reverts to mu."""
    start_decline = (left == 0) & (r < DECLINE_START_P)
    start_boost = (left == 0) & (r >= DECLINE_START_P) & (r < DECLINE_START_P + BOOST_START_P)
    drift = np.where(start_decline, -decline, np.where(start_boost, boost, drift))
    left = np.where(start_decline, decline_len, np.where(start_boost, BOOST_MONTHS, left))
    z = z + HEALTH_REVERSION * (mu - z) + noise + np.where(left > 0, drift, 0.0)
    return z, drift, np.maximum(left - 1, 0)


def month_hazards(h, suspended, anniv, month: int):
    """(mid-term hazard, non-renewal hazard) of a month (simulation._draw_churn): the mid-term one every month
    (plus SUSPENDED_CHURN while suspended), the non-renewal one in the anniversary month with
    that month's budget season. `anniv` may be False (no anniversary): the second is then 0.0."""
    h = np.asarray(h)
    # in place on fresh temporaries, each expression's operations in their written order
    risk = np.subtract(CHURN_CENTER, h)
    risk *= CHURN_SLOPE
    risk = sigmoid_(risk)  # sigmoid(CHURN_SLOPE * (CHURN_CENTER - h))
    suspended_term = np.where(suspended, SUSPENDED_CHURN, 0.0).astype(h.dtype, copy=False)
    p_mid = np.multiply(CHURN_MID_SCALE, risk)
    p_mid += CHURN_FLOOR
    # + suspended_term: CHURN_FLOOR + CHURN_MID_SCALE * risk + suspended_term (in place unless
    # `suspended` broadcasts to a larger shape than h)
    grows = np.broadcast_shapes(p_mid.shape, suspended_term.shape) != p_mid.shape
    p_mid = np.add(p_mid, suspended_term, out=None if grows else p_mid)
    if anniv is False:
        return p_mid, 0.0
    season = float(RENEWAL_SEASON[month - 1])
    p_ren = np.where(anniv, season * (CHURN_RENEWAL_BASE + CHURN_RENEWAL_SCALE * risk), 0.0)
    return p_mid, p_ren.astype(h.dtype, copy=False)
