"""Every page through streamlit.testing.v1.AppTest on real pipeline output.

The tests hold on any built data dir, not only the small `just dev` build of the test run:
they compare what a page shows with the marts it reads (the table's rows are the mart's top
rows, a KPI counts or sums every matching row), never fixed counts or sizes. To run them on
another build, e.g. the 100M-event scale build (65,000 customers × 24 months):

    CS_OPS_APP_TEST_DATA_DIR=<data dir> nice pytest tests/app/test_app_pages.py -n 2 -q

That dir is only read: the app reads its release and model through links and keeps its
action log in a tmp dir of the test process (tests/app/conftest.py, `app_data`).
"""

from __future__ import annotations

import io
from dataclasses import replace

import pandas as pd
import pytest
from app_helpers import PAGES, linked_data_dir, metrics, open_page, parse_number, problems
from streamlit.runtime.media_file_manager import MediaFileManager

from app import fmt, queries
from app import portfolio as portfolio_view
from app.reasons import reason_label


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_errors(app_data, page):
    at = open_page(page)
    assert problems(at) == []
    assert at.title, f"{page} has no title"
    assert at.metric, f"{page} shows no KPI"
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "dev (DuckDB" in captions and "/" not in captions.split("Backend")[1][:30]  # no path
    assert "Dados de:" in captions and "(Brasília)" in captions  # data timestamp, São Paulo time


def test_executive_kpis_match_the_mart_and_filters_change_them(app_data, reader):
    at = open_page("visao_executiva")
    mart = queries.kpis_mensais(reader)
    last = mart.iloc[-1]
    shown = metrics(at)
    assert shown["MRR"] == fmt.brl_card(last["mrr"])
    assert shown["Clientes ativos"] == fmt.number(last["active_customers"])
    assert shown["NRR mensal"] == fmt.pct(last["nrr"], 1)
    assert shown["NRR 12 meses"] == fmt.pct(last["nrr_t12m"], 1)
    assert shown["ARR"] == fmt.brl_card(last["arr"])

    segment = queries.filter_options(reader)["segment"][0]
    at.selectbox(key="exec_segment").select(segment).run()
    assert problems(at) == []
    expected = queries.kpis_mensais(reader, segment=segment).iloc[-1]
    filtered = metrics(at)
    assert filtered["MRR"] == fmt.brl_card(expected["mrr"])
    assert 0 < expected["mrr"] < last["mrr"] and filtered["MRR"] != shown["MRR"]  # a part of the whole
    assert filtered["Clientes ativos"] == fmt.number(expected["active_customers"])
    assert filtered["NRR mensal"] == fmt.pct(expected["nrr"], 1)


def test_executive_monthly_table_is_sent_only_once_opened(app_data, reader):
    at = open_page("visao_executiva")
    assert not at.dataframe  # closed: no table sent, so the browser loads no grid for it
    at.session_state["exec_monthly_table"] = True
    at.run()
    assert problems(at) == []
    table = at.dataframe[0].value
    assert len(table) == len(queries.kpis_mensais(reader))
    assert table.columns[0] == "Mês" and "MRR" in table.columns


class RecordingDeferred:
    """Keeps the callables of deferred download buttons, so the test can build the file like a click."""

    callables: dict[str, object] = {}

    @classmethod
    def install(cls, monkeypatch):
        original = MediaFileManager.add_deferred

        def add_deferred(self, data_callable, *args, **kwargs):
            file_id = original(self, data_callable, *args, **kwargs)
            cls.callables[file_id] = data_callable
            return file_id

        monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)


def _download(at, key: str) -> bytes:
    button = next(b for b in at.get("download_button") if b.key == key)
    assert button.proto.deferred_file_id, "the CSV is built on click (deferred)"
    return RecordingDeferred.callables[button.proto.deferred_file_id]()


def test_risk_filters_change_the_table_and_csv_matches(app_data, reader, monkeypatch):
    RecordingDeferred.install(monkeypatch)
    at = open_page("carteira_em_risco")
    portfolio = queries.portfolio(reader)
    ranked = portfolio.sort_values(
        ["mrr_at_risk", "customer_id"], ascending=[False, True], na_position="last"
    )
    assert list(portfolio["customer_id"]) == list(ranked["customer_id"])  # by MRR at risk
    top = portfolio_view.MAX_TABLE_ROWS  # the page shows the top rows, the KPIs and the CSV count them all
    assert list(at.dataframe[0].value["ID"]) == list(portfolio["customer_id"].head(top))
    assert metrics(at)["Clientes"] == fmt.number(len(portfolio))

    uf = portfolio["uf"].value_counts().index[0]
    matching = portfolio[portfolio["uf"] == uf]
    assert 0 < len(matching) < len(portfolio)
    at.selectbox(key="risk_uf").select(uf).run()
    assert problems(at) == []
    table = at.dataframe[0].value
    assert list(table["ID"]) == list(matching["customer_id"].head(top))
    assert set(table["UF"]) == {uf}
    assert metrics(at)["Clientes"] == fmt.number(len(matching))
    assert metrics(at)["MRR em risco"] == fmt.brl_card(matching["mrr_at_risk"].sum())

    exported = pd.read_csv(
        io.BytesIO(_download(at, "risk_export")), sep=";", decimal=",", encoding="utf-8-sig"
    )
    assert list(exported["customer_id"]) == list(matching["customer_id"].head(queries.EXPORT_MAX_ROWS))
    assert list(exported["customer_id"].head(len(table))) == list(table["ID"])  # the CSV starts as the page
    assert set(exported["uf"]) == {uf}
    shown_sum = matching["mrr_at_risk"].head(queries.EXPORT_MAX_ROWS).sum()
    assert exported["mrr_at_risk"].sum() == pytest.approx(shown_sum, rel=1e-6)


def test_risk_table_shows_the_top_rows_with_the_count(app_data, reader, monkeypatch):
    monkeypatch.setattr(portfolio_view, "MAX_TABLE_ROWS", 7)
    at = open_page("carteira_em_risco")
    assert problems(at) == []
    ranked = queries.portfolio(reader)
    assert list(at.dataframe[0].value["ID"]) == list(ranked["customer_id"].head(7))
    note = " ".join(c.value for c in at.caption)
    assert f"Mostrando os 7 primeiros de {fmt.number(len(ranked))} clientes" in note
    assert metrics(at)["Clientes"] == fmt.number(len(ranked))  # the KPIs count every match


def test_risk_search_finds_one_customer(app_data, reader):
    portfolio = queries.portfolio(reader)
    target = portfolio.iloc[len(portfolio) // 2]
    at = open_page("carteira_em_risco")
    at.text_input(key="risk_search").input(target["customer_id"]).run()
    table = at.dataframe[0].value
    assert list(table["ID"]) == [target["customer_id"]]
    assert table.iloc[0]["MRR"] == fmt.brl(target["current_mrr"])


def test_customer_360_shows_the_searched_customer(app_data, reader):
    index = queries.customer_search(reader, "", 10_000)
    target = index.iloc[len(index) // 3]
    at = open_page("cliente_360")
    at.text_input(key="c360_search").input(target["customer_id"]).run()
    assert problems(at) == []
    assert at.selectbox(key="c360_customer").value == target["customer_id"]
    kpis = queries.customer_kpis(reader, target["customer_id"]).iloc[0]
    assert metrics(at)["MRR"] == fmt.brl(kpis["current_mrr"])
    assert any(target["customer_id"] in s.value for s in at.subheader)


def _probabilities(at) -> tuple[float, float]:
    shown = metrics(at)
    return parse_number(shown["Probabilidade atual"]), parse_number(shown["Probabilidade simulada"])


def test_simulator_probability_rises_when_usage_drops(app_data, reader):
    """Usage -100% raises the model's churn probability for most accounts.

    A tree model trained on a tiny pipeline run is not monotone for every single account: where
    less usage lowers the risk, the page must say the model is not monotone in usage.
    """
    at = open_page("simulador")
    assert problems(at) == []
    current, simulated = _probabilities(at)
    assert current == simulated  # no change yet: the scenario is the current customer
    portfolio = queries.portfolio(reader)
    step = max(1, len(portfolio) // 8)
    customers = list(portfolio["customer_id"].iloc[::step].head(8))
    changes = {}
    at.session_state["sim_inputs"] = True  # the table of model inputs, current and scenario
    for customer in customers:
        at.text_input(key="sim_search").input(customer).run()  # the picker lists the search's matches
        assert at.selectbox(key="sim_customer").value == customer
        before, untouched = _probabilities(at)
        assert untouched == before, customer  # sliders where they start: the customer as is
        inputs = next(df.value for df in at.dataframe if "Variável" in df.value.columns)
        assert list(inputs["Cenário"]) == list(inputs["Atual"]), customer
        at.slider(key=f"sim_{customer}_usage").set_value(-100).run()
        assert problems(at) == []
        current_after, dropped = _probabilities(at)
        assert current_after == before  # the current probability does not move with the scenario
        changes[customer] = dropped - before
        if changes[customer] < -0.5:  # p.p.: less usage lowered the risk, against common sense
            warned = " ".join(w.value for w in at.warning)
            assert "não é monótono" in warned and "uso" in warned, (customer, changes[customer])
    assert any(change > 0 for change in changes.values()), changes


def test_whatif_row_moves_only_levers():
    from app.whatif import Levers, scenario_row

    base = pd.Series(
        {
            "events_30d": 200.0,
            "active_users_30d": 10.0,
            "usage_trend_pct": 10.0,  # percent
            "seats": 20.0,
            "adoption_rate": 0.5,
            "tickets_90d": 2.0,
            "p1_tickets_90d": 1.0,
            "last_nps": 9.0,
            "late_invoices_90d": 1.0,
            "open_overdue_invoices": 1.0,
            "max_days_overdue_open": 40.0,
            "segment": "Varejo",
        }
    )
    half = scenario_row(base, Levers(-0.5, 0.25, 6, 3.0, 0))
    assert half["events_30d"] == 100.0
    assert half["usage_trend_pct"] == pytest.approx(110 * 0.5 - 100)
    assert half["active_users_30d"] == 5.0 and half["adoption_rate"] == pytest.approx(0.25)
    assert (half["tickets_90d"], half["p1_tickets_90d"], half["last_nps"]) == (6.0, 1.0, 3.0)
    assert (half["late_invoices_90d"], half["open_overdue_invoices"], half["max_days_overdue_open"]) == (
        0,
        0,
        0,
    )
    assert half["seats"] == 20.0 and half["segment"] == "Varejo"  # context never moves
    assert base["events_30d"] == 200.0  # the input row is not modified


def test_untouched_sliders_leave_the_customer_as_is():
    """Sliders show levers rounded, and one lever stands for two features (late and open
    invoices): the scenario changes only the levers moved from where the sliders started."""
    from app.whatif import current_levers, scenario_row, slider_levers

    base = pd.Series(
        {
            "events_30d": 331.0,
            "usage_trend_pct": float("nan"),  # no usage 90 days ago
            "active_users_30d": 162.0,
            "seats": 828.0,
            "adoption_rate": 0.1957,  # 162 / 828 as the mart rounds it; the slider shows 20%
            "tickets_90d": 12.0,
            "p1_tickets_90d": 1.0,
            "last_nps": float("nan"),  # never answered
            "late_invoices_90d": 1.0,
            "open_overdue_invoices": 0.0,  # paid late, none open
            "max_days_overdue_open": 0.0,
        }
    )
    start = slider_levers(current_levers(base))
    assert scenario_row(base, start, start).equals(base)
    moved = scenario_row(base, replace(start, tickets_90d=3), start)
    assert moved["tickets_90d"] == 3.0
    assert moved.drop("tickets_90d").equals(base.drop("tickets_90d"))


def test_reversed_levers_are_found():
    from app.whatif import LEVER_CHECKS, reversed_levers

    expected = {}
    for name, (_, grid, direction) in LEVER_CHECKS.items():
        for i in range(len(grid)):
            expected[f"{name}:{i}"] = 0.3 + direction * 0.01 * i
    assert reversed_levers(pd.Series(expected)) == []
    expected["last_nps:4"] = 0.9  # risk jumps at NPS 10
    assert reversed_levers(pd.Series(expected)) == ["last_nps"]


def test_model_page_shows_evaluation_json(app_data):
    import json

    from warehouse.config import get_settings

    evaluation = json.loads((get_settings().ml_dir / "evaluation.json").read_text(encoding="utf-8"))
    at = open_page("modelo")
    assert metrics(at)["ROC AUC"] == fmt.number(evaluation["model"]["roc_auc"], 3)
    assert metrics(at)["PR AUC"] == fmt.number(evaluation["model"]["pr_auc"], 3)
    comparison = at.dataframe[0].value
    assert len(comparison) >= 2  # the model and at least one baseline


def test_data_quality_counts_match_the_ledger(app_data, reader):
    at = open_page("qualidade_dados")
    ledger = queries.load_ledger(reader)
    shown = metrics(at)
    assert shown["Lotes carregados"] == fmt.number(
        ledger.loc[ledger["status"] == "loaded", "batch_id"].nunique()
    )
    assert shown["Reconciliação"] == "OK"
    reconciliation = at.dataframe[0].value
    quality = queries.quality(reader)
    assert set(reconciliation["Tabela"]) == set(quality["table_name"])

    summary = queries.quarantine_summary(reader)
    last = summary.iloc[-1]
    label = reason_label(last["reason"])  # reasons are shown in pt-BR words, not codes
    assert label != last["reason"], f"no pt-BR label for {last['reason']}"
    at.selectbox(key="dq_reason").set_value(f"{last['table_name']} · {label}").run()
    examples = next(df.value for df in at.dataframe if "Chave" in df.value.columns)  # record_key, in pt-BR
    assert len(examples) == min(10, int(last["rows_quarantined"]))
    assert set(examples["Motivo"]) == {label} and set(examples["Tabela"]) == {last["table_name"]}
    unlabelled = [code for code in summary["reason"] if reason_label(code) == code]
    assert not unlabelled, f"reason codes without a pt-BR label: {unlabelled}"


def test_english_toggle(app_data, reader):
    at = open_page("visao_executiva", lang="en")
    assert problems(at) == []
    assert at.title[0].value == "Executive view"
    last = queries.kpis_mensais(reader).iloc[-1]
    assert metrics(at)["MRR"] == fmt.brl_card(last["mrr"], lang="en")
    assert "Active customers" in metrics(at)


@pytest.mark.parametrize("page", PAGES)
def test_missing_data_shows_the_command_to_run(tmp_path, use_data_dir, page):
    use_data_dir(tmp_path / "empty")
    at = open_page(page)
    assert not at.exception
    assert not at.error
    friendly = " ".join(i.value for i in at.info)
    assert "just dev" in friendly or "just train" in friendly, friendly
    assert any("just" in c.value for c in at.code)


@pytest.mark.parametrize("page", ["simulador", "modelo"])
def test_missing_model_asks_for_just_train(built_data_dir, tmp_path, use_data_dir, page):
    use_data_dir(linked_data_dir(built_data_dir, tmp_path / "no-model", ("warehouse/published",)))
    at = open_page(page)
    assert not at.exception and not at.error
    assert "just train" in " ".join(i.value for i in at.info)


def test_customer_360_deep_link_by_url(app_data, reader):
    from app_helpers import APP
    from streamlit.testing.v1 import AppTest

    portfolio = queries.portfolio(reader)
    target = portfolio["customer_id"].iloc[len(portfolio) // 2]
    fresh = AppTest.from_file(str(APP), default_timeout=120)
    fresh.query_params["cliente"] = target
    fresh.run()
    fresh.switch_page("views/cliente_360.py").run()
    assert problems(fresh) == []
    assert fresh.selectbox(key="c360_customer").value == target


@pytest.mark.parametrize(
    ("page", "key", "lang"), [("carteira_em_risco", "risk_table", None), ("minha_carteira", "wl_table", "en")]
)
def test_open_cell_opens_the_account_in_customer_360_at_the_first_click(app_data, page, key, lang):
    at = open_page(page, lang=lang)
    shown = at.dataframe[0].value
    assert set(shown["360"]) == {"abrir ›" if lang is None else "open ›"}
    row = len(shown) // 2
    name_column = "Cliente" if lang is None else "Account"
    name = shown.iloc[row][name_column] if name_column in shown else None
    at.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [(row, "360")]}}
    at.run()  # the one click: the cell is selected and the page switches
    assert problems(at) == []
    assert at.title[0].value == ("Cliente 360" if lang is None else "Customer 360")
    chosen = at.selectbox(key="c360_customer").value
    assert at.query_params["cliente"] == [chosen] or at.query_params["cliente"] == chosen
    if name is not None:
        assert any(str(name) in s.value for s in at.subheader)

    at.switch_page(f"views/{page}.py").run()  # coming back: the table starts unselected
    assert problems(at) == [] and at.title[0].value != "Cliente 360"
    assert at.dataframe[0].value.equals(shown)


def test_a_table_without_rows_says_so_in_the_ui_language(app_data):
    at = open_page("carteira_em_risco")
    at.text_input(key="risk_search").input("no customer has this name zzqx").run()
    assert problems(at) == []
    assert not at.dataframe  # no empty grid (Streamlit's grid would say "empty")
    assert "Nenhum cliente corresponde aos filtros." in [c.value for c in at.caption]

    at = open_page("carteira_em_risco", lang="en")
    at.text_input(key="risk_search").input("no customer has this name zzqx").run()
    assert not at.dataframe
    assert "No customer matches the filters." in [c.value for c in at.caption]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_an_empty_table(app_data, page):
    at = open_page(page)
    assert [len(df.value) for df in at.dataframe if len(df.value) == 0] == []


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_model_page_speaks_the_ui_language(app_data, lang):
    import re

    at = open_page("modelo", lang=lang)
    at.session_state["model_windows"] = True  # the training windows' table, sent only once opened
    at.run()
    assert problems(at) == []
    tables = [df.value for df in at.dataframe]
    cells = [str(v) for table in tables for column in table.columns for v in [column, *table[column]]]
    identifiers = [c for c in cells if re.search(r"[a-z]+_[a-z_]+", c)]
    assert identifiers == []  # scorer and feature names in words, not logistic_regression_same_inputs
    card = {m.value for e in at.expander if e.label.startswith("Model card") for m in e.markdown}
    text = " ".join(c.value for c in at.caption) + " ".join(
        m.value for m in at.markdown if m.value not in card
    )
    if lang == "pt":
        assert "churn within" not in text and "Prevê: cancela em até" in text
        assert "Regressão logística" in " ".join(cells)
    else:
        assert "Prevê" not in text and "Predicts: churn within" in text


def test_half_written_evaluation_file_is_a_friendly_message(built_data_dir, tmp_path, use_data_dir):
    partial = linked_data_dir(built_data_dir, tmp_path / "partial", ("warehouse/published",))
    (partial / "ml").mkdir()
    (partial / "ml" / "evaluation.json").write_text('{"model": {"roc_auc": 0.7', encoding="utf-8")
    use_data_dir(partial)
    at = open_page("modelo")
    assert not at.exception and not at.error
    assert "just train" in " ".join(i.value for i in at.info)


def test_search_ignores_accents_and_finds_cnpj_digits_or_formatted(app_data, reader):
    from app.ui import fmt as ui_fmt

    customers = reader.query("select customer_id, company_name, cnpj from {analytics}.dim_clientes")
    accented = customers[customers["company_name"].str.contains("[ãçéêíóôú]", regex=True, na=False)].iloc[0]
    word = next(w for w in accented["company_name"].split() if any(c in w for c in "ãçéêíóôú"))
    plain = word.translate(str.maketrans("ãçéêíóôú", "aceeioou"))
    everyone = len(customers)  # a common word matches many customers at scale: ask for every match
    found_plain = queries.customer_search(reader, plain, everyone)
    found_accented = queries.customer_search(reader, word, everyone)
    assert accented["customer_id"] in set(found_plain["customer_id"])
    assert set(found_plain["customer_id"]) == set(found_accented["customer_id"])
    assert len(found_plain) == found_plain["matched_customers"].iloc[0]

    target = customers[customers["cnpj"].str.len() == 14].iloc[0]
    for text in (target["cnpj"], ui_fmt.cnpj(target["cnpj"]), ui_fmt.cnpj(target["cnpj"])[:10]):
        assert target["customer_id"] in set(queries.customer_search(reader, text, 50)["customer_id"]), text
        rows = queries.portfolio(reader, search=text)
        assert rows.empty or target["customer_id"] in set(rows["customer_id"]) or text != target["cnpj"]


def test_simulator_lists_the_model_inputs_in_words(app_data):
    at = open_page("simulador", lang="en")
    assert problems(at) == []
    assert not [df for df in at.dataframe if "Input" in df.value.columns]  # sent only once opened
    at.session_state["sim_inputs"] = True
    at.run()
    inputs = next(df.value for df in at.dataframe if "Input" in df.value.columns)
    assert len(inputs) > 5
    assert not [name for name in inputs["Input"] if "_" in name]  # not tenure_months, events_30d
    assert all("," not in v or "." in v for v in inputs["Current"] if v[:1].isdigit())  # English numbers
