"""Who the customers are and what they license: the profile (segment, size, place, CSM,
name parts, CNPJ root), plan, modules, seats, price and contract term of new customers, and
the pre-history churners of the first extract. `simulation` calls these when the base is
created and when new logos sign up.
"""

from __future__ import annotations

import functools
from itertools import permutations

import numpy as np

from generator import bizcal, pools
from generator.params import PREHISTORY_CHURN, PREHISTORY_DAYS
from generator.state import Customers, SimState

TIPO = {name: i for i, name in enumerate(pools.TIPOS_MOVIMENTO)}
# modules as a bitmask; Financeiro and Fiscal are always licensed first
N_MODULES = len(pools.MODULOS)

_SEGMENTO_LUT = pools.choice_lut(pools.SEGMENTO_P)
_PORTE_LUT = pools.choice_lut(pools.PORTE_P)


def create_prehistory_churners(state: SimState, rng: np.random.Generator, customers: int, day0: int) -> None:
    """Customers cancelled before the first batch. A real ERP extract holds them too
    (status Cancelado, with their last contract term), so the first batch is not a
    survivors-only picture of the past."""
    g = int(rng.poisson(customers * PREHISTORY_CHURN * PREHISTORY_DAYS / 30.44))
    if not g:
        return
    churn_day = np.sort(day0 - 1 - (rng.random(g) * PREHISTORY_DAYS).astype(np.int64))
    tenure = rng.gamma(1.3, 330.0, size=g).astype(np.int64) + 45
    signup = churn_day - np.minimum(tenure, 10 * 365)
    first = len(state.customers.signup)
    # created as of their churn date (the term in force then), then cancelled
    create_customers(state, rng, signup, churn_day, initial=True)
    c = state.customers
    idx = np.arange(first, first + g)
    c.active[idx] = False
    c.churn_day[idx] = churn_day
    c.ucreated[idx] = 0
    c.z[idx] = c.mu[idx] - 0.8
    reason_w = np.array([1.0, 0.9, 1.4, 0.6, 0.35, 0.3])
    cdf = np.cumsum(reason_w) / reason_w.sum()
    c.churn_reason[idx] = np.minimum(np.searchsorted(cdf, rng.random(g), side="right"), len(cdf) - 1)


def customer_profile(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Who the customers are: segment, size, place, CSM, name parts, CNPJ root.

    Three 64-bit random words per customer are cut into twelve 16-bit uniform fields
    (uint32 arithmetic, one field widened at a time); categorical draws go through
    4096-entry lookup tables. Returned in the state's dtypes (CUSTOMER_ARRAYS; the CNPJ
    root as uint32), so nothing is widened to 64 bits on the way."""
    lut = _profile_luts()
    fields = rng.bit_generator.random_raw(3 * n).view(np.uint16).reshape(12, n)
    shift = np.uint32(16)

    def field(k: int) -> np.ndarray:
        return fields[k].astype(np.uint32)

    def pick(k: int, size) -> np.ndarray:  # uniform integer in [0, size) from field k (uint32)
        wide = field(k)
        wide *= size if isinstance(size, np.ndarray) else np.uint32(size)
        wide >>= shift
        return wide

    def top12(k: int) -> np.ndarray:  # the top 12 bits index the 4096-entry tables
        return fields[k] >> np.uint16(4)

    seg = lut["seg"][top12(0)]
    porte = lut["porte"][top12(1)]
    uf = lut["uf"][top12(2)]
    key_accounts = 6  # the first CSMs own the Grande/Enterprise accounts
    csm = np.where(porte >= 2, pick(4, key_accounts), pick(4, lut["n_csm"] - key_accounts) + key_accounts)
    cnpj = field(10)
    cnpj <<= shift
    cnpj |= fields[11]
    cnpj %= np.uint32(98_999_999)
    cnpj += np.uint32(1_000_000)
    return {
        "seg": seg,
        "porte": porte,
        "uf": uf,
        "city": (lut["cidade_offset"][uf] + pick(3, lut["cidade_count"][uf])).astype(np.int16),
        "csm": csm.astype(np.int16),
        "sobrenome": pick(5, lut["n_last"]).view(np.int32),
        "atividade": (lut["atividade_offset"][seg] + pick(6, lut["atividade_count"][seg])).view(np.int32),
        "sufixo": (lut["sufixo_offset"][porte] + pick(7, lut["sufixo_count"][porte])).view(np.int32),
        "contato_first": pick(8, lut["n_first"]).view(np.int32),
        "contato_last": pick(9, lut["n_last"]).view(np.int32),
        "cnpj_base": cnpj,
    }


@functools.lru_cache(maxsize=1)
def _profile_luts() -> dict:
    """customer_profile's lookup tables in small integer types (built once per process)."""
    p = pools.get_pools()

    def u32(values) -> np.ndarray:
        return np.asarray(values).astype(np.uint32)

    return {
        "seg": _SEGMENTO_LUT.astype(np.int8),
        "porte": _PORTE_LUT.astype(np.int8),
        "uf": pools.choice_lut(p.uf_p).astype(np.int16),
        "cidade_offset": u32(p.cidade_offset),
        "cidade_count": u32(p.cidade_count),
        "atividade_offset": u32(p.atividade_offset),
        "atividade_count": u32(p.atividade_count),
        "sufixo_offset": u32(p.sufixo_offset),
        "sufixo_count": u32(p.sufixo_count),
        "n_csm": len(p.csm_names),
        "n_first": len(p.first_names),
        "n_last": len(p.last_names),
    }


def create_customers(
    state: SimState, rng: np.random.Generator, signup: np.ndarray, day0: int, initial: bool
) -> None:
    n = len(signup)
    c = state.customers
    profile = customer_profile(rng, n)
    seg, porte = profile["seg"], profile["porte"]
    u = rng.random((n, 3))
    plan_cdf = np.cumsum(pools.PLANO_P_BY_PORTE, axis=1)[porte]
    plan = (u[:, 0:1] > plan_cdf[:, :-1]).sum(axis=1).astype(np.int8)
    cycle_cdf = np.cumsum(pools.CICLO_P_BY_PORTE, axis=1)[porte]
    cycle = (u[:, 1:2] > cycle_cdf[:, :-1]).sum(axis=1).astype(np.int8)
    seats = np.maximum(1, np.round(pools.PORTE_SEATS[porte] * np.exp(rng.normal(0.0, 0.75, n)))).astype(
        np.int64
    )
    lo, hi = pools.PLANO_MODULOS[plan, 0], pools.PLANO_MODULOS[plan, 1]
    nmods = (lo + (u[:, 2] * (hi - lo + 1)).astype(np.int64)).astype(np.int8)
    mu = (
        1.15
        + pools.SEGMENTO_HEALTH[seg]
        + pools.PORTE_HEALTH[porte]
        + pools.PLANO_HEALTH[plan]
        + rng.normal(0.0, 0.6, n)
    )
    z = mu + rng.normal(0.0, 0.5, n) if initial else mu - 0.3
    # the current contract term: for the initial base, the last anniversary on or before day0
    if initial:
        years = np.maximum(0, (day0 - signup) // 366)
        years = years + (bizcal.add_months(signup, 12 * (years + 1)) <= day0)
        ctr_start = bizcal.add_months(signup, 12 * years)
        tipo = np.where(years == 0, TIPO["Novo"], TIPO["Renovação"]).astype(np.int8)
    else:
        ctr_start = signup.copy()
        tipo = np.full(n, TIPO["Novo"], np.int8)
    ucap = np.ceil(seats * 2.5).astype(np.int64) + 3
    ucreated = np.minimum(ucap, np.ceil(seats * (rng.uniform(0.6, 1.0, n) if initial else 0.4))).astype(
        np.int64
    )
    nxt = state.next_id
    ublock = nxt["USR-"] + np.concatenate([[0], np.cumsum(ucap)[:-1]])
    nxt["USR-"] += int(ucap.sum())
    ctr_id = nxt["CTR-"] + np.arange(n)
    nxt["CTR-"] += n
    price_factor = np.exp(rng.normal(0.0, 0.18, n))
    new = {
        **profile,
        "plan": plan,
        "signup": signup,
        "mod_order": rng.integers(0, len(PERMS), n),
        "nmods": nmods,
        "seats": seats,
        "price_factor": price_factor,
        "cycle": cycle,
        "ctr_id": ctr_id,
        "ctr_start": ctr_start,
        "ctr_end": bizcal.add_months(ctr_start, 12) - 1,
        "ctr_tipo": tipo,
        "mrr_cents": mrr_cents(plan, seats, nmods, price_factor, cycle),
        "active": np.ones(n, bool),
        "churn_day": np.full(n, -1),
        "churn_reason": np.full(n, -1),
        "react_day": np.full(n, -1),
        "z": z,
        "mu": mu,
        "drift": np.zeros(n),
        "drift_left": np.zeros(n),
        "tickets_recent": np.zeros(n),
        "ublock": ublock,
        "ucap": ucap,
        "ucreated": ucreated,
        "uemitted": np.zeros(n),
        "ulo": np.zeros(n),
        "susp_start": np.full(n, -1),
        "susp_end": np.full(n, -1),
    }
    c.append(new)


def _module_matrix(c: Customers, index: np.ndarray) -> np.ndarray:
    """(len(index), 7) module ids in adoption order (Financeiro, Fiscal, then per-customer order)."""
    code = c.mod_order[index].astype(np.int64)
    perms = PERMS[code % len(PERMS)]
    return np.concatenate(
        [np.zeros((len(index), 1), np.int64), np.ones((len(index), 1), np.int64), perms + 2], axis=1
    )


def _all_perms(items: int) -> np.ndarray:
    return np.array(list(permutations(range(items))), dtype=np.int64)


PERMS = _all_perms(N_MODULES - 2)  # 120 orders of the 5 optional modules


def module_mask(c: Customers, index: np.ndarray) -> np.ndarray:
    mods = _module_matrix(c, index)
    licensed = np.arange(N_MODULES)[None, :] < c.nmods[index].astype(np.int64)[:, None]
    return ((1 << mods) * licensed).sum(axis=1)


def mrr_cents(plan, seats, nmods, price_factor, cycle) -> np.ndarray:
    plan = np.asarray(plan, np.int64)
    extra_modules = np.asarray(nmods, np.int64) - pools.PLANO_MODULOS[plan, 0]
    list_price = (seats * pools.PLANO_PRECO_LICENCA[plan] + pools.PLANO_TAXA_BASE[plan]) * (
        1 + 0.07 * extra_modules
    )
    cycle_discount = np.array([1.0, 0.96, 0.88])[np.asarray(cycle, np.int64)]
    return np.round(list_price * price_factor * cycle_discount * 100).astype(np.int64)
