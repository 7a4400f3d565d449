"""Pure helpers of app/queries.py, and the filtered KPI sums against the real marts."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from app import queries


def _portfolio() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": ["CLI-1", "CLI-2", "CLI-3", "CLI-4"],
            "company_name": ["Padaria Pão Quente", "Metalúrgica Aço", "Clínica Vida", None],
            "segment": ["Varejo", "Indústria", "Saúde", "Varejo"],
            "company_size": ["Pequena", "Grande", "Média", "Pequena"],
            "uf": ["SP", "MG", "SP", "RJ"],
            "csm_owner": ["Ana", "Bruno", "Ana", "Bruno"],
            "plan": ["Essencial"] * 4,
            "current_mrr": [1000.0, 5000.0, 2000.0, 300.0],
            "churn_probability": [0.5, 0.1, 0.3, np.nan],
            "health_score": [30.0, 80.0, 55.0, 60.0],
            "health_tier": ["risco", "saudável", "atenção", "atenção"],
            "risk_tier": ["alto", "baixo", "alto", None],
            "top_drivers": [
                json.dumps([{"feature": "events_30d", "delta": 0.2, "text": "uso caiu"}]),
                None,
                "[]",
                None,
            ],
            "renewal_date": pd.to_datetime(["2025-01-31", "2025-06-30", None, "2025-03-01"]),
        }
    )
    frame["mrr_at_risk"] = frame["churn_probability"] * frame["current_mrr"]
    frame["drivers"] = frame["top_drivers"].map(queries.drivers_text)
    return frame


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ["CLI-1", "CLI-2", "CLI-3", "CLI-4"]),
        ({"segment": "Varejo"}, ["CLI-1", "CLI-4"]),
        ({"uf": "SP", "csm": "Ana"}, ["CLI-1", "CLI-3"]),
        ({"health_tier": "atenção"}, ["CLI-3", "CLI-4"]),
        ({"min_probability": 0.3}, ["CLI-1", "CLI-3"]),
        ({"search": "  clínica "}, ["CLI-3"]),
        ({"search": "cli-2"}, ["CLI-2"]),
        ({"segment": "Varejo", "company_size": "Grande"}, []),
    ],
)
def test_filter_portfolio(kwargs, expected):
    assert list(queries.filter_portfolio(_portfolio(), **kwargs)["customer_id"]) == expected


def test_portfolio_csv_is_the_filtered_rows_in_pt_br_excel_format():
    shown = queries.filter_portfolio(_portfolio(), segment="Varejo")
    raw = queries.portfolio_csv(shown)
    assert raw.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8 accents
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(back["customer_id"]) == ["CLI-1", "CLI-4"]
    assert list(back.columns) == queries.EXPORT_COLUMNS
    assert back.loc[0, "current_mrr"] == pytest.approx(1000.0)
    assert back.loc[0, "mrr_at_risk"] == pytest.approx(500.0)
    assert back.loc[0, "renewal_date"] == "2025-01-31"
    assert "1000,0000" in raw.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("raw", "features", "contributions"),
    [
        (
            json.dumps([{"feature": "a", "delta": 0.2, "text": "t"}, {"feature": "b", "delta": -0.1}]),
            ["a", "b"],
            [0.2, -0.1],
        ),
        ('{"x": 0.3}', ["x"], [0.3]),
        ('["y", "z"]', ["y", "z"], [None, None]),
        (None, [], []),
        (float("nan"), [], []),
    ],
)
def test_parse_drivers(raw, features, contributions):
    drivers = queries.parse_drivers(raw)
    assert [d["feature"] for d in drivers] == features
    assert [d["contribution"] for d in drivers] == contributions


def test_drivers_text_prefers_the_models_text():
    raw = json.dumps([{"feature": "a", "delta": 0.2, "text": "uso -30%"}, {"feature": "b", "delta": -0.1}])
    assert queries.drivers_text(raw) == "uso -30%; b ↓"


def test_filtered_rates_from_sums():
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "mrr": [1000.0, 1050.0],
            "previous_mrr": [0.0, 1000.0],
            "new_mrr": [1000.0, 100.0],
            "expansion_mrr": [0.0, 50.0],
            "contraction_mrr": [0.0, 20.0],
            "churned_mrr": [0.0, 80.0],
            "reactivation_mrr": [0.0, 0.0],
            "active_customers": [10.0, 10.0],
            "churned_customers": [0.0, 1.0],
        }
    )
    out = queries.filtered_rates(frame).iloc[1]
    assert out["logo_churn_rate"] == pytest.approx(0.1)
    assert out["gross_mrr_churn_rate"] == pytest.approx(0.1)
    assert out["grr"] == pytest.approx(0.9)
    assert out["nrr"] == pytest.approx(0.95)
    assert out["quick_ratio"] == pytest.approx(1.5)
    assert np.isnan(queries.filtered_rates(frame).iloc[0]["nrr"])  # no base in the first month


def test_require_names_the_recipe():
    class NoTables:
        def table_exists(self, name):
            return False

    with pytest.raises(queries.DataUnavailable) as info:
        queries.require(NoTables(), "churn_scores")
    assert info.value.command == "just score"
    with pytest.raises(queries.DataUnavailable) as info:
        queries.require(NoTables(), "fct_kpis_mensais")
    assert info.value.command == "just transform"


def test_unfiltered_sums_match_the_kpi_mart(reader):
    mart = queries.kpis_mensais(reader).set_index("month")
    sums = queries.mrr_by_month(reader).set_index("month")
    common = mart.index.intersection(sums.index)
    assert len(common) >= 6
    for column in ("mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "active_customers"):
        np.testing.assert_allclose(
            sums.loc[common, column].astype(float),
            mart.loc[common, column].astype(float),
            rtol=1e-6,
            err_msg=column,
        )


def test_segment_filter_partitions_the_mrr(reader):
    options = queries.filter_options(reader)
    total = queries.mrr_by_month(reader)["mrr"].sum()
    parts = sum(queries.mrr_by_month(reader, segment=s)["mrr"].sum() for s in options["segment"])
    no_segment = reader.query(
        "select coalesce(sum(mrr_mensal.mrr), 0) as mrr from {analytics}.fct_mrr_mensal as mrr_mensal "
        "inner join {analytics}.dim_clientes as clientes on clientes.customer_id = mrr_mensal.customer_id "
        "where clientes.segment is null"
    )["mrr"].iloc[0]
    assert len(options["segment"]) >= 2
    assert parts + float(no_segment) == pytest.approx(total)
    assert queries.mrr_by_month(reader, segment=options["segment"][0])["mrr"].sum() < total


def test_portfolio_is_ranked_by_mrr_at_risk(reader):
    frame = queries.portfolio(reader)
    assert frame["mrr_at_risk"].is_monotonic_decreasing
    assert (frame["churn_probability"].dropna().between(0, 1)).all()
    active = reader.query("select count(*) as n from {analytics}.fct_clientes_kpis where churn_status = 0")
    assert len(frame) == int(active["n"].iloc[0])


def test_quality_reconciles(reader):
    quality = queries.quality(reader)
    assert not quality.empty
    assert quality["reconciles"].all(), quality[~quality["reconciles"]]
