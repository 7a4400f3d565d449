"""Vectorised text formatting: ids, dates, money, CNPJ, with the dirty variants.

Clean formats (what a well-behaved source export would contain):
ids `CLI-000123`, dates `2024-03-15`, timestamps-as-text `2024-03-15 14:02:11`,
money `1234.56`, CNPJ `12.345.678/0001-95`. Dirty variants are produced only for
the few rows the dirt injector picked, so plain Python is fine there.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.units import US_PER_DAY, US_PER_SECOND

EPOCH = dt.date(1970, 1, 1)

# date/timestamp text variants (0 = clean ISO)
DATE_ISO, DATE_BR, DATE_EPOCH, DATE_IMPOSSIBLE = 0, 1, 2, 3
# money variants (0 = clean 1234.56)
MONEY_PLAIN, MONEY_BRL, MONEY_US = 0, 1, 2
# cnpj variants (0 = clean punctuated)
CNPJ_PUNCT, CNPJ_DIGITS, CNPJ_BAD_DV = 0, 1, 2


def strings_from_matrix(chars: np.ndarray) -> pa.Array:
    """Fixed-width byte matrix (n, w) of ASCII -> Arrow string array, without Python loops
    (no copy when the matrix is already contiguous uint8)."""
    n, width = chars.shape
    data = np.ascontiguousarray(chars, dtype=np.uint8).reshape(-1)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _store(buffer: np.ndarray, dtype, offset: int, stride: int, values) -> None:
    """buffer[offset + i * stride] (as dtype, unaligned) = values[i]."""
    rows = (len(buffer) - offset - np.dtype(dtype).itemsize) // stride + 1
    np.ndarray((rows,), dtype=dtype, buffer=buffer, offset=offset, strides=(stride,))[...] = values


# the four ASCII digits of 0000..9999 (built with numpy: a Python loop cost ~7 ms per process)
_LUT4 = (48 + np.arange(10_000)[:, None] // np.array([1000, 100, 10, 1]) % 10).astype(np.uint8)
_LUT4_WORDS = _LUT4.view(np.uint32).reshape(-1)


def _run_words(first: int, n: int, chunks: int, out: np.ndarray | None = None) -> np.ndarray:
    """_digit_words of the run first, first+1, ..., first+n-1, from tiles and repeats."""
    words = np.empty((n, chunks), dtype=np.uint32) if out is None else out
    for chunk in range(chunks - 1, -1, -1):
        scale = 10_000 ** (chunks - 1 - chunk)
        lo, hi = first // scale, (first + n - 1) // scale
        if scale == 1:  # the lowest chunk cycles through all 10,000 words
            words[:, chunk] = np.resize(np.roll(_LUT4_WORDS, -(first % 10_000)), n)
        else:
            # each value repeats `scale` times, except at both ends of the run
            values = _LUT4_WORDS[np.arange(lo, hi + 1) % 10_000]
            counts = np.full(hi - lo + 1, scale, dtype=np.int64)
            counts[0] = min(n, (lo + 1) * scale - first)
            if hi > lo:
                counts[-1] = first + n - hi * scale
            words[:, chunk] = np.repeat(values, counts)
    return words


def _digit_words(numbers: np.ndarray, chunks: int, out: np.ndarray | None = None) -> np.ndarray:
    """(n, chunks) uint32 words, each the ASCII of 4 decimal digits (most significant first),
    into `out` (any (n, chunks) uint32 view) when given."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = numbers.shape[0]
    if n > 4096 and numbers[0] >= 0:
        # mostly a run of consecutive ids (event ids, a few rows swapped or overwritten)? A
        # sample of every 64th id decides before the whole array is compared
        first = int(numbers[0])
        sample = numbers[::64]
        if np.count_nonzero(sample != np.arange(first, first + 64 * len(sample), 64)) < len(sample) // 16:
            off = np.flatnonzero(numbers != np.arange(first, first + n, dtype=np.int64))
            if len(off) < n // 16:
                words = _run_words(first, n, chunks, out)
                if len(off):
                    words[off] = _digit_words(numbers[off], chunks)
                return words
    words = np.empty((numbers.shape[0], chunks), dtype=np.uint32) if out is None else out
    if n and numbers.min() >= 0 and (top := numbers.max()) < 2**32:  # uint32 maths is ~3x faster
        rest32 = numbers.astype(np.uint32)
        for chunk in range(chunks - 1, -1, -1):
            if chunk == 0 and top < 10_000**chunks:  # the leading chunk needs no division
                words[:, 0] = _LUT4_WORDS[rest32]
                break
            quotient32 = rest32 // np.uint32(10_000)
            words[:, chunk] = _LUT4_WORDS[rest32 - quotient32 * np.uint32(10_000)]
            rest32 = quotient32
        return words
    rest = numbers
    for chunk in range(chunks - 1, -1, -1):
        quotient = rest // 10_000
        words[:, chunk] = _LUT4_WORDS[rest - quotient * 10_000]  # x % 10_000 is slower than this
        rest = quotient
    return words


def digits_matrix(numbers: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 ASCII digits of non-negative integers, zero-padded."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = numbers.shape[0]
    chunks = -(-width // 4)
    return _digit_words(numbers, chunks).view(np.uint8).reshape(n, chunks * 4)[:, chunks * 4 - width :]


def fixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """e.g. fixed_ids('CLI-', [123], 6) -> ['CLI-000123']."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = numbers.shape[0]
    head = prefix.encode("ascii")
    chunks = -(-width // 4)
    pad = chunks * 4 - width
    if len(head) % 4 == 0 and pad == 0:  # whole 4-byte words: no byte shuffling at all
        words = np.empty((n, len(head) // 4 + chunks), dtype=np.uint32)
        words[:, : len(head) // 4] = np.frombuffer(head, dtype=np.uint32)
        _digit_words(numbers, chunks, out=words[:, len(head) // 4 :])
        return strings_from_matrix(words.view(np.uint8).reshape(n, len(head) + width))
    if len(head) == 4 and pad < 4 and n:
        # 4-byte word stores into the rows: the digit words end at the row's end, their
        # leading zero padding is then overwritten by the prefix word
        row = len(head) + width
        data = np.empty(n * row, dtype=np.uint8)
        words = _digit_words(numbers, chunks)
        for chunk in range(chunks):
            _store(data, np.uint32, 4 - pad + 4 * chunk, row, words[:, chunk])
        _store(data, np.uint32, 0, row, np.frombuffer(head, dtype=np.uint32)[0])
        return strings_from_matrix(data.reshape(n, row))
    matrix = np.empty((n, len(head) + width), dtype=np.uint8)
    matrix[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    matrix[:, len(head) :] = digits_matrix(numbers, width)
    return strings_from_matrix(matrix)


def patch(array: pa.Array, index: np.ndarray, values: list) -> pa.Array:
    """Replace array[index[k]] with values[k] (values may contain None)."""
    if len(index) == 0:
        return array
    if pa.types.is_dictionary(array.type):  # new dictionary entries, the rows point at them
        extra = pa.array(values, type=array.type.value_type)
        indices = np.array(array.indices.to_numpy(zero_copy_only=False), dtype=np.int32, copy=True)
        indices[index] = len(array.dictionary) + np.arange(len(index), dtype=np.int32)
        mask = np.asarray(array.is_null()) if array.null_count else None
        if mask is not None:
            mask = mask.copy()
            mask[index] = [v is None for v in values]
        return pa.DictionaryArray.from_arrays(
            pa.array(indices, mask=mask), pa.concat_arrays([array.dictionary, extra])
        )
    extra = pa.array(values, type=array.type)
    take = np.arange(len(array), dtype=np.int64)
    take[index] = len(array) + np.arange(len(index), dtype=np.int64)
    return pa.concat_arrays([array, extra]).take(pa.array(take))


def with_nulls(array: pa.Array, mask: np.ndarray | None) -> pa.Array:
    """Null out array[mask] (a validity bitmap when possible, else if_else)."""
    if mask is None or not mask.any():
        return array
    if pa.types.is_dictionary(array.type):
        return pa.DictionaryArray.from_arrays(with_nulls(array.indices, mask), array.dictionary)
    if array.null_count == 0 and array.offset == 0 and not pa.types.is_dictionary(array.type):
        buffers = array.buffers()
        buffers[0] = pa.py_buffer(np.packbits(~mask, bitorder="little"))
        return pa.Array.from_buffers(array.type, len(array), buffers)
    return pc.if_else(pa.array(mask), pa.nulls(len(array), array.type), array)


def dictionary_ids(
    prefix: str, numbers: np.ndarray, width: int, limit: int, null: np.ndarray | None
) -> pa.Array:
    """Ids as a dictionary array: dictionary = ids 0..limit-1 plus any value outside (orphans).

    Parquet stores string columns dictionary-encoded anyway; handing the writer the
    dictionary saves hashing every value. Readers see a plain string column.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    outside = np.flatnonzero((numbers < 0) | (numbers >= limit))
    indices = numbers.astype(np.int32)
    indices[outside] = limit + np.arange(len(outside), dtype=np.int32)
    dictionary = fixed_ids(prefix, np.concatenate([np.arange(limit), numbers[outside]]), width)
    index_array = with_nulls(pa.array(indices, pa.int32()), null)
    return pa.DictionaryArray.from_arrays(index_array, dictionary)


# --- dates -------------------------------------------------------------------------------------


_DATE_LUT_DAYS = 47_482  # 1970-01-01 .. 2099-12-31


@lru_cache(maxsize=1)
def _date_lut() -> np.ndarray:
    """(days, 10) uint8: the ISO text of every day from 1970 to 2099, built once."""
    text = pa.array(np.arange(_DATE_LUT_DAYS, dtype=np.int32), pa.date32()).cast(pa.string())
    return np.frombuffer(text.buffers()[2], dtype=np.uint8, count=10 * _DATE_LUT_DAYS).reshape(-1, 10)


@lru_cache(maxsize=1)
def _date_words() -> tuple[np.ndarray, np.ndarray]:
    """_date_lut as an 8-byte word ('2024-03-') and a 2-byte word ('15') per day."""
    lut = _date_lut()
    head = np.ascontiguousarray(lut[:, :8]).view(np.uint64).reshape(-1)
    return head, np.ascontiguousarray(lut[:, 8:]).view(np.uint16).reshape(-1)


def iso_dates(days: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD' from day numbers (a row gather from a lookup table of fixed-width text)."""
    days = np.asarray(days, dtype=np.int64)
    n = len(days)
    if n and days.min() >= 0 and days.max() < _DATE_LUT_DAYS:
        head, tail = _date_words()  # two 1-D gathers and two word stores per row
        data = np.empty(n * 10, dtype=np.uint8)
        _store(data, np.uint64, 0, 10, head[days])
        _store(data, np.uint16, 8, 10, tail[days])
        return strings_from_matrix(data.reshape(n, 10))
    return pa.array(days.astype(np.int32), pa.date32()).cast(pa.string())


def iso_timestamps(micros: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' (UTC) from int64 microseconds."""
    micros = np.asarray(micros, dtype=np.int64)
    days = micros // US_PER_DAY
    seconds = (micros % US_PER_DAY) // US_PER_SECOND
    date_part = (
        np.frombuffer(iso_dates(days).buffers()[2], dtype=np.uint8, count=10 * len(days)).reshape(-1, 10)
        if len(days)
        else np.empty((0, 10), np.uint8)
    )
    matrix = np.empty((len(days), 19), dtype=np.uint8)
    matrix[:, :10] = date_part
    matrix[:, 10] = ord(" ")
    matrix[:, 11:13] = digits_matrix(seconds // 3600, 2)
    matrix[:, 13] = ord(":")
    matrix[:, 14:16] = digits_matrix((seconds // 60) % 60, 2)
    matrix[:, 16] = ord(":")
    matrix[:, 17:19] = digits_matrix(seconds % 60, 2)
    return strings_from_matrix(matrix)


def _date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def date_variant(day: int, variant: int, seconds_of_day: int | None = None) -> str:
    """One dirty rendering of a date (or timestamp when seconds_of_day is given)."""
    date = _date(day)
    clock = ""
    if seconds_of_day is not None:
        clock = f" {seconds_of_day // 3600:02d}:{(seconds_of_day // 60) % 60:02d}:{seconds_of_day % 60:02d}"
    if variant == DATE_BR:
        return f"{date.day:02d}/{date.month:02d}/{date.year:04d}{clock}"
    if variant == DATE_EPOCH:
        return str(int(day) * 86_400 + (seconds_of_day or 0))
    if variant == DATE_IMPOSSIBLE:
        # a day that does not exist in that month (31/02, 30/02, 31/04, ...)
        if date.month in (4, 6, 9, 11):
            return f"31/{date.month:02d}/{date.year:04d}{clock}"
        return f"{30 + date.day % 2}/02/{date.year:04d}{clock}"
    return date.isoformat() + clock


# --- money -------------------------------------------------------------------------------------


def plain_money(cents: np.ndarray) -> pa.Array:
    """'1234.56' / '-12.30' from int64 cents."""
    cents = np.asarray(cents, dtype=np.int64)
    negative = cents < 0
    absolute = np.abs(cents)
    whole = pa.array(absolute // 100).cast(pa.string())
    frac = strings_from_matrix(digits_matrix(absolute % 100, 2))
    text = pc.binary_join_element_wise(whole, frac, ".")
    if negative.any():
        text = pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
    return text


def money_variant(cents: int, variant: int) -> str:
    sign = "-" if cents < 0 else ""
    value = abs(int(cents))
    grouped = f"{value // 100:,}"
    if variant == MONEY_BRL:
        return f"{sign}R$ {grouped.replace(',', '.')},{value % 100:02d}"
    if variant == MONEY_US:
        return f"{sign}{grouped}.{value % 100:02d}"
    return f"{sign}{value // 100}.{value % 100:02d}"


# --- CNPJ --------------------------------------------------------------------------------------

_W1 = np.array([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
_W2 = np.array([6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])


def _check_digits_from_root(root_digits: np.ndarray, branch: int) -> tuple[np.ndarray, np.ndarray]:
    """CNPJ check digits (mod 11) from the (n, 8) root digits (0..9) and the branch number."""
    branch_digits = np.array([int(c) for c in f"{branch:04d}"], dtype=np.int32)
    root = root_digits.astype(np.int32)
    s1 = root @ _W1[:8].astype(np.int32) + int(branch_digits @ _W1[8:12].astype(np.int32))
    r1 = s1 % 11
    dv1 = np.where(r1 < 2, 0, 11 - r1)
    s2 = root @ _W2[:8].astype(np.int32) + int(branch_digits @ _W2[8:12].astype(np.int32)) + 2 * dv1
    r2 = s2 % 11
    return dv1, np.where(r2 < 2, 0, 11 - r2)


@lru_cache(maxsize=1)
def _cnpj_chunk_sums() -> tuple[np.ndarray, ...]:
    """Weighted digit sums of every 4-digit chunk, for both check digits and both root halves."""
    digits = _LUT4.astype(np.int32) - 48  # (10000, 4)
    return tuple(digits @ weights[i : i + 4].astype(np.int32) for weights in (_W1, _W2) for i in (0, 4))


@lru_cache(maxsize=1)
def _dv_of_sum() -> np.ndarray:
    """CNPJ check digit from its weighted digit sum: 0 if sum % 11 < 2 else 11 - sum % 11."""
    rest = np.arange(2048) % 11
    return np.where(rest < 2, 0, 11 - rest).astype(np.int32)


@lru_cache(maxsize=1)
def _cnpj_packed_sums() -> tuple[np.ndarray, np.ndarray]:
    """Per 4-digit half of the root: its weighted sum for the first check digit (low 16
    bits) and for the second (high 16 bits), so one lookup per half gives both."""
    w1_high, w1_low, w2_high, w2_low = _cnpj_chunk_sums()
    return (w1_high | (w2_high << 16)).astype(np.int32), (w1_low | (w2_low << 16)).astype(np.int32)


def _check_digits_of_base(
    base: np.ndarray, branch: int, halves: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """_check_digits_from_root for 8-digit roots, from table lookups (both weighted sums of
    each 4-digit half of the root at once, then each sum's check digit)."""
    if halves is None:
        base = np.asarray(base)
        if base.dtype != np.uint32:
            base = (np.asarray(base, dtype=np.int64) % 100_000_000).astype(np.uint32)
        high = base // np.uint32(10_000)  # uint32 maths: roots have 8 digits
        halves = (high, base - high * np.uint32(10_000))
    high, low = halves
    packed_high, packed_low = _cnpj_packed_sums()
    branch_digits = np.array([int(c) for c in f"{branch:04d}"], dtype=np.int32)
    constant = int(branch_digits @ _W1[8:12]) | int(branch_digits @ _W2[8:12]) << 16
    sums = packed_high[high]
    sums += packed_low[low]
    sums += np.int32(constant)
    dv_of = _dv_of_sum()
    dv1 = dv_of[sums & np.int32(0xFFFF)]
    sums >>= np.int32(16)
    sums += 2 * dv1
    return dv1, dv_of[sums]


def cnpj_check_digits(base: np.ndarray, branch: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The two CNPJ check digits of root `base` (8 digits) and `branch` (4 digits)."""
    return _check_digits_from_root(digits_matrix(np.asarray(base, dtype=np.int64), 8) - 48, branch)


def cnpj_digits(base: np.ndarray, branch: int = 1) -> np.ndarray:
    """(n, 14) uint8 digits: 8-digit company root + 4-digit branch + 2 check digits."""
    base = np.asarray(base, dtype=np.int64)
    digits = np.empty((base.shape[0], 14), dtype=np.uint8)
    digits[:, :8] = digits_matrix(base, 8) - 48
    digits[:, 8:12] = np.frombuffer(b"%04d" % branch, dtype=np.uint8) - 48
    dv1, dv2 = cnpj_check_digits(base, branch)
    digits[:, 12] = dv1
    digits[:, 13] = dv2
    return digits


def cnpj_is_valid(text: str) -> bool:
    digits = [int(c) for c in text if c.isdigit()]
    if len(digits) != 14:
        return False
    expected = cnpj_digits(
        np.array([int("".join(map(str, digits[:8])))]), int("".join(map(str, digits[8:12])))
    )
    return list(expected[0]) == digits


@lru_cache(maxsize=1)
def _cnpj_words() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """8-byte words of CNPJ text, stored at offsets 0 and 5 of an 18-byte row: the root's
    high half '12.34' (3 bytes then overwritten), the low half with what follows '5.678/00';
    and the two check digits as one 2-byte word per value 00..99."""
    high = np.zeros((10_000, 8), dtype=np.uint8)
    high[:, :2], high[:, 2], high[:, 3:5] = _LUT4[:, :2], ord("."), _LUT4[:, 2:]
    low = np.empty((10_000, 8), dtype=np.uint8)
    low[:, 0], low[:, 1], low[:, 2:5] = _LUT4[:, 0], ord("."), _LUT4[:, 1:]
    low[:, 5:8] = np.frombuffer(b"/00", dtype=np.uint8)
    pairs = np.ascontiguousarray(_LUT4[:100, 2:])
    return (
        high.view(np.uint64).reshape(-1),
        low.view(np.uint64).reshape(-1),
        pairs.view(np.uint16).reshape(-1),
    )


def cnpj_text(base: np.ndarray, variant: np.ndarray | None = None) -> pa.Array:
    """'12.345.678/0001-95' (variant CNPJ_DIGITS: 14 digits; CNPJ_BAD_DV: a wrong check digit).

    Each 18-byte row is written with four word stores (root halves, '001-', check digits)
    from lookup tables; the few rows of other variants are patched afterwards."""
    base = np.asarray(base)
    if base.dtype != np.uint32:
        base = (np.asarray(base, dtype=np.int64) % 100_000_000).astype(np.uint32)
    n = base.shape[0]
    high = base // np.uint32(10_000)
    low = base - high * np.uint32(10_000)
    dv1, dv2 = _check_digits_of_base(base, 1, (high, low))
    if variant is not None:
        bad = np.flatnonzero(variant == CNPJ_BAD_DV)
        first = (high[bad] // np.uint32(1000)).astype(np.int32)
        dv2[bad] = (dv2[bad] + 1 + first % 8) % 10  # always differs
    high_words, low_words, pair_words = _cnpj_words()
    data = np.empty(n * 18, dtype=np.uint8)
    if n:
        _store(data, np.uint64, 0, 18, high_words[high])
        _store(data, np.uint64, 5, 18, low_words[low])
        _store(data, np.uint32, 12, 18, np.frombuffer(b"001-", dtype=np.uint32)[0])
        dv1 *= 10
        dv1 += dv2
        _store(data, np.uint16, 16, 18, pair_words[dv1])
    text = strings_from_matrix(data.reshape(n, 18))
    if variant is not None:
        digits = np.flatnonzero(variant == CNPJ_DIGITS)
        if len(digits):
            rows = data.reshape(n, 18)[digits]
            parts = [_LUT4[high[digits]], _LUT4[low[digits]], rows[:, 11:15], rows[:, 16:18]]
            plain = np.concatenate(parts, axis=1)
            text = patch(text, digits, strings_from_matrix(plain).to_pylist())
    return text
