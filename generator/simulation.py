"""The customer-base simulation: one call to `step` per simulated month.

Every customer carries a latent health z (logit scale) that mean-reverts to a
customer-specific level (segment, size, plan, noise) and now and then enters a
decline (a champion leaves, a budget cut, a bad implementation) that drags it down
for a few months. Health h = sigmoid(z) drives, in the same month:

* active users (seats in use), usage-event volume and module breadth,
* support-ticket volume, the share of P1s, and CSAT,
* NPS scores, payment delays and failures,
* expansions (Upgrade) and contractions (Downgrade) at renewal or mid-term,
* the churn hazard: a small mid-term cancellation hazard every month, a large
  non-renewal hazard in the month the contract term ends (its anniversary), and a
  health-independent floor (companies closing down, random churn).

The state is a `SimState` (generator/state.py): one numpy array per customer attribute
(one entry per customer ever created) plus counters. All randomness of month k comes
from generators seeded with (seed, k, stream), so a run continued from saved state
produces exactly the same months as one long run.

`step` reads top to bottom, one function per part of the month; this module also builds
the rows of every table but the usage events. Elsewhere: the numbers (generator/params.py),
health and hazard (generator/health.py), who the customers are (generator/customers.py),
the usage events (generator/events.py), the truth's churn probability (generator/forecast.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator import bizcal, forecast, frame, pools
from generator.customers import (
    N_MODULES,
    TIPO,
    create_customers,
    create_prehistory_churners,
    module_mask,
    mrr_cents,
)
from generator.events import HOUR_LUT, events_frame
from generator.frame import (
    CNPJ,
    DATE,
    EMAIL,
    ENUM,
    ID,
    INT,
    MONEY,
    TEXT,
    TS,
    TSTEXT,
    Col,
    Frame,
    pool_dictionary,
)
from generator.health import health_step, month_hazards, onboarding_offset, sigmoid
from generator.params import (
    ACQUISITION_RATE,
    ACQUISITION_SEASON,
    BOOST_DRIFT,
    DECLINE_DRIFT,
    DECLINE_MONTHS,
    EVENTS_PER_ACTIVE_USER,
    HEALTH_NOISE,
    NPS_CAMPAIGN_MONTHS,
    REACTIVATION_P,
    SUSPEND_AFTER_DAYS,
    USER_DEACTIVATION_P,
    USER_DEACTIVATION_UNHEALTHY,
)
from generator.state import Customers, SimState
from generator.units import US_PER_DAY, US_PER_SECOND

MOTIVO_ENCERRAMENTO = pools.MOTIVOS.index("Encerramento da empresa")
CTR_STATUS = {name: i for i, name in enumerate(pools.STATUS_CONTRATO)}
CLI_STATUS = {name: i for i, name in enumerate(pools.STATUS_CLIENTE)}
FAT_STATUS = {name: i for i, name in enumerate(pools.STATUS_FATURA)}

# modules as a bitmask; Financeiro and Fiscal are always licensed first
_MASK_STRINGS = pa.array(
    [";".join(m for j, m in enumerate(pools.MODULOS) if mask >> j & 1) for mask in range(1 << N_MODULES)],
    pa.string(),
)

STREAMS = (
    "init",
    "acquire",
    "health",
    "churn",
    "users",
    "events",
    "tickets",
    "nps",
    "invoices",
    "clientes",
    "contracts",
)


def rng_for(seed: int, month: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, month + 1000, STREAMS.index(stream)])


def new_state(seed: int, customers: int, start: tuple[int, int], usage_scale: float = 1.0) -> SimState:
    """The customer base as it stands the day before the first simulated month."""
    state = SimState(
        seed=int(seed),
        usage_scale=float(usage_scale),
        base_customers=int(customers),
        start=(int(start[0]), int(start[1])),
        customers=Customers.empty(),
    )
    rng = rng_for(seed, -1, "init")
    day0 = bizcal.month_start(*start)
    tenure = np.sort(rng.gamma(1.6, 420.0, size=customers).astype(np.int64) + 20)[::-1]
    signup = day0 - np.minimum(tenure, 12 * 365)
    create_customers(state, rng, signup, day0, initial=True)
    create_prehistory_churners(state, rng, customers, day0)
    return state


# --- one month ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """Month k of the run: (year, month), its first day d0 and the first day of the next, d1."""

    k: int
    year: int
    month: int
    d0: int
    d1: int
    seed: int

    @classmethod
    def next_of(cls, state: SimState) -> Month:
        k = state.next_month
        return cls(k, *state.month_bounds(k), state.seed)

    @property
    def batch(self) -> int:
        """The 1-based number of the month's batch."""
        return self.k + 1

    def rng(self, stream: str) -> np.random.Generator:
        return rng_for(self.seed, self.k, stream)

    def random_days(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """A uniform day of the month for each of n customers."""
        return self.d0 + (rng.random(n) * (self.d1 - self.d0)).astype(np.int64)


@dataclass(frozen=True)
class Cohorts:
    """Customers whose rows are exported for the first time this month."""

    new: np.ndarray  # acquired this month
    initial: np.ndarray  # the active base of the ERP's first extract (first month only)
    prehistory: np.ndarray  # cancelled before the first extract, exported in it (first month only)


@dataclass(frozen=True)
class Churn:
    at_risk: np.ndarray  # customers before this month, active at its start
    anniv: np.ndarray  # at risk, and the contract term ends this month
    hazard: np.ndarray  # P(churn this month), as drawn (truth)
    churned: np.ndarray
    day: np.ndarray  # the churn day (where churned)
    reason: np.ndarray  # index into pools.MOTIVOS (where churned)


@dataclass(frozen=True)
class Winback:
    back: np.ndarray  # reactivated this month
    day: np.ndarray  # the reactivation day (where back)


@dataclass(frozen=True)
class Windows:
    """Each customer's days of the month as a customer, [start, end), and the part of them it
    can log in, [use_start, use_end) (a suspended account cannot)."""

    start: np.ndarray
    end: np.ndarray
    in_month: np.ndarray  # a customer on some day of the month
    blocked: np.ndarray  # suspended on some day of its window
    use_start: np.ndarray
    use_end: np.ndarray
    can_use: np.ndarray


@dataclass(frozen=True)
class Usage:
    enabled: np.ndarray  # users not deactivated
    active_users: np.ndarray  # the month's active users: the newest enabled ones
    first_user: np.ndarray  # id of the first active user
    cdf: np.ndarray  # cumulative business-day weights of the month (0 .. 1, one more than days)
    share: np.ndarray  # share of the month's business activity inside the customer's window


@dataclass(frozen=True)
class Suspensions:
    """The month's suspension starts and ends, as scheduled before this month's invoices."""

    suspend: np.ndarray
    resume: np.ndarray
    start: np.ndarray
    end: np.ndarray


def step(state: SimState, on_events=None) -> dict:
    """Simulate the next month; returns {'frames': {table: Frame}, 'truth': pa.Table}.

    `on_events(builder)`, when given, receives the usage events' builder as soon as it
    exists (before the other tables and the truth are simulated), so it can start early.
    Each part draws from its own random stream (churn, renewals and win-backs share one,
    in that order), so the order below is part of the output."""
    mo = Month.next_of(state)
    c = state.customers
    cohorts = _acquire(state, mo)
    h = _move_health(c, mo, cohorts.new)
    rng = mo.rng("churn")
    churn = _draw_churn(c, mo, h, rng)
    cancelled = _cancel(c, churn)
    renewed = _renew(state, mo, h, churn, rng)
    winback, reactivated = _reactivate(state, mo, rng)
    contract_rows = _first_export_contracts(c, cohorts) + cancelled + renewed + reactivated
    win = _windows(c, mo, cohorts, churn, winback)
    _add_users(c, win)
    events, usage = _usage(state, mo, h, win)
    if on_events is not None:
        on_events(events)
    users = _user_changes(state, mo, h, churn, win, usage, cohorts)
    tickets = _tickets_frame(state, mo, h, win, usage)
    nps = _nps_frame(state, mo, h, win, usage)
    suspensions = _suspension_changes(c, mo, churn, winback)  # before the invoices move them
    invoices = _invoices_frame(state, mo, h, win)
    clientes = _customer_changes(c, mo, cohorts, churn, winback, win, suspensions)
    contratos = _concat_contract_rows(contract_rows, mo.batch, mo.rng("contracts"))
    truth = _truth(state, mo, h, churn, cohorts, winback)
    state.next_month = mo.k + 1
    return {
        "frames": {
            "clientes": clientes,
            "contratos": contratos,
            "faturas": invoices,
            "usuarios": users,
            "eventos_uso": events,
            "tickets": tickets,
            "nps_respostas": nps,
        },
        "truth": truth,
        "period": (mo.d0, mo.d1),
        "year_month": (mo.year, mo.month),
    }


def _acquire(state: SimState, mo: Month) -> Cohorts:
    """New logos (a seasonal share of the initial base), signing up on business days."""
    c = state.customers
    n_before = len(c)
    rng = mo.rng("acquire")
    n_new = int(rng.poisson(state.base_customers * ACQUISITION_RATE * ACQUISITION_SEASON[mo.month - 1]))
    if n_new:
        weights = bizcal.day_weights(mo.d0, mo.d1)
        signup = mo.d0 + np.sort(np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(n_new)))
        create_customers(state, rng, signup.astype(np.int64), mo.d0, initial=False)
    n = len(c)
    new = np.zeros(n, bool)
    new[n_before:] = True
    initial = np.zeros(n, bool)
    prehistory = np.zeros(n, bool)
    if mo.k == 0:
        initial[:n_before] = c.active[:n_before]
        prehistory[:n_before] = ~c.active[:n_before]
    return Cohorts(new, initial, prehistory)


def _move_health(c: Customers, mo: Month, new: np.ndarray) -> np.ndarray:
    """A month of latent health (new customers keep their starting z); returns health h."""
    rng = mo.rng("health")
    n = len(c)
    r = rng.random(n)
    decline = rng.uniform(*DECLINE_DRIFT, n)
    boost = rng.uniform(*BOOST_DRIFT, n)
    decline_len = rng.integers(DECLINE_MONTHS[0], DECLINE_MONTHS[1] + 1, n)
    noise = rng.normal(0.0, HEALTH_NOISE, n)
    z, c.drift, left = health_step(c.z, c.mu, c.drift, c.drift_left, r, decline, boost, decline_len, noise)
    c.z = np.where(new, c.z, z)
    c.drift_left = left.astype(np.int8)
    return sigmoid(c.z - onboarding_offset(mo.d0, c.signup))


def _draw_churn(c: Customers, mo: Month, h: np.ndarray, rng: np.random.Generator) -> Churn:
    """Who cancels this month, on which day and why: the mid-term hazard (plus the suspended
    one) every month, the non-renewal hazard in the anniversary month (on the term's last day)."""
    n = len(c)
    suspended = (c.susp_start >= 0) & (c.susp_start < mo.d0) & (c.susp_end >= mo.d0)
    at_risk = c.active & (c.signup < mo.d0)
    anniv = at_risk & (c.ctr_end >= mo.d0) & (c.ctr_end < mo.d1)
    p_mid, p_ren = month_hazards(h, suspended, anniv, mo.month)
    hazard = np.where(at_risk, 1 - (1 - p_mid) * (1 - p_ren), 0.0)
    u = rng.random(n)
    churned = at_risk & (u < hazard)
    at_anniversary = churned & (u < p_ren)
    day = np.where(at_anniversary, c.ctr_end, mo.random_days(rng, n))
    reason_w = np.stack(
        [
            0.7 + 0.9 * (c.porte == 0),  # Preço
            np.full(n, 0.9),  # Concorrente
            3.0 * (1 - h),  # Baixo uso
            0.4 + 0.6 * c.tickets_recent,  # Suporte
            np.full(n, 0.35),  # Encerramento da empresa
            np.full(n, 0.3),  # Outro
        ],
        axis=1,
    )
    reason_cdf = np.cumsum(reason_w, axis=1)
    reason = (rng.random(n)[:, None] * reason_cdf[:, -1:] > reason_cdf[:, :-1]).sum(axis=1)
    return Churn(at_risk, anniv, hazard, churned, day, reason)


def _cancel(c: Customers, churn: Churn) -> list[dict]:
    """The churned customers' active term re-sent Cancelado; they stop being active."""
    rows = []
    idx = np.flatnonzero(churn.churned)
    if len(idx):
        day = churn.day[idx]
        rows.append(
            _contract_rows(
                c, idx, CTR_STATUS["Cancelado"], cancel_day=day, reason=churn.reason[idx], updated_day=day
            )
        )
    c.active = c.active & ~churn.churned
    c.churn_day = np.where(churn.churned, churn.day, c.churn_day)
    c.churn_reason = np.where(churn.churned, churn.reason, c.churn_reason).astype(np.int8)
    return rows


def _renew(state: SimState, mo: Month, h: np.ndarray, churn: Churn, rng: np.random.Generator) -> list[dict]:
    """Anniversaries that did not churn renew (Renovação, or Upgrade/Downgrade with health);
    a few healthy accounts upgrade mid-term. The old term is re-sent Encerrado, the new one Ativo."""
    c = state.customers
    n = len(c)
    renew = churn.anniv & ~churn.churned
    r = rng.random(n)
    up_p = 0.05 + 0.30 * h**3
    down_p = 0.03 + 0.35 * (1 - h) ** 2
    mid_up = churn.at_risk & ~churn.anniv & ~churn.churned & (rng.random(n) < 0.002 + 0.012 * h**4)
    kind = np.where(r < up_p, TIPO["Upgrade"], np.where(r > 1 - down_p, TIPO["Downgrade"], TIPO["Renovação"]))
    kind = np.where(mid_up, TIPO["Upgrade"], kind)
    idx = np.flatnonzero(renew | mid_up)
    if not len(idx):
        return []
    new_start = np.where(renew, c.ctr_end + 1, mo.random_days(rng, n))[idx]
    closed = _contract_rows(
        c,
        idx,
        CTR_STATUS["Encerrado"],
        end_override=new_start - 1,
        updated_day=np.minimum(new_start - 1, mo.d1 - 1),
    )
    _start_terms(state, idx, kind[idx], new_start, rng)
    opened = _contract_rows(c, idx, CTR_STATUS["Ativo"], updated_day=np.minimum(new_start, mo.d1 - 1))
    return [closed, opened]


def _start_terms(
    state: SimState, idx: np.ndarray, kind: np.ndarray, start: np.ndarray, rng: np.random.Generator
) -> None:
    """New 12-month terms for customers idx: an Upgrade adds seats (and maybe a module, which
    may need the next plan), a Downgrade removes seats (and maybe a module)."""
    c = state.customers
    grow = rng.uniform(1.15, 1.6, len(idx))
    shrink = rng.uniform(0.6, 0.88, len(idx))
    seats = c.seats[idx]
    seats = np.where(kind == TIPO["Upgrade"], np.ceil(seats * grow), seats)
    seats = np.where(kind == TIPO["Downgrade"], np.maximum(1, np.floor(seats * shrink)), seats).astype(
        np.int64
    )
    plan = c.plan[idx].astype(np.int64)
    nmods = c.nmods[idx].astype(np.int64)
    more = (kind == TIPO["Upgrade"]) & (rng.random(len(idx)) < 0.4)
    nmods = np.where(more, np.minimum(N_MODULES, nmods + 1), nmods)
    plan = np.where(more & (nmods > pools.PLANO_MODULOS[plan, 1]), np.minimum(2, plan + 1), plan)
    less = (kind == TIPO["Downgrade"]) & (rng.random(len(idx)) < 0.3)
    nmods = np.where(less, np.maximum(2, nmods - 1), nmods)
    c.seats[idx] = seats
    c.plan[idx] = plan
    c.nmods[idx] = nmods
    c.ctr_id[idx] = state.next_id["CTR-"] + np.arange(len(idx))
    state.next_id["CTR-"] += len(idx)
    c.ctr_start[idx] = start
    c.ctr_end[idx] = bizcal.add_months(start, 12) - 1
    c.ctr_tipo[idx] = kind
    c.mrr_cents[idx] = mrr_cents(plan, seats, nmods, c.price_factor[idx], c.cycle[idx])


def _reactivate(state: SimState, mo: Month, rng: np.random.Generator) -> tuple[Winback, list[dict]]:
    """Churned customers (not closed companies, within two years) come back with a new term
    (Reativação), at their base health and with no open debts."""
    c = state.customers
    n = len(c)
    back = (
        ~c.active
        & (c.churn_day >= 0)
        & (c.churn_day < mo.d0)
        & (c.churn_reason != MOTIVO_ENCERRAMENTO)
        & (mo.d0 - c.churn_day < 730)
        & (rng.random(n) < REACTIVATION_P)
    )
    idx = np.flatnonzero(back)
    day = mo.random_days(rng, n)
    rows = []
    if len(idx):
        c.active[idx] = True
        c.react_day[idx] = day[idx]
        c.susp_start[idx] = -1  # a win-back starts with a clean slate (old debts settled)
        c.susp_end[idx] = -1
        c.z[idx] = c.mu[idx]
        c.ctr_id[idx] = state.next_id["CTR-"] + np.arange(len(idx))
        state.next_id["CTR-"] += len(idx)
        c.ctr_start[idx] = day[idx]
        c.ctr_end[idx] = bizcal.add_months(day[idx], 12) - 1
        c.ctr_tipo[idx] = TIPO["Reativação"]
        rows.append(_contract_rows(c, idx, CTR_STATUS["Ativo"], updated_day=day[idx]))
    return Winback(back, day), rows


def _first_export_contracts(c: Customers, cohorts: Cohorts) -> list[dict]:
    """Contract rows of customers exported for the first time (as they stand after this month's
    renewals): the pre-history churners' last term, then the new and initial customers' term."""
    rows = []
    ghosts = np.flatnonzero(cohorts.prehistory)
    if len(ghosts):
        # the pre-history churner's only contract row: kept clean (a defect there could
        # not be healed by a later row, and the churn would vanish from the history)
        cancelled = _contract_rows(
            c,
            ghosts,
            CTR_STATUS["Cancelado"],
            cancel_day=c.churn_day[ghosts],
            reason=c.churn_reason[ghosts].astype(np.int64),
            updated_day=c.churn_day[ghosts],
        )
        cancelled["clean"][:] = True
        rows.append(cancelled)
    first = np.flatnonzero(cohorts.new | cohorts.initial)
    if len(first):
        updated = np.maximum(c.ctr_start[first], c.signup[first])
        rows.append(_contract_rows(c, first, CTR_STATUS["Ativo"], updated_day=updated))
    return rows


def _windows(c: Customers, mo: Month, cohorts: Cohorts, churn: Churn, winback: Winback) -> Windows:
    """The days of the month each customer is a customer (from signup or win-back, to the
    churn day), and the part of them it can log in: the part before a suspension starts,
    else the part after it ends."""
    start = np.where(cohorts.new, c.signup, np.where(winback.back, winback.day, mo.d0))
    end = np.where(churn.churned, churn.day + 1, mo.d1)
    in_month = (c.active | churn.churned) & (end > start)
    s_start, s_end = c.susp_start, c.susp_end
    blocked = in_month & (s_start >= 0) & (s_start < end) & (s_end > start)
    use_start = np.where(blocked & (s_start <= start), np.maximum(start, s_end), start)
    use_end = np.where(blocked & (s_start > start), s_start, end)
    use_end = np.where(blocked & (s_start <= start) & (s_end >= end), use_start, use_end)
    can_use = in_month & (use_end > use_start)
    return Windows(start, end, in_month, blocked, use_start, use_end, can_use)


def _add_users(c: Customers, win: Windows) -> None:
    """Accounts create users towards 95% of their seats (a third of the gap a month)."""
    enabled = c.ucreated - c.ulo
    target = np.ceil(c.seats * 0.95).astype(np.int64)
    grow = np.where(
        win.in_month & c.active & (target > enabled),
        np.minimum(np.ceil((target - enabled) * 0.35).astype(np.int64), c.ucap - c.ucreated),
        0,
    ).clip(0)
    c.ucreated = c.ucreated + grow


def _usage(state: SimState, mo: Month, h: np.ndarray, win: Windows) -> tuple:
    """The month's active users (adoption grows with health) and the usage events' builder
    (volume grows with active users, health and the business days the account can log in)."""
    c = state.customers
    rng = mo.rng("events")
    adoption = np.clip(0.1 + 0.88 * h**1.5, 0.05, 0.98)
    enabled = c.ucreated - c.ulo
    active_users = np.where(win.can_use, rng.binomial(np.maximum(enabled, 0), adoption), 0)
    weights = bizcal.day_weights(mo.d0, mo.d1)
    cdf = np.concatenate([[0.0], np.cumsum(weights)])
    cdf /= cdf[-1]
    last = mo.d1 - mo.d0

    def share_of(start: np.ndarray, end: np.ndarray) -> np.ndarray:  # business activity in [start, end)
        return cdf[np.clip(end - mo.d0, 0, last)] - cdf[np.clip(start - mo.d0, 0, last)]

    share = np.where(win.in_month, share_of(win.start, win.end), 0.0)
    use_share = np.where(win.can_use, share_of(win.use_start, win.use_end), 0.0)
    per_user = EVENTS_PER_ACTIVE_USER * state.usage_scale  # --usage-scale
    lam = active_users * per_user * (0.25 + 1.2 * h) * use_share
    # the month's active users are the newest enabled slots; idle ones are the oldest
    first_user = c.ublock + c.ucreated - active_users
    events = events_frame(
        state, rng, lam, active_users, first_user, h, win.use_start, win.use_end, cdf, mo.d0, mo.batch
    )
    return events, Usage(enabled, active_users, first_user, cdf, share)


def _user_changes(
    state: SimState, mo: Month, h: np.ndarray, churn: Churn, win: Windows, usage: Usage, cohorts: Cohorts
) -> Frame:
    """New users (Ativo), then deactivations (Inativo): a share of the idle users (more in
    unhealthy accounts, all above 105% of the seats after a downgrade), and every user of a
    cancelled account the day after the churn date."""
    c = state.customers
    rng = mo.rng("users")
    enabled = usage.enabled
    live = win.in_month & c.active
    idle = np.maximum(enabled - usage.active_users, 0)
    p_off = USER_DEACTIVATION_P + USER_DEACTIVATION_UNHEALTHY * (1 - h) ** 2
    off = np.where(live, rng.binomial(idle, p_off), 0)
    excess = np.maximum(enabled - np.ceil(c.seats * 1.05).astype(np.int64), 0)  # after a downgrade
    off = np.minimum(idle, np.maximum(off, np.where(live, excess, 0)))
    off = np.where(churn.churned & win.in_month, np.maximum(enabled, 0), off)
    some_day = win.start + (rng.random(len(c)) * (win.end - win.start)).astype(np.int64)
    off_day = np.where(churn.churned, churn.day + 1, some_day)
    exported = win.in_month | cohorts.initial
    return _users_frame(state, rng, exported, win.start, win.end, mo.d0, mo.batch, off, off_day)


def _suspension_changes(c: Customers, mo: Month, churn: Churn, winback: Winback) -> Suspensions:
    """Suspensions that start or end this month while the account is still a customer (this
    month's invoices can only suspend from next month on: due + 30 days)."""
    alive = (c.active & ~winback.back) | churn.churned
    churn_by = np.where(churn.churned, churn.day, np.iinfo(np.int64).max)
    start, end = c.susp_start.copy(), c.susp_end.copy()
    suspend = alive & (start >= mo.d0) & (start < mo.d1) & (start < churn_by)
    resume = alive & (end >= mo.d0) & (end < mo.d1) & (start >= 0) & (end < churn_by)
    return Suspensions(suspend, resume, start, end)


def _customer_changes(
    c: Customers, mo: Month, cohorts: Cohorts, churn: Churn, winback: Winback, win: Windows, susp: Suspensions
) -> Frame:
    """clientes rows: first exports, cancellations, win-backs, CSM reassignments, suspensions
    and their ends, each with the day of the change."""
    rng = mo.rng("clientes")
    n = len(c)
    csm_change = c.active & ~cohorts.new & (rng.random(n) < 0.006) & ~win.blocked
    c.csm = np.where(csm_change, rng.integers(0, len(pools.get_pools().csm_names), n), c.csm).astype(np.int16)
    rows = [
        (np.flatnonzero(cohorts.new | cohorts.initial), "Ativo", c.signup, None),
        (np.flatnonzero(cohorts.prehistory), "Cancelado", c.churn_day, None),
        (np.flatnonzero(churn.churned), "Cancelado", churn.day, None),
        (np.flatnonzero(winback.back), "Ativo", winback.day, None),
        (
            np.flatnonzero(csm_change & ~churn.churned & ~winback.back),
            "Ativo",
            None,
            rng.integers(mo.d0, mo.d1, n),
        ),
        (np.flatnonzero(susp.suspend), "Suspenso", susp.start, None),
        (np.flatnonzero(susp.resume), "Ativo", susp.end, None),
    ]
    return _clientes_frame(c, rng, rows, mo.batch)


def _truth(
    state: SimState, mo: Month, h: np.ndarray, churn: Churn, cohorts: Cohorts, winback: Winback
) -> pa.Table:
    """truth/clientes_mensal rows of the month: health, the month's hazard and outcome, and
    P(churn within HORIZON_DAYS after the month's end | the state at the month end), null for
    customers not active at the month end (generator/forecast.py)."""
    rows = np.flatnonzero(churn.at_risk | cohorts.new | winback.back)
    churn_prob = forecast.churn_probability(state, mo.k, rows)
    return pa.table(
        {
            "id_cliente": frame.fmt.fixed_ids("CLI-", rows + 1, 6),
            "mes": pa.array(np.full(len(rows), mo.d0, np.int32), pa.date32()),
            "health": pa.array(np.round(h[rows], 6)),
            "churn_hazard": pa.array(np.round(churn.hazard[rows], 6)),
            "churned_in_month": pa.array(churn.churned[rows]),
            "churn_prob_90d": pa.array(np.round(churn_prob, 6), mask=np.isnan(churn_prob)),
            "churn_prob_horizon_days": pa.array(np.full(len(rows), forecast.HORIZON_DAYS, np.int16)),
        }
    )


# --- frame builders ----------------------------------------------------------------------------


def _business_seconds(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds since midnight UTC of business-hours activity in Brasília time."""
    low = rng.bit_generator.random_raw(size).astype(np.uint32)  # the 24 low bits are used
    seconds = HOUR_LUT[low & np.uint32(0xFFF)]
    low >>= np.uint32(12)
    low &= np.uint32(0xFFF)
    low *= np.uint32(3600)
    low >>= np.uint32(12)
    seconds += low
    return seconds


def _contract_rows(c, idx, status, cancel_day=None, reason=None, end_override=None, updated_day=None) -> dict:
    m = len(idx)
    return {
        "cust": idx.copy(),
        "ctr_id": c.ctr_id[idx].copy(),
        "plan": c.plan[idx].astype(np.int64),
        "mask": module_mask(c, idx),
        "seats": c.seats[idx].copy(),
        "value": c.mrr_cents[idx] * pools.CICLO_MESES[c.cycle[idx].astype(np.int64)],
        "cycle": c.cycle[idx].astype(np.int64),
        "tipo": c.ctr_tipo[idx].astype(np.int64),
        "start": c.ctr_start[idx].copy(),
        "end": c.ctr_end[idx].copy() if end_override is None else np.asarray(end_override),
        "status": np.full(m, status),
        "cancel": np.full(m, -1) if cancel_day is None else np.asarray(cancel_day),
        "reason": np.full(m, -1) if reason is None else np.asarray(reason),
        "updated": np.asarray(updated_day),
        "clean": np.zeros(m, bool),
    }


def _concat_contract_rows(parts: list[dict], batch: int, rng: np.random.Generator) -> Frame:
    if parts:
        data = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    else:
        keys = (
            "cust",
            "ctr_id",
            "plan",
            "mask",
            "seats",
            "value",
            "cycle",
            "tipo",
            "start",
            "end",
            "status",
            "cancel",
            "reason",
            "updated",
            "clean",
        )
        data = {key: np.empty(0, np.int64) for key in keys}
    m = len(data["cust"])
    cancel = data["cancel"]
    reason = data["reason"]
    updated = data["updated"].astype(np.int64) * US_PER_DAY + _business_seconds(rng, m) * US_PER_SECOND
    cols = {
        "id_contrato": Col(ID, data["ctr_id"], prefix="CTR-", width=7),
        "id_cliente": Col(ID, data["cust"] + 1, prefix="CLI-", width=6),
        "plano": Col(ENUM, data["plan"], vocab=tuple(pools.PLANOS)),
        "modulos": Col(TEXT, _MASK_STRINGS.take(pa.array(data["mask"]))),
        "licencas": Col(INT, data["seats"]),
        "valor_mensal": Col(MONEY, data["value"]),
        "ciclo_cobranca": Col(ENUM, data["cycle"], vocab=tuple(pools.CICLOS)),
        "tipo_movimento": Col(ENUM, data["tipo"], vocab=tuple(pools.TIPOS_MOVIMENTO)),
        "data_inicio": Col(DATE, data["start"]),
        "data_fim": Col(DATE, data["end"]),
        "status": Col(ENUM, data["status"], vocab=tuple(pools.STATUS_CONTRATO)),
        "data_cancelamento": Col(DATE, np.maximum(cancel, 0), null=cancel < 0),
        "motivo_cancelamento": Col(ENUM, np.maximum(reason, 0), vocab=tuple(pools.MOTIVOS), null=reason < 0),
        "updated_at": Col(TS, updated),
    }
    fr = Frame("contratos", m, cols, np.full(m, batch, np.int64))
    fr.clean = data["clean"].astype(bool)
    return fr


def _from_pool(pool: pa.Array, codes: np.ndarray) -> pa.Array:
    """Pool entries by index: dictionary-encoded when there are more rows than entries (no
    per-row string copies), a plain take for the small monthly deltas (a file then does
    not carry the whole pool)."""
    if len(codes) >= len(pool):
        return pool_dictionary(codes, pool)
    return pool.take(pa.array(codes))


def _company_domain(p: pools.Pools, c: Customers, cust: np.ndarray) -> pa.Array:
    pair = c.sobrenome[cust].astype(np.int64) * len(p.atividades) + c.atividade[cust]
    return p.company_domain.take(pa.array(pair))


def _clientes_frame(c: Customers, rng: np.random.Generator, rows: list, batch: int) -> Frame:
    p = pools.get_pools()
    rows = [r for r in rows if len(r[0])] or rows[:1]
    cust = np.concatenate([r[0] for r in rows]).astype(np.int64, copy=False)
    status = np.concatenate([np.full(len(r[0]), CLI_STATUS[r[1]], np.int32) for r in rows])
    m = len(cust)
    everyone = m == len(c.signup) and bool((cust == np.arange(m)).all())
    if everyone and len(rows) == 1:  # the whole base in one part: its day array as it is
        day = rows[0][2] if rows[0][2] is not None else rows[0][3]
    else:
        day = np.concatenate([(r[2][r[0]] if r[2] is not None else r[3][r[0]]) for r in rows])

    def pick(name: str) -> np.ndarray:  # the customers' attribute, without a copy when it is everyone
        return getattr(c, name) if everyone else getattr(c, name)[cust]

    updated = day.astype(np.int64) * US_PER_DAY
    updated += _business_seconds(rng, m) * US_PER_SECOND
    # pool positions in int32 (the pools have well under 2**31 entries)
    pair = pick("sobrenome").astype(np.int32) * np.int32(len(p.atividades)) + pick("atividade")
    razao = _from_pool(p.company_name, pair * np.int32(len(p.sufixos)) + pick("sufixo"))
    role = pick("contato_first") % np.int32(len(pools.EMAIL_ROLES))
    email = _from_pool(p.company_email, pair * np.int32(len(pools.EMAIL_ROLES)) + role)
    cols = {
        "id_cliente": Col(ID, cust + 1, prefix="CLI-", width=6),
        "razao_social": Col(TEXT, razao),
        "cnpj": Col(CNPJ, pick("cnpj_base")),
        "segmento": Col(ENUM, pick("seg"), vocab=tuple(pools.SEGMENTOS)),
        "porte": Col(ENUM, pick("porte"), vocab=tuple(pools.PORTES)),
        "uf": Col(TEXT, pool_dictionary(pick("uf"), p.ufs)),
        "cidade": Col(TEXT, pool_dictionary(pick("city"), p.cidades)),
        "csm_responsavel": Col(TEXT, pool_dictionary(pick("csm"), p.csm_names)),
        "data_cadastro": Col(DATE, pick("signup")),
        "email_contato": Col(EMAIL, email),
        "status": Col(ENUM, status, vocab=tuple(pools.STATUS_CLIENTE)),
        "updated_at": Col(TS, updated),
    }
    return Frame("clientes", m, cols, np.full(m, batch, np.int64))


def _user_created(state: SimState) -> np.ndarray:
    """Creation day of every user slot reserved so far (-1 = not created yet)."""
    need = state.next_id["USR-"]
    have = state.u_created
    if have is None or len(have) < need:
        # the array is a view of a buffer with room to grow: a month's new slots do not
        # copy every earlier user's day again (the view's length is the state's)
        buffer = have.base if have is not None and isinstance(have.base, np.ndarray) else None
        if buffer is None or buffer.dtype != np.int32 or buffer.ndim != 1 or len(buffer) < need:
            buffer = np.full(need + need // 4, -1, np.int32)
            if have is not None:
                buffer[: len(have)] = have
        else:
            buffer[len(have) : need] = -1
        state.u_created = have = buffer[:need]
    return have


def _users_frame(state, rng, mask, win_start, win_end, d0, batch, off, off_day) -> Frame:
    """New users (Ativo) of this month, then the deactivated ones (Inativo): `off[i]` of
    customer i's oldest enabled users, on `off_day[i]` (never before a user's creation)."""
    p = pools.get_pools()
    c = state.customers
    created_by_uid = _user_created(state)
    count = np.where(mask, c.ucreated - c.uemitted, 0).clip(0)
    cust = np.repeat(np.arange(len(count)), count)
    m = len(cust)
    first_slot = np.repeat(c.uemitted, count)
    slot = np.arange(m) - np.repeat(np.cumsum(count) - count, count) + first_slot
    uid = c.ublock[cust] + slot
    c.uemitted = np.where(mask, c.ucreated, c.uemitted)
    # users of accounts that existed before this month were created between signup and now
    lo = np.where(c.signup[cust] < d0, np.maximum(c.signup[cust], win_start[cust] - 400), win_start[cust])
    lo = np.where(slot < 2, c.signup[cust], lo)
    hi = np.maximum(lo + 1, win_end[cust])
    created = lo + (rng.random(m) * (hi - lo)).astype(np.int64)
    created_by_uid[uid] = created
    updated = created * US_PER_DAY + _business_seconds(rng, m) * US_PER_SECOND
    status = np.zeros(m, np.int64)
    emit = np.full(m, batch, np.int64)
    # deactivations
    off = np.clip(np.asarray(off, np.int64), 0, np.maximum(c.uemitted - c.ulo, 0))
    off_cust = np.repeat(np.arange(len(off)), off)
    if len(off_cust):
        k = len(off_cust)
        off_slot = np.arange(k) - np.repeat(np.cumsum(off) - off, off) + np.repeat(c.ulo, off)
        off_uid = c.ublock[off_cust] + off_slot
        off_created = created_by_uid[off_uid].astype(np.int64)
        day = np.maximum(off_day[off_cust], off_created + 1)
        c.ulo = c.ulo + off
        cust = np.concatenate([cust, off_cust])
        uid = np.concatenate([uid, off_uid])
        created = np.concatenate([created, off_created])
        updated = np.concatenate([updated, day * US_PER_DAY + _business_seconds(rng, k) * US_PER_SECOND])
        status = np.concatenate([status, np.full(k, 1, np.int64)])
        emit = np.concatenate([emit, np.maximum(state.batch_number_of_days(day), batch)])
        m += k
    first = (uid * 7919 + 13) % len(p.first_names)
    last = (uid * 104729 + 7) % len(p.last_names)
    nome = pc.binary_join_element_wise(
        p.first_names.take(pa.array(first)), p.last_names.take(pa.array(last)), " "
    )
    email = pc.binary_join_element_wise(
        p.first_slugs.take(pa.array(first)),
        ".",
        p.last_slugs.take(pa.array(last)),
        "@",
        _company_domain(p, c, cust),
        "",
    )
    cols = {
        "id_usuario": Col(ID, uid, prefix="USR-", width=7),
        "id_cliente": Col(ID, cust + 1, prefix="CLI-", width=6),
        "nome": Col(TEXT, nome),
        "email": Col(EMAIL, email),
        "cargo": Col(TEXT, p.cargos.take(pa.array(uid % len(p.cargos)))),
        "data_criacao": Col(DATE, created),
        "status": Col(ENUM, status, vocab=tuple(pools.STATUS_USUARIO)),
        "updated_at": Col(TS, updated),
    }
    return Frame("usuarios", m, cols, emit)


def _sample_days(rng, cust, win_start, win_end, cdf, d0) -> np.ndarray:
    lo = cdf[np.clip(win_start[cust] - d0, 0, len(cdf) - 1)]
    hi = cdf[np.clip(win_end[cust] - d0, 0, len(cdf) - 1)]
    u = lo + rng.random(len(cust)) * (hi - lo)
    day = np.searchsorted(cdf, u, side="right") - 1
    return d0 + np.clip(day, 0, len(cdf) - 2)


def _tickets_frame(state: SimState, mo: Month, h: np.ndarray, win: Windows, usage: Usage) -> Frame:
    """Tickets: volume grows with the licensed users and falls with health; a blocked
    (suspended) account opens more, and more urgent, tickets. Their count (P1s weigh 3)
    feeds the customer's decayed ticket pressure (the Suporte churn reason)."""
    rng = mo.rng("tickets")
    in_month, users, blocked, share, cdf = win.in_month, usage.enabled, win.blocked, usage.share, usage.cdf
    d0, d1, batch = mo.d0, mo.d1, mo.batch
    n = len(h)
    pressure = 0.35 + 2.6 * (1 - h) ** 2 + np.where(blocked, 0.8, 0.0)
    lam = np.where(in_month, (0.12 + 0.05 * np.maximum(users, 0) ** 0.6) * pressure * share, 0.0)
    count = rng.poisson(lam)
    cust = np.repeat(np.arange(n), count)
    m = len(cust)
    ids = state.next_id["TCK-"] + np.arange(m)
    state.next_id["TCK-"] += m
    hc = h[cust]
    win_start = np.full(n, d0)
    win_end = np.full(n, d1)
    opened = (
        _sample_days(rng, cust, win_start, win_end, cdf, d0) * US_PER_DAY
        + _business_seconds(rng, m) * US_PER_SECOND
    )
    p1 = 0.03 + 0.30 * (1 - hc) ** 2 + np.where(blocked[cust], 0.25, 0.0)
    u = rng.random(m)
    prio = np.where(u < p1, 0, np.where(u < p1 + 0.2, 1, np.where(u < p1 + 0.65, 2, 3)))
    cat_cdf = np.cumsum(pools.CATEGORIA_P)
    cat = np.minimum(np.searchsorted(cat_cdf, rng.random(m) * cat_cdf[-1]), len(pools.CATEGORIAS) - 1)
    first_h = rng.exponential(np.array([1.0, 3.0, 8.0, 20.0])[prio] * (1.3 - 0.6 * hc))
    resolve_h = first_h + rng.exponential(np.array([6.0, 20.0, 50.0, 90.0])[prio] * (1.4 - 0.7 * hc))
    first = opened + (first_h * 3600 * US_PER_SECOND).astype(np.int64)
    resolved = opened + (resolve_h * 3600 * US_PER_SECOND).astype(np.int64)
    period_end = d1 * US_PER_DAY
    answered = rng.random(m) < 0.45
    csat = np.clip(np.round(1.2 + 3.9 * hc + rng.normal(0, 0.7, m) - 0.4 * (resolve_h > 48)), 1, 5).astype(
        np.int64
    )
    # the row as the source shows it at the end of this month
    done = resolved < period_end
    status_now = np.where(
        done, np.where(resolved < period_end - 3 * US_PER_DAY, 3, 2), np.where(first < period_end, 1, 0)
    )
    later = np.flatnonzero(~done)
    # rows not resolved yet are re-sent (resolved) in the batch of their resolution
    all_ids = np.concatenate([ids, ids[later]])
    all_cust = np.concatenate([cust, cust[later]])
    all_prio = np.concatenate([prio, prio[later]])
    all_cat = np.concatenate([cat, cat[later]])
    all_open = np.concatenate([opened, opened[later]])
    first_known = np.where(first < period_end, first, -1)
    all_first = np.concatenate([first_known, first[later]])
    all_resolved = np.concatenate([np.where(done, resolved, -1), resolved[later]])
    all_status = np.concatenate([status_now, np.full(len(later), 2)])
    csat_known = np.where(done & answered, csat, -1)
    all_csat = np.concatenate([csat_known, np.where(answered[later], csat[later], -1)])
    last_change = np.maximum(np.maximum(all_open, all_first), all_resolved)
    emit = np.concatenate(
        [np.full(m, batch), state.batch_number_of_days(resolved[later] // US_PER_DAY)]
    ).astype(np.int64)
    total = len(all_ids)
    cols = {
        "id_ticket": Col(ID, all_ids, prefix="TCK-", width=7),
        "id_cliente": Col(ID, all_cust + 1, prefix="CLI-", width=6),
        "prioridade": Col(ENUM, all_prio, vocab=tuple(pools.PRIORIDADES)),
        "categoria": Col(ENUM, all_cat, vocab=tuple(pools.CATEGORIAS)),
        "aberto_em": Col(TSTEXT, all_open),
        "primeira_resposta_em": Col(TSTEXT, np.maximum(all_first, 0), null=all_first < 0),
        "resolvido_em": Col(TSTEXT, np.maximum(all_resolved, 0), null=all_resolved < 0),
        "status": Col(ENUM, all_status, vocab=tuple(pools.STATUS_TICKET)),
        "csat": Col(INT, np.maximum(all_csat, 0), null=all_csat < 0),
        "updated_at": Col(TS, last_change + 60 * US_PER_SECOND),
    }
    per_customer = np.bincount(cust, weights=1.0 + 2.0 * (prio == 0), minlength=n)
    state.customers.tickets_recent = 0.6 * state.customers.tickets_recent + per_customer
    return Frame("tickets", total, cols, emit)


def _nps_frame(state: SimState, mo: Month, h: np.ndarray, win: Windows, usage: Usage) -> Frame:
    """NPS answers from users who can log in: quarterly campaigns plus a trickle."""
    rng = mo.rng("nps")
    in_month, win_start, win_end = win.can_use, win.use_start, win.use_end
    active_users, first_user = usage.active_users, usage.first_user
    month, batch = mo.month, mo.batch
    p = pools.get_pools()
    n = len(h)
    campaign = month in NPS_CAMPAIGN_MONTHS
    respond = in_month & (active_users > 0) & (rng.random(n) < (0.5 if campaign else 0.04))
    count = np.where(respond, 1 + rng.poisson(0.25 * np.sqrt(np.maximum(active_users, 1))), 0)
    count = np.minimum(count, np.maximum(active_users, 0))
    cust = np.repeat(np.arange(n), count)
    m = len(cust)
    ids = state.next_id["NPS-"] + np.arange(m)
    state.next_id["NPS-"] += m
    user = first_user[cust] + (rng.random(m) * np.maximum(active_users[cust], 1)).astype(np.int64)
    day = win_start[cust] + (rng.random(m) * (win_end[cust] - win_start[cust])).astype(np.int64)
    nota = np.clip(np.round(rng.normal(1.5 + 9.0 * h[cust], 1.5)), 0, 10).astype(np.int64)
    group = np.where(nota <= 6, 0, np.where(nota <= 8, 1, 2))
    pick = p.comentario_offset[group] + (rng.random(m) * p.comentario_count[group]).astype(np.int64)
    has_comment = rng.random(m) < 0.45
    cols = {
        "id_resposta": Col(ID, ids, prefix="NPS-", width=7),
        "id_cliente": Col(ID, cust + 1, prefix="CLI-", width=6),
        "id_usuario": Col(ID, user, prefix="USR-", width=7),
        "respondido_em": Col(DATE, day),
        "nota": Col(INT, nota),
        "comentario": Col(TEXT, p.comentarios.take(pa.array(pick)), null=~has_comment),
        "updated_at": Col(TS, day * US_PER_DAY + _business_seconds(rng, m) * US_PER_SECOND),
    }
    return Frame("nps_respostas", m, cols, np.full(m, batch, np.int64))


def _invoices_frame(state: SimState, mo: Month, h: np.ndarray, win: Windows) -> Frame:
    """One invoice per billing cycle; late and failed payments grow as health falls, and an
    invoice unpaid SUSPEND_AFTER_DAYS after its due date schedules a suspension."""
    rng = mo.rng("invoices")
    in_month, win_start, win_end = win.in_month, win.start, win.end
    year, month, d0, d1, batch = mo.year, mo.month, mo.d0, mo.d1, mo.batch
    c = state.customers
    n = len(h)
    cycle_months = pools.CICLO_MESES[c.cycle.astype(np.int64)]
    months_into_term = bizcal.month_index(np.full(n, d0), 1970, 1) - bizcal.month_index(c.ctr_start, 1970, 1)
    issue = np.maximum(d0, np.maximum(c.ctr_start, win_start))
    bill = in_month & (months_into_term >= 0) & (months_into_term % cycle_months == 0) & (issue < win_end)
    cust = np.flatnonzero(bill)
    m = len(cust)
    ids = state.next_id["FAT-"] + np.arange(m)
    state.next_id["FAT-"] += m
    hc = h[cust]
    issue = issue[cust]
    due = issue + 10
    late = rng.random(m) < 0.04 + 0.55 * (1 - hc) ** 2
    delay = np.where(late, 1 + rng.geometric(1.0 / (3 + 40 * (1 - hc) ** 2)), -rng.integers(0, 8, m))
    failed = rng.random(m) < 0.01 + 0.08 * (1 - hc) ** 2
    delay = np.where(failed, np.maximum(delay, 0) + rng.integers(5, 25, m), delay)
    paid = due + delay
    # an invoice still unpaid SUSPEND_AFTER_DAYS after its due date suspends the account until paid
    overdue = np.flatnonzero(paid - due > SUSPEND_AFTER_DAYS)
    if len(overdue):
        who, s0, s1 = cust[overdue], due[overdue] + SUSPEND_AFTER_DAYS, paid[overdue]
        # a suspension still open after this month absorbs the new one (blocked until all is paid)
        extend = (c.susp_start[who] >= 0) & (c.susp_end[who] >= np.minimum(s0, d1))
        c.susp_end[who] = np.where(extend, np.maximum(c.susp_end[who], s1), s1)
        c.susp_start[who] = np.where(extend, c.susp_start[who], s0)
    value = c.mrr_cents[cust] * cycle_months[cust]
    period_end = d1
    paid_now = paid < period_end
    status_now = np.where(
        paid_now,
        FAT_STATUS["Paga"],
        np.where(
            failed,
            FAT_STATUS["Falhou"],
            np.where(due < period_end, FAT_STATUS["Atrasada"], FAT_STATUS["Em aberto"]),
        ),
    )
    later = np.flatnonzero(~paid_now)
    sel = np.concatenate([np.arange(m), later])
    all_status = np.concatenate([status_now, np.full(len(later), FAT_STATUS["Paga"])])
    all_paid = np.concatenate([np.where(paid_now, paid, -1), paid[later]])
    last_change = np.where(
        all_paid >= 0, all_paid, np.minimum(np.where(failed[sel], due[sel], issue[sel]), period_end - 1)
    )
    emit = np.concatenate([np.full(m, batch), state.batch_number_of_days(paid[later])]).astype(np.int64)
    competencia = pa.array(np.full(len(sel), f"{year:04d}-{month:02d}"), pa.string())
    total = len(sel)
    cols = {
        "id_fatura": Col(ID, ids[sel], prefix="FAT-", width=8),
        "id_cliente": Col(ID, cust[sel] + 1, prefix="CLI-", width=6),
        "id_contrato": Col(ID, c.ctr_id[cust][sel], prefix="CTR-", width=7),
        "competencia": Col(TEXT, competencia),
        "data_emissao": Col(DATE, issue[sel]),
        "data_vencimento": Col(DATE, due[sel]),
        "data_pagamento": Col(DATE, np.maximum(all_paid, 0), null=all_paid < 0),
        "valor": Col(MONEY, value[sel]),
        "status": Col(ENUM, all_status, vocab=tuple(pools.STATUS_FATURA)),
        "updated_at": Col(TS, last_change * US_PER_DAY + _business_seconds(rng, total) * US_PER_SECOND),
    }
    return Frame("faturas", total, cols, emit)


def truth_customers(state: SimState) -> pa.Table:
    """truth/clientes.parquet: every customer's most recent churn (null = never churned)."""
    c = state.customers
    n = len(c.signup)
    churned = c.churn_day >= 0
    reason_names = pa.array(pools.MOTIVOS, pa.string()).take(
        pa.array(np.maximum(c.churn_reason, 0).astype(np.int64))
    )
    react_after = (c.react_day >= 0) & (c.react_day > c.churn_day)
    return pa.table(
        {
            "id_cliente": frame.fmt.fixed_ids("CLI-", np.arange(n) + 1, 6),
            "churn_date": pa.array(
                np.where(churned, c.churn_day, 0).astype(np.int32), pa.date32(), mask=~churned
            ),
            "churn_reason": frame.fmt.with_nulls(reason_names, ~churned),
            "reactivation_date": pa.array(
                np.where(react_after, c.react_day, 0).astype(np.int32), pa.date32(), mask=~react_after
            ),
            "is_active_at_end": pa.array(c.active),
        }
    )
