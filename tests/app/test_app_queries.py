"""Pure helpers of app/queries.py, and the filtered KPI sums against the real marts."""

import io
import json

import pandas as pd
import pytest

from app import queries


class DuckDBFixture:
    """A real in-memory DuckDB holding two tiny marts, read the way the app reads the warehouse."""

    def __init__(self):
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("create schema cs_ops_analytics")
        kpis = pd.DataFrame(
            {
                "customer_id": ["CLI-1", "CLI-2", "CLI-3", "CLI-4", "CLI-5"],
                "company_name": ["Padaria Pão Quente", "Metalúrgica Aço", "Clínica Vida", None, "Extinta"],
                "segment": ["Varejo", "Indústria", "Saúde", "Varejo", "Varejo"],
                "company_size": ["Pequena", "Grande", "Média", "Pequena", "Pequena"],
                "uf": ["SP", "MG", "SP", "RJ", "SP"],
                "csm_owner": ["Ana", "Bruno", "Ana", "Bruno", "Ana"],
                "plan": ["Essencial"] * 5,
                "current_mrr": [1000.0, 5000.0, 2000.0, 300.0, 0.0],
                "seats": [5, 20, 8, 2, 1],
                "health_score": [30.0, 80.0, 55.0, 60.0, 10.0],
                "health_tier": ["risco", "saudável", "atenção", "atenção", "risco"],
                "renewal_date": pd.to_datetime(["2025-01-31", "2025-06-30", None, "2025-03-01", None]),
                "tenure_months": [12, 30, 6, 3, 20],
                "churn_status": [0, 0, 0, 0, 1],
            }
        )
        scores = pd.DataFrame(
            {
                "customer_id": ["CLI-1", "CLI-2", "CLI-3", "CLI-1"],
                "snapshot_date": pd.to_datetime(["2025-01-31", "2025-01-31", "2025-01-31", "2024-12-31"]),
                "churn_probability": [0.5, 0.1, 0.3, 0.99],
                "risk_tier": ["alto", "baixo", "alto", "alto"],
                "top_drivers": [
                    json.dumps([{"feature": "events_30d", "delta": 0.2, "text": "uso caiu"}]),
                    None,
                    "[]",
                    None,
                ],
                "model_version": ["v1"] * 4,
            }
        )
        clientes = kpis[["customer_id"]].assign(
            cnpj=["11222333000181", "12345678000190", None, "98765432000110", "11111111000111"]
        )
        self.con.register("kpis_frame", kpis)
        self.con.register("scores_frame", scores)
        self.con.register("clientes_frame", clientes)
        self.con.execute("create table cs_ops_analytics.dim_clientes as select * from clientes_frame")
        self.con.execute("create table cs_ops_analytics.fct_clientes_kpis as select * from kpis_frame")
        self.con.execute("create table cs_ops_analytics.churn_scores as select * from scores_frame")

    def query(self, sql, params=None):
        from warehouse.base import fill_datasets, translate_params

        sql = fill_datasets(sql, "cs_ops_raw_data", "cs_ops_analytics")
        sql, used = translate_params(sql, params, "duckdb")
        return self.con.execute(sql, used or None).df()

    def table_exists(self, name, dataset="analytics"):
        return name in {"fct_clientes_kpis", "churn_scores", "dim_clientes"}


@pytest.fixture(scope="module")
def tiny():
    return DuckDBFixture()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ["CLI-3", "CLI-1", "CLI-2", "CLI-4"]),  # MRR at risk 600, 500, 500, none
        ({"segment": "Varejo"}, ["CLI-1", "CLI-4"]),
        ({"uf": "SP", "csm": "Ana"}, ["CLI-3", "CLI-1"]),
        ({"health_tier": "atenção"}, ["CLI-3", "CLI-4"]),
        ({"min_probability": 0.3}, ["CLI-3", "CLI-1"]),
        ({"search": "  CLÍNICA "}, ["CLI-3"]),
        ({"search": "clinica"}, ["CLI-3"]),  # accents do not matter
        ({"search": "metalurgica aco"}, ["CLI-2"]),
        ({"search": "12345678000190"}, ["CLI-2"]),  # CNPJ digits
        ({"search": "12.345.678/0001-90"}, ["CLI-2"]),  # CNPJ formatted
        ({"search": "345.678"}, ["CLI-2"]),  # part of a CNPJ
        ({"search": "cli-2"}, ["CLI-2"]),
        ({"search": "100%_"}, []),  # no LIKE wildcards: the text is matched literally
        ({"segment": "Varejo", "company_size": "Grande"}, []),
        ({"segment": "x' or '1'='1"}, []),  # bound, never formatted into SQL
    ],
)
def test_portfolio_filters_run_in_sql(tiny, kwargs, expected):
    rows, summary = queries.portfolio_page(tiny, 500, **kwargs)
    assert list(rows["customer_id"]) == expected
    assert summary["customers"] == len(expected)


def test_portfolio_page_ranks_limits_and_sums_over_every_match(tiny):
    rows, summary = queries.portfolio_page(tiny, 2)
    # latest scores only (CLI-1's older 0.99 is ignored); churned CLI-5 is out; unscored CLI-4 last
    assert list(rows["customer_id"]) == ["CLI-3", "CLI-1"]  # 600 > 500 MRR at risk
    assert list(rows["mrr_at_risk"]) == pytest.approx([600.0, 500.0])
    assert summary == {"customers": 4, "mrr": 8300.0, "mrr_at_risk": pytest.approx(1600.0), "high_risk": 2}
    assert rows.loc[rows["customer_id"] == "CLI-1", "drivers"].item() == "uso caiu"


def test_portfolio_export_is_the_filtered_rows_in_pt_br_excel_format(tiny):
    raw, rows, matched = queries.portfolio_export(tiny, segment="Varejo")
    assert (rows, matched) == (2, 2)
    assert raw.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8 accents
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(back["customer_id"]) == ["CLI-1", "CLI-4"]
    assert list(back.columns) == queries.EXPORT_COLUMNS
    assert back.loc[0, "current_mrr"] == pytest.approx(1000.0)
    assert back.loc[0, "mrr_at_risk"] == pytest.approx(500.0)
    assert back.loc[0, "renewal_date"] == "2025-01-31"
    assert "1000,0000" in raw.decode("utf-8-sig")
    raw, rows, matched = queries.portfolio_export(tiny, max_rows=1)  # the cap keeps the top rows
    assert (rows, matched) == (1, 4)
    assert pd.read_csv(io.BytesIO(raw), sep=";", decimal=",")["customer_id"].tolist() == ["CLI-3"]


def test_customer_search_is_small_and_puts_the_exact_id_first(tiny):
    found = queries.customer_search(tiny, "cli", 3)
    assert len(found) == 3 and int(found["matched_customers"].iloc[0]) == 5
    assert list(found["customer_id"]) == ["CLI-3", "CLI-2", "CLI-1"]  # active, by MRR at risk, then name
    assert list(queries.customer_search(tiny, "cli-5", 50)["customer_id"]) == ["CLI-5"]
    assert list(queries.customer_search(tiny, "padaria", 50)["customer_id"]) == ["CLI-1"]
    assert queries.customer_search(tiny, "nobody", 50).empty


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


KPI_COLUMNS = [
    "mrr", "starting_mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivation_mrr",
    "active_customers", "starting_customers", "churned_customers", "logo_churn_rate", "gross_mrr_churn_rate",
    "net_mrr_churn_rate", "nrr", "grr", "quick_ratio", "arr", "nrr_t12m", "grr_t12m",
]  # fmt: skip


def definition(reader, column: str | None = None, value: str | None = None) -> pd.DataFrame:
    """The KPIs as fct_kpis_mensais_filtros defines them, recomputed here from the customer-month
    MRR movements (fct_mrr_mensal) of the customers whose current `column` is `value`."""
    movements = reader.query("select * from {analytics}.fct_mrr_mensal")
    customers = reader.query("select * from {analytics}.dim_clientes")
    movements["month"] = queries.as_dates(movements["month"])
    movements = movements.merge(customers, on="customer_id", how="left")
    last_month = movements["month"].max()
    if column:
        movements = movements[movements[column] == value]
    movements = movements.astype({c: float for c in ("mrr", "previous_mrr", "expansion_mrr")})
    cohort = movements[movements["mrr"] > 0][["customer_id", "month", "mrr"]]
    cohort = cohort.assign(month=cohort["month"] + pd.DateOffset(months=12))
    cohort = cohort[cohort["month"] <= last_month]
    later = cohort.merge(movements[["customer_id", "month", "mrr"]], on=["customer_id", "month"], how="left")
    later = later.fillna({"mrr_y": 0.0})
    t12m = later.groupby("month").agg(before=("mrr_x", "sum"), now=("mrr_y", "sum"))
    t12m["kept"] = later.assign(kept=later[["mrr_x", "mrr_y"]].min(axis=1)).groupby("month")["kept"].sum()
    monthly = movements.groupby("month").agg(
        mrr=("mrr", "sum"),
        starting_mrr=("previous_mrr", "sum"),
        new_mrr=("new_mrr", "sum"),
        expansion_mrr=("expansion_mrr", "sum"),
        contraction_mrr=("contraction_mrr", "sum"),
        churned_mrr=("churned_mrr", "sum"),
        reactivation_mrr=("reactivation_mrr", "sum"),
        active_customers=("mrr", lambda s: (s > 0).sum()),
        starting_customers=("previous_mrr", lambda s: (s > 0).sum()),
        churned_customers=("movement", lambda s: (s == "churn").sum()),
    )
    monthly = monthly.join(t12m, how="outer").fillna(0.0)
    base = monthly["starting_mrr"].where(monthly["starting_mrr"] != 0)
    lost = monthly["churned_mrr"] + monthly["contraction_mrr"]
    monthly["logo_churn_rate"] = monthly["churned_customers"] / monthly["starting_customers"].where(
        monthly["starting_customers"] > 0
    )
    monthly["gross_mrr_churn_rate"] = lost / base
    monthly["net_mrr_churn_rate"] = (lost - monthly["expansion_mrr"]) / base
    monthly["nrr"] = (monthly["starting_mrr"] + monthly["expansion_mrr"] - lost) / base
    monthly["grr"] = (monthly["starting_mrr"] - lost) / base
    gained = monthly["new_mrr"] + monthly["expansion_mrr"] + monthly["reactivation_mrr"]
    monthly["quick_ratio"] = gained / lost.where(lost != 0)
    monthly["arr"] = monthly["mrr"] * 12
    monthly["nrr_t12m"] = monthly["now"] / monthly["before"].where(monthly["before"] != 0)
    monthly["grr_t12m"] = monthly["kept"] / monthly["before"].where(monthly["before"] != 0)
    return monthly[KPI_COLUMNS]


def assert_same_kpis(app: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    app = app.set_index("month")[KPI_COLUMNS].astype(float)
    assert list(app.index) == list(expected.index), what
    expected = expected.astype(float)
    pd.testing.assert_frame_equal(app, expected, check_exact=False, atol=0.011, rtol=1e-5, obj=what)


def test_unfiltered_kpis_are_the_mart(reader):
    mart = reader.query("select * from {analytics}.fct_kpis_mensais order by month")
    mart["month"] = queries.as_dates(mart["month"])
    app = queries.kpis_mensais(reader)
    assert len(app) >= 6 and app["nrr_t12m"].notna().any()
    columns = ["month", *KPI_COLUMNS]
    pd.testing.assert_frame_equal(app[columns], mart[columns], check_dtype=False)
    assert_same_kpis(app, definition(reader), "all customers")
    first = app.iloc[0]  # the first loaded month starts from the opening balance
    assert first["starting_mrr"] > 0
    movement = first["new_mrr"] + first["expansion_mrr"] + first["reactivation_mrr"]
    movement -= first["contraction_mrr"] + first["churned_mrr"]
    assert first["starting_mrr"] + movement == pytest.approx(first["mrr"], abs=0.05)


@pytest.mark.parametrize("column, parameter", [
    ("segment", "segment"), ("company_size", "company_size"), ("uf", "uf"), ("csm_owner", "csm"),
])  # fmt: skip
def test_every_filter_gives_the_definitions_numbers(reader, column, parameter):
    options = queries.filter_options(reader)[column]
    assert len(options) >= 2
    for value in options:
        app = queries.kpis_mensais(reader, **{parameter: value})
        assert_same_kpis(app, definition(reader, column, value), f"{column} = {value}")


def test_segment_filter_partitions_the_mrr(reader):
    options = queries.filter_options(reader)
    total = queries.kpis_mensais(reader)["mrr"].sum()
    parts = sum(queries.kpis_mensais(reader, segment=s)["mrr"].sum() for s in options["segment"])
    no_segment = reader.query(
        "select coalesce(sum(mrr_mensal.mrr), 0) as mrr from {analytics}.fct_mrr_mensal as mrr_mensal "
        "left join {analytics}.dim_clientes as clientes on clientes.customer_id = mrr_mensal.customer_id "
        "where clientes.segment is null"
    )["mrr"].iloc[0]
    assert len(options["segment"]) >= 2
    assert parts + float(no_segment) == pytest.approx(total)
    assert queries.kpis_mensais(reader, segment=options["segment"][0])["mrr"].sum() < total


def test_portfolio_is_ranked_by_mrr_at_risk(reader):
    frame = queries.portfolio(reader)
    assert frame["mrr_at_risk"].dropna().is_monotonic_decreasing
    assert (frame["churn_probability"].dropna().between(0, 1)).all()
    active = reader.query("select count(*) as n from {analytics}.fct_clientes_kpis where churn_status = 0")
    assert len(frame) == int(active["n"].iloc[0])


def test_quality_reconciles(reader):
    quality = queries.quality(reader)
    assert not quality.empty
    assert quality["reconciles"].all(), quality[~quality["reconciles"]]


def test_quarantine_summary_counts_the_quarantined_rows(reader):
    summary = queries.quarantine_summary(reader)
    counted = reader.query(
        "select table_name, reason, count(*) as n from {analytics}.fct_quarentena group by table_name, reason"
    )
    assert not summary.empty
    shown = {
        (t, r): int(n)
        for t, r, n in summary[["table_name", "reason", "rows_quarantined"]].itertuples(index=False)
    }
    assert shown == {(t, r): int(n) for t, r, n in counted.itertuples(index=False)}
    assert summary["rows_quarantined"].is_monotonic_decreasing


def test_missing_tables_are_checked_only_when_a_read_fails(reader):
    calls = []

    class Counting:
        def query(self, sql, params=None):
            calls.append("query")
            return reader.query(sql, params)

        def table_exists(self, name, dataset="analytics"):
            calls.append(f"exists:{name}")
            return reader.table_exists(name, dataset)

    queries.kpis_mensais(Counting())
    assert calls == ["query"]  # the happy path is one round trip
    calls.clear()
    assert queries.optional_table(Counting(), "fct_tickets", "nobody")["_total_rows"].empty
    with pytest.raises(queries.DataUnavailable, match="just transform"):
        queries.read(Counting(), "select * from {analytics}.fct_not_built", tables=("fct_not_built",))
