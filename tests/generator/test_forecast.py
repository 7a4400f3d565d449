"""generator/forecast.py: the true P(churn within 90 days after a month end).

The health and hazard functions forecast.py integrates (generator/health.py, the ones
simulation.step calls) are checked by replaying a real month with the same random draws; the grid
integration against a fine grid and a brute-force Monte Carlo; and the probability
itself against realised churn."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from generator import forecast, health, params
from generator import simulation as sim


def _run(seed: int, customers: int, months: int, start=(2024, 1)):
    state = sim.new_state(seed, customers, start)
    outs = []
    for _ in range(months):
        outs.append(sim.step(state))
    return state, outs


def test_health_step_and_hazards_replay_a_real_month() -> None:
    state, _ = _run(seed=11, customers=1500, months=4)
    before = copy.deepcopy(state.customers)
    k = state.next_month
    _, month, d0, d1 = state.month_bounds(k)
    out = sim.step(state)
    after = state.customers
    n_before, n = len(before.z), len(after.z)
    # the same draws, in the order simulation._move_health takes them
    rng = sim.rng_for(state.seed, k, "health")
    r = rng.random(n)
    decline = rng.uniform(*forecast.DECLINE_DRIFT, n)
    boost = rng.uniform(*forecast.BOOST_DRIFT, n)
    length = rng.integers(forecast.DECLINE_MONTHS[0], forecast.DECLINE_MONTHS[1] + 1, n)
    noise = rng.normal(0.0, params.HEALTH_NOISE, n)
    cut = slice(0, n_before)
    z, drift, left = health.health_step(
        before.z, before.mu, before.drift, before.drift_left.astype(np.int64),
        r[cut], decline[cut], boost[cut], length[cut], noise[cut],
    )  # fmt: skip
    reactivated = after.react_day[:n_before] >= d0  # a win-back resets z to mu after the health move
    np.testing.assert_array_equal(z[~reactivated], after.z[:n_before][~reactivated])
    np.testing.assert_array_equal(drift, after.drift[:n_before])
    np.testing.assert_array_equal(left, after.drift_left[:n_before])
    assert (left != before.drift_left).any() and (r[cut] < params.DECLINE_START_P).sum() > 10

    # the truth's health and hazard follow from the state with the same functions
    truth = out["truth"].to_pandas()
    idx = truth["id_cliente"].str[4:].astype(int).to_numpy() - 1
    old = idx < n_before
    at_risk = np.zeros(len(idx), bool)
    at_risk[old] = before.active[idx[old]] & (before.signup[idx[old]] < d0)
    i = idx[at_risk]
    z_month = np.where(reactivated[i], z[i], after.z[i])
    h = health.sigmoid(z_month - health.onboarding_offset(d0, before.signup[i]))
    np.testing.assert_allclose(truth["health"].to_numpy()[at_risk], h, atol=1e-6)
    s0, s1 = before.susp_start[i], before.susp_end[i]
    suspended = (s0 >= 0) & (s0 < d0) & (s1 >= d0)
    anniv = (before.ctr_end[i] >= d0) & (before.ctr_end[i] < d1)
    p_mid, p_ren = health.month_hazards(h, suspended, anniv, month)
    hazard = 1 - (1 - p_mid) * (1 - p_ren)
    np.testing.assert_allclose(truth["churn_hazard"].to_numpy()[at_risk], hazard, atol=2e-6)
    assert anniv.sum() > 50 and suspended.sum() > 0


@pytest.fixture(scope="module")
def mid_run():
    state, _ = _run(seed=5, customers=1200, months=5)
    k = state.next_month - 1
    rows = np.flatnonzero(state.customers.active)
    return state, k, rows


def test_grid_integration_matches_a_fine_grid_and_monte_carlo(mid_run) -> None:
    state, k, rows = mid_run
    p = forecast.churn_probability(state, k, rows)
    fine = forecast.churn_probability(state, k, rows, grid_points=41, decline_nodes=3)
    assert np.abs(p - fine).max() < 2e-3 and np.abs(p - fine).mean() < 3e-4
    paths = 3000
    mc = forecast.churn_probability_mc(state, k, rows, paths=paths, seed=1)
    se = np.sqrt(np.maximum(mc * (1 - mc), 1e-4) / paths)
    z = (p - mc) / se
    assert np.abs(z).max() < 5.5, np.abs(z).max()
    assert abs(np.mean(z)) < 0.15  # no bias: the mean of 1000+ standardised errors is ~N(0, 1/n)
    assert abs(p.mean() - mc.mean()) < 0.002


def test_forecast_is_calibrated_against_realised_churn() -> None:
    state = sim.new_state(23, 4000, (2023, 1))
    forecasts, churn_days = [], []
    for _ in range(15):
        k = state.next_month
        out = sim.step(state)
        truth = out["truth"].to_pandas()
        c = state.customers
        churned = truth.loc[truth["churned_in_month"], "id_cliente"].str[4:].astype(int).to_numpy() - 1
        churn_days.append((churned, c.churn_day[churned].copy()))
        live = truth.dropna(subset=["churn_prob_90d"])
        assert (live["churn_prob_horizon_days"] == 90).all()
        who = live["id_cliente"].str[4:].astype(int).to_numpy() - 1
        forecasts.append((k, who, live["churn_prob_90d"].to_numpy()))
    cust = np.concatenate([d[0] for d in churn_days])
    day = np.concatenate([d[1] for d in churn_days])
    probs, labels = [], []
    for k, who, p in forecasts[:11]:  # windows that end inside the simulated months
        _, _, _, w0 = state.month_bounds(k)
        hit = (day >= w0) & (day < w0 + forecast.HORIZON_DAYS)
        labels.append(np.isin(who, cust[hit]))
        probs.append(p)
    p, y = np.concatenate(probs), np.concatenate(labels)
    assert len(p) > 40_000 and 1_000 < y.sum()
    order = np.argsort(p)
    for decile in np.array_split(order, 10):
        rate, mean = y[decile].mean(), p[decile].mean()
        se = np.sqrt(max(mean * (1 - mean), 1e-4) / len(decile))
        assert abs(rate - mean) < 4 * se + 0.002, (mean, rate)
    assert abs(y.mean() / p.mean() - 1) < 0.06
    # it is a real forecast: it ranks much better than the month's hazard alone
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, p) > 0.85


def test_forecast_is_deterministic_and_null_for_churned_rows() -> None:
    _, a = _run(seed=3, customers=400, months=3)
    _, b = _run(seed=3, customers=400, months=3)
    ta, tb = a[-1]["truth"].to_pandas(), b[-1]["truth"].to_pandas()
    np.testing.assert_array_equal(ta["churn_prob_90d"].to_numpy(), tb["churn_prob_90d"].to_numpy())
    churned = ta["churned_in_month"].to_numpy()
    assert churned.any()
    assert ta.loc[churned, "churn_prob_90d"].isna().all()
    assert ta.loc[~churned, "churn_prob_90d"].between(0, 1).all()


def test_window_is_day_exact() -> None:
    state = sim.new_state(1, 10, (2023, 1))
    # 90 days after 2023-01-31 reach 2023-05-01: four months touched; after 2023-06-30, three
    assert forecast.horizon_months_touched(state, 0) == 4
    assert forecast.horizon_months_touched(state, 5) == 3


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_place_hazards_equal_the_written_formulas_bit_for_bit(dtype) -> None:
    """month_hazards and sigmoid_ work in place (forecast speed); the simulation's churn draws
    and the truth depend on every bit, so they must equal the plain formulas exactly, also
    when `suspended` broadcasts to a larger shape than h."""
    rng = np.random.default_rng(4)
    h = rng.random((7, 300)).astype(dtype)
    suspended = rng.random(300) < 0.2
    anniv = rng.random(300) < 0.1
    x = rng.normal(0, 3, (7, 300)).astype(dtype)
    assert np.array_equal(health.sigmoid_(x.copy()), health.sigmoid(x))
    risk = health.sigmoid(params.CHURN_SLOPE * (params.CHURN_CENTER - h))
    plain_mid = (
        params.CHURN_FLOOR
        + params.CHURN_MID_SCALE * risk
        + np.where(suspended[None, :], params.SUSPENDED_CHURN, 0.0).astype(dtype)
    )
    season = float(params.RENEWAL_SEASON[11])
    plain_ren = np.where(anniv, season * (params.CHURN_RENEWAL_BASE + params.CHURN_RENEWAL_SCALE * risk), 0.0)
    p_mid, p_ren = health.month_hazards(h, suspended[None, :], anniv[None, :], 12)
    assert p_mid.dtype == dtype and np.array_equal(p_mid, plain_mid)
    assert np.array_equal(p_ren, plain_ren.astype(dtype))
    wide = np.stack([suspended, ~suspended])[:, None, :]  # (2, 1, 300) against h (7, 300)
    p_wide, _ = health.month_hazards(h, wide, False, 12)
    assert p_wide.shape == (2, 7, 300)
    assert np.array_equal(
        p_wide[1],
        params.CHURN_FLOOR
        + params.CHURN_MID_SCALE * risk
        + np.where(~suspended, params.SUSPENDED_CHURN, 0.0).astype(dtype),
    )
