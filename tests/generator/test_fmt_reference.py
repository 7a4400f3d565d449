"""generator/fmt.py against a plain Python reference on seeded random inputs.

fmt.py renders ids, dates, timestamps, money and CNPJs with lookup tables, word stores and
run detection for speed; each test here writes the same text the obvious way (f-strings,
datetime, the CNPJ mod-11 rule) and compares every value. The inputs hit the fast paths
(long runs of consecutive ids with a few rows out of place, uint32-sized numbers, days
inside the date table) and the fallbacks (short or scattered arrays, negative or huge
numbers, days outside 1970..2099).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from generator import fmt

SEEDS = range(4)
EPOCH = dt.date(1970, 1, 1)


def reference_id(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


def reference_date(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()


def reference_timestamp(micros: int) -> str:
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def reference_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def reference_cnpj_digits(root: int, branch: int = 1) -> list[int]:
    """The 14 digits of a CNPJ: root, branch, then the two mod-11 check digits."""
    digits = [int(c) for c in f"{root:08d}{branch:04d}"]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return digits


def reference_cnpj(root: int) -> str:
    d = "".join(map(str, reference_cnpj_digits(root)))
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


def id_inputs(rng: np.random.Generator, width: int) -> list[np.ndarray]:
    """Scattered ids, a long run with some rows out of place, a run crossing 10,000 boundaries."""
    top = 10**width
    scattered = rng.integers(0, top, int(rng.integers(0, 3000)))
    first = int(rng.integers(0, top - 20_000))
    run = np.arange(first, first + int(rng.integers(4097, 20_000)), dtype=np.int64)
    moved = rng.choice(len(run), size=len(run) // 40, replace=False)
    run[moved] = rng.integers(0, top, len(moved))
    crossing = np.arange(9_990 - int(rng.integers(0, 5000)), 30_011, dtype=np.int64) % top
    return [scattered, run, crossing]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("prefix", "width"),
    [("CLI-", 6), ("CTR-", 7), ("FAT-", 8), ("EVT-", 12), ("USR-", 7), ("X", 5), ("", 5), ("LONG-", 11)],
)
def test_fixed_ids_match_fstrings(seed: int, prefix: str, width: int) -> None:
    rng = np.random.default_rng([seed, width])
    for numbers in id_inputs(rng, width):
        got = fmt.fixed_ids(prefix, numbers, width).to_pylist()
        assert got == [reference_id(prefix, int(x), width) for x in numbers]


@pytest.mark.parametrize("seed", SEEDS)
def test_digits_matrix_matches_fstrings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for width in (1, 2, 3, 4, 5, 8, 9, 13, 16):
        numbers = rng.integers(0, min(10**width, 2**62), 500)
        matrix = fmt.digits_matrix(numbers, width)
        assert [row.tobytes().decode() for row in matrix] == [f"{int(x):0{width}d}" for x in numbers]


@pytest.mark.parametrize("seed", SEEDS)
def test_dictionary_ids_match_fstrings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    limit = int(rng.integers(1, 2000))
    numbers = rng.integers(0, limit, 3000)
    numbers[rng.random(3000) < 0.05] = rng.integers(900_000, 999_999)  # orphans outside the dictionary
    null = rng.random(3000) < 0.05
    got = fmt.dictionary_ids("CLI-", numbers, 6, limit, null).to_pylist()
    assert got == [None if n else reference_id("CLI-", int(x), 6) for x, n in zip(numbers, null, strict=True)]


@pytest.mark.parametrize("seed", SEEDS)
def test_iso_dates_match_datetime(seed: int) -> None:
    rng = np.random.default_rng(seed)
    inside = rng.integers(0, 47_482, 2000)  # the lookup table's 1970..2099
    outside = rng.integers(-700_000, 2_000_000, 200)  # the fallback
    for days in (inside, outside, np.concatenate([inside, [0, 47_481]]), np.empty(0, np.int64)):
        assert fmt.iso_dates(days).to_pylist() == [reference_date(int(d)) for d in days]


@pytest.mark.parametrize("seed", SEEDS)
def test_iso_timestamps_match_datetime(seed: int) -> None:
    rng = np.random.default_rng(seed)
    micros = rng.integers(0, 4_102_444_800 * 1_000_000, 2000)  # 1970..2099
    assert fmt.iso_timestamps(micros).to_pylist() == [reference_timestamp(int(m)) for m in micros]


@pytest.mark.parametrize("seed", SEEDS)
def test_plain_money_matches_fstrings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cents = np.concatenate([rng.integers(-(10**9), 10**11, 2000), [0, -1, 1, -99, 100, -100, 10**15]])
    assert fmt.plain_money(cents).to_pylist() == [reference_money(int(c)) for c in cents]


@pytest.mark.parametrize("seed", SEEDS)
def test_money_variants_match_fstrings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for cents in rng.integers(-(10**9), 10**11, 300):
        value = abs(int(cents))
        sign = "-" if cents < 0 else ""
        whole = f"{value // 100:,}"
        assert fmt.money_variant(int(cents), fmt.MONEY_US) == f"{sign}{whole}.{value % 100:02d}"
        brl = f"{sign}R$ {whole.replace(',', '.')},{value % 100:02d}"
        assert fmt.money_variant(int(cents), fmt.MONEY_BRL) == brl
        assert fmt.money_variant(int(cents), fmt.MONEY_PLAIN) == reference_money(int(cents))


@pytest.mark.parametrize("seed", SEEDS)
def test_cnpj_text_matches_the_mod11_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    roots = np.concatenate([rng.integers(0, 100_000_000, 1500), [0, 99_999_999, 11_111_111]])
    kinds = [fmt.CNPJ_PUNCT, fmt.CNPJ_DIGITS, fmt.CNPJ_BAD_DV]
    variant = rng.choice(kinds, size=len(roots), p=[0.8, 0.1, 0.1])
    for as_uint32 in (False, True):
        given = roots.astype(np.uint32) if as_uint32 else roots
        got = fmt.cnpj_text(given, variant).to_pylist()
        for text, root, kind in zip(got, roots, variant, strict=True):
            clean = reference_cnpj(int(root))
            if kind == fmt.CNPJ_PUNCT:
                assert text == clean
            elif kind == fmt.CNPJ_DIGITS:
                assert text == "".join(c for c in clean if c.isdigit())
            else:  # the same text with a wrong last check digit
                assert text[:-1] == clean[:-1] and text[-1] != clean[-1]
                assert not fmt.cnpj_is_valid(text)
    assert fmt.cnpj_text(roots).to_pylist() == [reference_cnpj(int(r)) for r in roots]


@pytest.mark.parametrize("seed", SEEDS)
def test_cnpj_check_digits_match_the_mod11_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    roots = rng.integers(0, 100_000_000, 1000)
    branch = int(rng.integers(1, 10_000))
    dv1, dv2 = fmt.cnpj_check_digits(roots, branch)
    expected = [reference_cnpj_digits(int(r), branch)[12:] for r in roots]
    assert [[int(a), int(b)] for a, b in zip(dv1, dv2, strict=True)] == expected
    assert all(fmt.cnpj_is_valid(reference_cnpj(int(r))) for r in roots[:200])


@pytest.mark.parametrize("seed", SEEDS)
def test_patch_and_with_nulls_match_list_edits(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = [f"v{int(x)}" for x in rng.integers(0, 50, 500)]
    index = rng.choice(500, size=40, replace=False)
    new = [None if rng.random() < 0.3 else f"new{k}" for k in range(40)]
    expected = list(values)
    for position, value in zip(index, new, strict=True):
        expected[position] = value
    plain = pa.array(values, pa.string())
    assert fmt.patch(plain, index, new).to_pylist() == expected
    assert fmt.patch(plain.dictionary_encode(), index, new).to_pylist() == expected
    mask = rng.random(500) < 0.2
    nulled = [None if m else v for v, m in zip(values, mask, strict=True)]
    assert fmt.with_nulls(plain, mask).to_pylist() == nulled
    assert fmt.with_nulls(plain.dictionary_encode(), mask).to_pylist() == nulled
    assert fmt.with_nulls(plain.slice(3), mask[3:]).to_pylist() == nulled[3:]
