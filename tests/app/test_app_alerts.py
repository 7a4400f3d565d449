"""Alertas on a copy of the real build with an earlier scoring run added to churn_scores_history."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from app_helpers import open_page, problems

from warehouse import get_action_log, get_warehouse
from warehouse.action_log import Action


@pytest.fixture
def two_runs(built_data_dir, tmp_path, use_data_dir):
    """The build plus a previous scoring run a month earlier: three accounts were 20 p.p. less risky
    then, and two customers who have churned since were at high risk."""
    data_dir = tmp_path / "data"
    shutil.copytree(built_data_dir, data_dir, ignore=shutil.ignore_patterns("app_state"))
    use_data_dir(data_dir)
    wh = get_warehouse()
    current = wh.query("select * from {analytics}.churn_scores order by churn_probability desc")
    previous = current.copy()
    previous["snapshot_date"] = pd.to_datetime(previous["snapshot_date"]) - pd.offsets.MonthEnd(1)
    previous["scored_at"] = pd.to_datetime(previous["scored_at"], utc=True) - pd.Timedelta(days=30)
    risers = list(current["customer_id"][:3])
    previous.loc[:2, "churn_probability"] = current["churn_probability"][:3] - 0.2
    churned = wh.query(
        "select customer_id from {analytics}.fct_clientes_kpis where churn_status = 1 "
        "and churned_at > @since order by customer_id limit 2",
        {"since": previous["snapshot_date"].iloc[0].date()},
    )
    lost = previous.iloc[3:5].copy()
    lost["customer_id"] = list(churned["customer_id"])
    lost["risk_tier"] = "alto"
    previous = pd.concat([previous, lost], ignore_index=True)
    previous["snapshot_date"] = previous["snapshot_date"].dt.date
    wh.write_table(previous, "churn_scores_history", mode="append")
    wh.publish()
    return {"risers": risers, "churned": list(churned["customer_id"])}


def test_risk_increase_lists_the_accounts_that_rose(two_runs):
    at = open_page("alertas")
    assert problems(at) == []
    shown = at.dataframe[0].value
    assert len(two_runs["churned"]) == 2, "the tiny build has customers churned after the previous run"
    names = get_warehouse(read_only=True).query(
        "select company_name from {analytics}.fct_clientes_kpis where customer_id in unnest(@ids)",
        {"ids": two_runs["risers"]},
    )
    assert sorted(shown["Cliente"]) == sorted(names["company_name"])
    assert set(shown["360"]) == {"abrir ›"}
    assert set(shown["Alta"]) == {"+20,0 p.p."}

    at.slider(key="al_min_pp").set_value(25).run()  # above every change: nothing left
    assert "Nenhuma conta com alta de 25 p.p." in " ".join(c.value for c in at.caption)


def test_outcomes_compare_alerted_accounts_with_and_without_an_action(two_runs):
    acted = two_runs["churned"][0]
    get_action_log().record(
        Action(customer_id=acted, action_type="call", owner="Ana", due_date=dt.date(2025, 1, 1), author="t")
    )
    at = open_page("alertas")
    assert problems(at) == []
    metrics = {m.label: m for m in at.metric}
    assert metrics["Com ação registrada"].value == "100,0%"  # 1 alerted account acted on, and it churned
    assert "1 cancelou de 1 conta" in metrics["Com ação registrada"].proto.help
    assert "não um efeito causal" in " ".join(c.value for c in at.caption)


def test_overdue_actions_are_listed(two_runs):
    get_action_log().record(
        Action(
            customer_id=two_runs["risers"][0],
            action_type="email",
            owner="Bia",
            due_date=dt.date(2000, 1, 1),
            author="t",
            note="atrasada de propósito",
        )
    )
    at = open_page("alertas")
    assert {m.label: m.value for m in at.metric}["Ações atrasadas"] == "1"
    overdue = next(df.value for df in at.dataframe if "Registrada por" in df.value.columns)
    assert list(overdue["Nota"]) == ["atrasada de propósito"]
