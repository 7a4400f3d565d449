import math
from datetime import date, datetime

import pandas as pd
import pytest

from app import fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.56, "R$ 1.234,56"),
        (0, "R$ 0,00"),
        (0.005, "R$ 0,01"),
        (-0.001, "R$ 0,00"),  # no "-R$ 0,00"
        (-10, "-R$ 10,00"),
        (1234567.891, "R$ 1.234.567,89"),
        (999.999, "R$ 1.000,00"),
        (None, "—"),
        (float("nan"), "—"),
        (pd.NA, "—"),
    ],
)
def test_brl(value, expected):
    assert fmt.brl(value) == expected


def test_brl_english_keeps_reais():
    assert fmt.brl(1234.5, lang="en") == "R$ 1,234.50"


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "expected"),
    [
        (12345, 0, "pt", "12.345"),
        (12345.678, 2, "pt", "12.345,68"),
        (12345.678, 2, "en", "12,345.68"),
        (100, 0, "pt", "100"),
        (1000, 0, "pt", "1.000"),
        (-1500.5, 1, "pt", "-1.500,5"),
        (math.inf, 0, "pt", "∞"),
    ],
)
def test_number(value, decimals, lang, expected):
    assert fmt.number(value, decimals, lang) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.0512, {}, "5,1%"),
        (0.0512, {"lang": "en"}, "5.1%"),
        (1.0345, {"decimals": 2}, "103,45%"),
        (0.02, {"signed": True}, "+2,0%"),
        (-0.02, {"signed": True}, "-2,0%"),
        (None, {}, "—"),
    ],
)
def test_pct(value, kwargs, expected):
    assert fmt.pct(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1_234_567, "pt", "R$ 1,23 mi"),
        (1_234_567, "en", "R$ 1.23M"),
        (2_500, "pt", "R$ 2,50 mil"),
        (-3_000_000_000, "pt", "-R$ 3,00 bi"),
        (950, "pt", "R$ 950,00"),
    ],
)
def test_brl_compact(value, lang, expected):
    assert fmt.brl_compact(value, lang) == expected


def test_dates_and_months():
    assert fmt.day(date(2024, 3, 5)) == "05/03/2024"
    assert fmt.day(pd.Timestamp("2024-03-05"), "en") == "2024-03-05"
    assert fmt.day("2024-12-31") == "31/12/2024"
    assert fmt.day(pd.NaT) == "—"
    assert fmt.month(pd.Timestamp("2025-02-01")) == "fev/2025"
    assert fmt.month(pd.Timestamp("2025-02-01"), "en") == "Feb 2025"
    # stored in UTC, shown on the CS team's clock (São Paulo, UTC-3 all year since 2019)
    assert fmt.timestamp(datetime(2026, 1, 2, 3, 4)) == "02/01/2026 00:04 (Brasília)"
    assert fmt.timestamp("2026-07-01T12:00:00+00:00", "en") == "2026-07-01 09:00 (Brasília)"


def test_cnpj_and_counts():
    assert fmt.cnpj("68958046000151") == "68.958.046/0001-51"
    assert fmt.cnpj("68.958.046/0001-51") == "68.958.046/0001-51"
    assert fmt.cnpj("123") == "123"  # not a CNPJ: shown as it is
    assert fmt.count(1, "cliente", "clientes") == "1 cliente"
    assert fmt.count(2, "cliente", "clientes") == "2 clientes"
    assert fmt.count(1234, "row", "rows", "en") == "1,234 rows"
    assert fmt.ratio(2.5) == "2,50x"


def test_day_rejects_non_dates():
    with pytest.raises(TypeError, match="expects a date"):
        fmt.day(12)


@pytest.mark.parametrize(
    ("hours", "lang", "expected"),
    [
        (0.4, "pt", "há 24 min"),
        (5, "pt", "há 5,0 h"),
        (60, "pt", "há 2,5 dias"),
        (60, "en", "2.5 days ago"),
        (-1, "pt", "há 0 min"),
        (None, "pt", "—"),
    ],
)
def test_age(hours, lang, expected):
    assert fmt.age(hours, lang) == expected


def test_brl_card_switches_to_compact_above_ten_million():
    assert fmt.brl_card(9_999_999.99) == "R$ 9.999.999,99"
    assert fmt.brl_card(31_124_330.12) == "R$ 31,12 mi"
    assert fmt.brl_card(None) == "—"


def test_display_frame_formats_pt_br_and_survives_missing_booleans():
    import pandas as pd

    from app import ui

    frame = pd.DataFrame(
        {
            "has_time_before_opening": pd.array([True, None, False], dtype="boolean"),
            "amount": [1234.56, None, 2.0],
            "due_date": pd.to_datetime(["2025-01-31", None, "2025-02-28"]),
        }
    )
    shown = ui.display_frame(frame, "pt")
    assert list(shown["has_time_before_opening"]) == ["sim", "—", "não"]
    assert list(shown["Valor"]) == ["R$ 1.234,56", "—", "R$ 2,00"]
    assert list(shown["Vencimento"]) == ["31/01/2025", "—", "28/02/2025"]
    assert list(ui.display_frame(frame, "en").columns) == ["has_time_before_opening", "Amount", "Due"]
