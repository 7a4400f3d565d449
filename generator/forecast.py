"""The true churn probability as of a month end: P(churn within the next `horizon_days`).

`simulation.step` writes, per customer and month, the hazard of *that* month. The label
the churn model predicts is "churns within 90 days after the snapshot (the month end)",
and its true probability is the expectation, over the generator's own future
randomness, given everything the simulation knows at the month end: latent health z,
its mean-reversion level mu, the decline/boost regime in force and its months left,
the contract anniversary date, scheduled suspensions and the onboarding offset. It is
not a realised path: the health moves after the snapshot are integrated out.

How it is integrated (deterministic, no random numbers):

* The health moves as z' = z + a (mu - z) + noise + drift. Writing z_j = m_j + y_j, the
  mean path m_j (start value z, the drift of the regime in force) is per customer and
  the noise part y_j (y_0 = 0, y_j = (1 - a) y_{j-1} + N(0, s^2)) is the same process
  for every customer. y is discretised once on a grid (Tauchen) and carried forward
  month by month as a survival-weighted distribution (a small dynamic program per
  customer), so the product of monthly survivals is integrated exactly on the grid.
* Regimes are enumerated: the one in force runs out as in the simulation; in a month
  where none is in force a decline starts with DECLINE_START_P (magnitude at its mean,
  DECLINE_NODES = 1: 2-3 Gauss-Legendre nodes move the result by ~1e-4 on average;
  length classes 2..6 months cut at the horizon) or a boost with BOOST_START_P (its
  mean). Approximation: at most one *new* regime start inside the horizon (a second
  one needs two starts within 3 months, < 0.2%).
* The grid arithmetic is float32 (probabilities agree with float64 to ~1e-7).
* Monthly hazards are the simulation's (`month_hazards`): mid-term every month, the
  non-renewal hazard in the anniversary month (with that month's budget season), plus
  SUSPENDED_CHURN in a month the account starts suspended.
* Day-exact window: a mid-term churn falls on a uniform day of its month, a
  non-renewal on the contract end date, so a month only partly inside the window
  counts with the share of its days inside (the 90 days after Jan 31 reach May 1).

Approximations, each small and documented in generator/README.md (truth section):
suspensions are those already scheduled at the month end (invoices issued after it
can first block an account two months later, so only the third month is affected);
a mid-term upgrade that would move the anniversary out of the window (<= 1.4% a
month, healthy accounts) is ignored; a churn after a win-back inside the window is
not counted. `churn_probability_mc` is a brute-force Monte Carlo of the same
dynamics (any number of regime starts) that the tests use to bound the grid error.

The dynamics are the simulation's own: the constants of generator/params.py, the
functions of generator/health.py that `simulation.step` itself calls (`sigmoid`,
`health_step`, `month_hazards`, `onboarding_offset`) and `SimState.month_bounds`;
tests/generator/test_forecast.py replays a month of `step` with
the same random draws (z, regime, health and hazard).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from generator.health import health_step, month_hazards, onboarding_offset, sigmoid, sigmoid_
from generator.params import (
    BOOST_DRIFT,
    BOOST_MONTHS,
    BOOST_START_P,
    DECLINE_DRIFT,
    DECLINE_MONTHS,
    DECLINE_START_P,
    HEALTH_NOISE,
    HEALTH_REVERSION,
)
from generator.state import SimState

HORIZON_DAYS = 90  # the churn label's horizon (cs_ops_dbt var churn_horizon_days)

GRID_POINTS = 7  # noise grid points; tests bound the error against a fine grid and Monte Carlo
GRID_SPAN = 3.0  # the grid covers +-3 standard deviations of the noise at the horizon
DECLINE_NODES = 1  # Gauss-Legendre nodes for the decline magnitude (1 = its mean)
_GAUSS_LEGENDRE = {  # (node, weight) on [0, 1]
    1: ((0.5, 1.0),),
    2: ((0.5 - 0.5 / math.sqrt(3.0), 0.5), (0.5 + 0.5 / math.sqrt(3.0), 0.5)),
    3: ((0.5 - 0.5 * math.sqrt(0.6), 5 / 18), (0.5, 8 / 18), (0.5 + 0.5 * math.sqrt(0.6), 5 / 18)),
}


def _months(state: SimState, k: int, horizon_days: int):
    """The months after month k that the window (month end, month end + horizon] touches:
    [(year, month, d0, d1, share of the month's days inside the window)], window [w0, w1)."""
    _, _, _, w0 = state.month_bounds(k)
    w1 = w0 + horizon_days
    out = []
    j = 1
    while True:
        year, month, d0, d1 = state.month_bounds(k + j)
        if d0 >= w1:
            break
        out.append((year, month, d0, d1, (min(d1, w1) - d0) / (d1 - d0)))
        j += 1
    return out, w0, w1


def _known(c: dict, rows: np.ndarray, months, w0: int, w1: int):
    """Per future month: suspended at its start, anniversary inside it and inside the window."""
    s0, s1, end = c.susp_start[rows], c.susp_end[rows], c.ctr_end[rows]
    out = []
    for _, month, d0, d1, share in months:
        suspended = (s0 >= 0) & (s0 < d0) & (s1 >= d0)
        anniv = (end >= d0) & (end < d1)
        out.append((month, d0, share, suspended, anniv, anniv & (end >= w0) & (end < w1)))
    return out


def _grid(months: int, points: int):
    """Noise grid, the distribution of y_1 on it, and the transposed month-to-month transition
    (Tauchen: the mass of N(rho y, s^2) in each grid cell)."""

    rho, s = 1.0 - HEALTH_REVERSION, HEALTH_NOISE
    sd = s * math.sqrt(sum(rho ** (2 * i) for i in range(months)))
    y = np.linspace(-GRID_SPAN * sd, GRID_SPAN * sd, points)
    edges = np.concatenate([[-np.inf], (y[1:] + y[:-1]) / 2, [np.inf]])
    cdf = np.vectorize(NormalDist().cdf)
    # Sheppard's correction: binning to cells of width dy adds dy^2 / 12 of variance per month
    s_cell = math.sqrt(max(s * s - (y[1] - y[0]) ** 2 / 12.0, 0.25 * s * s))

    def rows(centres: np.ndarray) -> np.ndarray:
        return np.diff(cdf((edges[None, :] - centres[:, None]) / s_cell), axis=1)

    f32 = np.float32
    return y.astype(f32), rows(np.zeros(1))[0].astype(f32), np.ascontiguousarray(rows(rho * y).T, dtype=f32)


_GRIDS: dict[tuple[int, int], tuple] = {}


def churn_probability(
    state: SimState,
    k: int,
    rows: np.ndarray,
    horizon_days: int = HORIZON_DAYS,
    grid_points: int = GRID_POINTS,
    decline_nodes: int = DECLINE_NODES,
) -> np.ndarray:
    """P(churn within `horizon_days` after the end of month k) for customers `rows`, given the
    simulation state at the end of month k (after `step` for month k). NaN for customers that
    are not active at that month end."""
    c = state.customers
    rows = np.asarray(rows, np.int64)
    out = np.full(len(rows), np.nan)
    is_live = c.active[rows]
    live = rows[is_live]
    if len(live) == 0:
        return out
    months, w0, w1 = _months(state, k, horizon_days)
    key = (len(months), grid_points)
    if key not in _GRIDS:
        _GRIDS[key] = _grid(len(months), grid_points)
    y, first, trans_t = _GRIDS[key]
    known = _known(c, live, months, w0, w1)
    mu, signup = c.mu[live], c.signup[live]
    a = HEALTH_REVERSION
    n = len(live)
    lo, hi = DECLINE_DRIFT
    nodes = _GAUSS_LEGENDRE[decline_nodes]
    declines = [(lo + (hi - lo) * u, wt) for u, wt in nodes]
    boost = sum(BOOST_DRIFT) / 2
    lengths = np.arange(DECLINE_MONTHS[0], DECLINE_MONTHS[1] + 1)

    # a branch: weight, mean path m, drift, months left, survival-weighted noise distribution
    # (grid x customers), P(churn inside the window) so far
    base = {
        "w": np.ones(n),
        "m": c.z[live].astype(np.float64),
        "drift": c.drift[live].astype(np.float64),
        "left": c.drift_left[live].astype(np.int64),
        "pi": None,
        "acc": np.zeros(n),
    }
    branches = [base]
    total = len(months)
    for j, (month, d0, share, suspended, anniv, anniv_in) in enumerate(known):
        # regime starts, from the base lineage only (at most one new start inside the horizon)
        free = base["left"] == 0
        if free.any():
            remaining = total - j
            cut = np.minimum(lengths, remaining)
            spawned = [
                (DECLINE_START_P * float(np.mean(cut == length)) * wt, -mag, int(length))
                for length in np.unique(cut)
                for mag, wt in declines
            ]
            spawned.append((BOOST_START_P, boost, min(BOOST_MONTHS, remaining)))
            for p_start, drift, length in spawned:
                branches.append(
                    {
                        "w": base["w"] * free * p_start,
                        "m": base["m"],
                        "drift": np.full(n, drift),
                        "left": np.full(n, length, np.int64),
                        "pi": base["pi"],
                        "acc": base["acc"],
                    }
                )
            base["w"] = base["w"] * np.where(free, 1.0 - DECLINE_START_P - BOOST_START_P, 1.0)
        onb = onboarding_offset(d0, signup).astype(np.float32)
        ann = np.flatnonzero(anniv)
        susp_row = suspended[None, :]
        for br in branches:
            br["m"] = br["m"] + a * (mu - br["m"]) + np.where(br["left"] > 0, br["drift"], 0.0)
            br["left"] = np.maximum(br["left"] - 1, 0)
            # grid x customers, in float32 (probabilities to ~1e-7; halves the cost). The
            # (grid x customers) arrays are reused in place (same operations, same order).
            h = sigmoid_(np.add(y[:, None], (br["m"].astype(np.float32) - onb)[None, :]))
            p_mid, _ = month_hazards(h, susp_row, False, month)
            if len(ann):  # the few customers with their anniversary in this month
                _, p_ren = month_hazards(h[:, ann], suspended[None, ann], True, month)
                churn_ann = p_ren * anniv_in[None, ann] + p_mid[:, ann] * (1.0 - p_ren) * share
                stay_ann = (1.0 - p_mid[:, ann]) * (1.0 - p_ren)
            churn = np.multiply(p_mid, share, out=h)
            stay = np.subtract(1.0, p_mid, out=p_mid)
            if len(ann):
                churn[:, ann] = churn_ann
                stay[:, ann] = stay_ann
            pred = first[:, None] if br["pi"] is None else trans_t @ br["pi"]
            churn *= pred
            br["acc"] = br["acc"] + churn.sum(axis=0, dtype=np.float64)
            br["pi"] = np.multiply(pred, stay, out=stay)
    prob = sum(br["w"] * br["acc"] for br in branches)
    out[is_live] = np.clip(prob, 0.0, 1.0)
    return out


def churn_probability_mc(
    state: SimState,
    k: int,
    rows: np.ndarray,
    horizon_days: int = HORIZON_DAYS,
    paths: int = 2000,
    seed: int = 0,
) -> np.ndarray:
    """Brute-force Monte Carlo of the same quantity (any number of regime starts), for tests."""
    c = state.customers
    rows = np.asarray(rows, np.int64)
    out = np.full(len(rows), np.nan)
    live = rows[c.active[rows]]
    months, w0, w1 = _months(state, k, horizon_days)
    known = _known(c, live, months, w0, w1)
    rng = np.random.default_rng([seed, k])
    n = len(live)
    shape = (paths, n)
    z = np.broadcast_to(c.z[live], shape).copy()
    mu = c.mu[live]
    drift = np.broadcast_to(c.drift[live].astype(np.float64), shape).copy()
    left = np.broadcast_to(c.drift_left[live].astype(np.int64), shape).copy()
    alive = np.ones(shape, bool)
    churned = np.zeros(shape, bool)
    for month, d0, share, suspended, anniv, anniv_in in known:
        z, drift, left = health_step(
            z,
            mu,
            drift,
            left,
            rng.random(shape),
            rng.uniform(*DECLINE_DRIFT, shape),
            rng.uniform(*BOOST_DRIFT, shape),
            rng.integers(DECLINE_MONTHS[0], DECLINE_MONTHS[1] + 1, shape),
            rng.normal(0.0, HEALTH_NOISE, shape),
        )
        h = sigmoid(z - onboarding_offset(d0, c.signup[live]))
        p_mid, p_ren = month_hazards(h, suspended, anniv, month)
        u = rng.random(shape)
        churn = alive & (u < 1 - (1 - p_mid) * (1 - p_ren))
        at_anniv = churn & (u < p_ren)
        in_window = np.where(at_anniv, anniv_in, rng.random(shape) < share)
        churned |= churn & in_window
        alive &= ~churn
    out[c.active[rows]] = churned.mean(axis=0)
    return out


def horizon_months_touched(state: SimState, k: int, horizon_days: int = HORIZON_DAYS) -> int:
    """How many months after month k the window touches (3, or 4 when it spills a day)."""
    return len(_months(state, k, horizon_days)[0])


__all__ = [
    "HORIZON_DAYS",
    "churn_probability",
    "churn_probability_mc",
    "health_step",
    "horizon_months_touched",
    "month_hazards",
    "onboarding_offset",
]
