"""Usage events (eventos_uso): the month's sessions of every account's active users, sampled
from raw random bits through lookup tables (day, hour, second, user, module, feature,
duration), which keeps ~10M events a run in the low seconds.
"""

from __future__ import annotations

import numpy as np

from generator import bizcal, pools
from generator.customers import N_MODULES, PERMS
from generator.frame import ID, INT, TEXT, TS, Col, Frame, pool_dictionary
from generator.units import US_PER_SECOND

# lookup tables that turn 12-bit uniform integers into samples (the event loop uses raw random bits)
_Q = (np.arange(4096) + 0.5) / 4096
HOUR_LUT = (np.searchsorted(bizcal.HOUR_CDF, _Q) + bizcal.BRT_OFFSET_HOURS).astype(np.int64) * 3600


def _normal_quantiles(q: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF (Acklam's rational approximation).

    Not `statistics.NormalDist().inv_cdf` (as forecast.py uses) on purpose: measured against it,
    |error| <= 2.2e-9 for 0.02425 <= q <= 0.97575 but up to 1.3e-5 in the tails, which moves 2 of
    the 4096 `_DURATION_LUT` entries by one second (2462 -> 2463, 3829 -> 3830) and so the bytes of
    every `eventos_uso` file. Swap it when the generator's output may change (a new version)."""
    a = [
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    ]
    b = [
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    ]
    c = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549671010243010e00,
        4.374664141464968e00,
        2.938163982698783e00,
    ]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00]
    q = np.asarray(q, dtype=np.float64)
    out = np.empty_like(q)
    low, high = q < 0.02425, q > 1 - 0.02425
    mid = ~(low | high)
    r = q[mid] - 0.5
    t = r * r
    out[mid] = (
        (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5])
        * r
        / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1)
    )
    for mask, sign, values in ((low, 1, q[low]), (high, -1, 1 - q[high])):
        t = np.sqrt(-2 * np.log(values))
        out[mask] = (
            sign
            * (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5])
            / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1)
        )
    return out


_DURATION_LUT = np.round(np.exp(6.0 + 0.9 * _normal_quantiles(_Q))).astype(np.int64) + 5
_SLOT_LUT = ((np.arange(64) + 0.5) / 64) ** 1.4  # core modules are used most


def _day_lut(cdf: np.ndarray, resolution: int = 8192) -> np.ndarray:
    """Inverse CDF of the month's day weights on a fine grid: u -> day offset."""
    grid = (np.arange(resolution) + 0.5) / resolution
    return np.clip(np.searchsorted(cdf, grid, side="right") - 1, 0, len(cdf) - 2)


def events_frame(state, rng, lam, active_users, first_user, h, win_start, win_end, cdf, d0, batch):
    """Usage events, as a zero-argument builder of the Frame.

    Here (on the simulation thread) only the per-customer counts are drawn and the id
    range is reserved; the builder captures copies of the few per-customer arrays it
    needs, so it can run on a writer thread while later months are simulated. All its
    randomness comes from `rng` (this month's events stream), so where it runs does
    not change a byte."""
    c = state.customers
    count = rng.poisson(lam)
    m = int(count.sum())
    first_id = state.next_id["EVT-"]
    state.next_id["EVT-"] += m
    used = np.maximum(1, np.round(c.nmods.astype(np.int64) * (0.3 + 0.7 * h))).astype(np.int64)
    lo = cdf[np.clip(win_start - d0, 0, len(cdf) - 1)]
    span = cdf[np.clip(win_end - d0, 0, len(cdf) - 1)] - lo
    captured = {
        "count": count,
        "first_user": np.asarray(first_user, np.int64).copy(),
        "active_users": np.asarray(active_users, np.int64),
        "used": used,
        "mod_order": c.mod_order.astype(np.int64),
        "lo": lo,
        "span": span,
    }
    lut = _day_lut(cdf)

    def build() -> Frame:
        return _build_events(rng, captured, lut, first_id, m, d0, batch)

    build.rows = m
    return build


def _build_events(rng, cap, lut, first_id, m, d0, batch) -> Frame:
    """One 64-bit random word per event is cut into bit fields (day, hour, second, user,
    module slot, feature), a second one gives the duration; all the sampling is table
    lookups, which keeps 10M events in the low seconds. Per-customer values reach the
    events by np.repeat (a sequential copy), not by a gather through the customer index;
    the module of a slot comes from a lookup table over (module order, modules in use,
    slot draw). The bit fields are cut into one reused int64 scratch array (signed views
    index without a cast; the masks make the arithmetic shifts exact)."""
    count = cap["count"]

    def each(values: np.ndarray) -> np.ndarray:  # the customer's value on each of its events
        return np.repeat(values, count)

    bits = rng.bit_generator.random_raw(m).view(np.int64)
    more = rng.bit_generator.random_raw(m).view(np.int64)
    field = np.empty(m, dtype=np.int64)

    def cut(word: np.ndarray, shift: int, mask: int) -> np.ndarray:  # (word >> shift) & mask, in `field`
        np.right_shift(word, shift, out=field)
        return np.bitwise_and(field, mask, out=field)

    # day: uniform inside the customer's active window of the month, weighted by the calendar
    u_day = cut(bits, 0, 0xFFF).astype(np.float64)
    u_day += 0.5
    u_day *= 1 / 4096
    u_day *= each(cap["span"])
    u_day += each(cap["lo"])
    u_day *= len(lut)
    index = field
    np.copyto(index, u_day, casting="unsafe")  # truncation, as astype
    del u_day
    np.minimum(index, len(lut) - 1, out=index)
    when = lut.take(index, mode="clip")
    when += d0
    when *= 86_400
    when += HOUR_LUT.take(cut(bits, 12, 0xFFF), mode="clip")
    second = cut(bits, 24, 0xFFF)
    second *= 3600
    second >>= 12
    when += second
    when *= US_PER_SECOND
    user = np.multiply(cut(bits, 36, 0xFFFF), each(cap["active_users"]))
    user >>= 16
    user += each(cap["first_user"])
    # breadth: healthy accounts use more of their licensed modules
    at = each((cap["mod_order"] * (N_MODULES + 1) + cap["used"]) * 64)
    at += cut(bits, 52, 0x3F)
    module = _MODULE_LUT.take(at, mode="clip")
    np.copyto(at, module)
    at <<= 6
    at += cut(bits, 58, 0x3F)
    feature = _FEATURE_LUT.take(at, mode="clip")
    del bits, at
    duration = _DURATION_LUT.take(cut(more, 0, 0xFFF), mode="clip")
    duration += cut(more, 12, 0x3F)
    del more
    n = len(count)
    cust_id = each(np.arange(1, n + 1, dtype=np.int64))
    p = pools.get_pools()
    cols = {
        "id_evento": Col(ID, np.arange(first_id, first_id + m, dtype=np.int64), prefix="EVT-", width=12),
        "id_cliente": Col(ID, cust_id, prefix="CLI-", width=6, dict_limit=n + 1),
        "id_usuario": Col(ID, user, prefix="USR-", width=7),
        "modulo": Col(TEXT, pool_dictionary(module, p.modulos)),
        "funcionalidade": Col(TEXT, pool_dictionary(feature, p.features)),
        "ocorrido_em": Col(TS, when),
        "duracao_segundos": Col(INT, duration),
    }
    return Frame("eventos_uso", m, cols, np.full(m, batch, np.int64), owned=True)


def _module_lut() -> np.ndarray:
    """Module of (module order, modules in use, 6-bit slot draw), flat: slot = the draw's
    quantile x modules in use (core modules are used most); slots 0 and 1 are the two core
    modules, the others follow the customer's order of the optional ones."""
    used = np.arange(N_MODULES + 1, dtype=np.int64)
    slot = (_SLOT_LUT[None, :] * used[:, None]).astype(np.int64)  # (used, draw)
    module = np.where(slot[None] < 2, slot[None], PERMS[:, np.maximum(slot - 2, 0)] + 2)
    return module.astype(np.int8).reshape(-1)


_MODULE_LUT = _module_lut()


# feature of (module, 6-bit draw): the module's features, uniformly
_FEATURE_LUT = (
    (pools.FEATURE_OFFSET[:, None] + ((np.arange(64)[None, :] * pools.FEATURE_COUNT[:, None]) >> 6))
    .astype(np.int8)
    .reshape(-1)
)
