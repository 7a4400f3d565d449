"""Playbooks (app/playbooks.py + app/playbooks.yml) and the formula-safe CSV (app/csv_safe.py)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from app import csv_safe, playbooks


def test_shipped_playbooks_load_with_both_languages():
    loaded = playbooks.load()
    assert len(loaded) >= 5
    for playbook in loaded:
        assert playbook.title["pt"] and playbook.title["en"] and playbook.title["pt"] != playbook.title["en"]
        assert all(c.feature in playbooks.LEVERS for c in playbook.conditions)


@pytest.mark.parametrize("context", ["segment", "uf", "company_size", "current_mrr", "seats", "plan"])
def test_context_attributes_are_refused_as_a_reason_to_act(context):
    for condition in (f"{{feature: {context}, op: '>', value: 1}}", f"{{driver: {context}}}"):
        text = f"""
playbooks:
  - id: bad
    title: {{pt: a, en: b}}
    why: {{pt: a, en: b}}
    action_type: call
    priority: high
    when: [{condition}]
"""
        with pytest.raises(playbooks.PlaybookError, match=f"bad.*'{context}' is context"):
            playbooks.parse(text)


def test_bad_fields_are_named():
    nps = "[{feature: last_nps, op: '~', value: 1}]"
    base = "playbooks:\n  - id: p1\n    title: {pt: a, en: b}\n    why: {pt: a, en: b}\n"
    with pytest.raises(playbooks.PlaybookError, match="p1: action_type"):
        playbooks.parse(base + "    action_type: lunch\n    priority: high\n    when: [{driver: last_nps}]\n")
    with pytest.raises(playbooks.PlaybookError, match="p1, condition 1: op"):
        playbooks.parse(base + "    action_type: call\n    priority: high\n    when: " + nps + "\n")
    with pytest.raises(playbooks.PlaybookError, match="not valid YAML"):
        playbooks.parse("playbooks: [")


def _row(**values):
    return {"risk_tier": "alto", **values}


def test_recommend_by_feature_threshold_and_by_driver():
    found = playbooks.recommend(_row(last_nps=3), [])
    assert "detractor_call" in [p.id for p in found]
    by_driver = playbooks.recommend(
        _row(last_nps=9), [{"feature": "late_invoices_90d", "contribution": 0.05}]
    )
    assert [p.id for p in by_driver] == ["overdue_invoices"]
    # a driver that LOWERS risk is not a reason to act
    lowering = playbooks.recommend(_row(), [{"feature": "late_invoices_90d", "contribution": -0.05}])
    assert [p.id for p in lowering] == ["executive_check_in"]  # the fallback of a high-risk account


def test_low_risk_accounts_get_only_playbooks_scoped_to_them():
    assert playbooks.recommend({"risk_tier": "baixo", "usage_trend_pct": -50}, []) == []
    assert [p.id for p in playbooks.recommend({"risk_tier": "baixo", "last_nps": 2}, [])] == [
        "detractor_call"
    ]


def test_priority_orders_the_recommendations():
    found = playbooks.recommend(_row(adoption_rate=0.2, p1_tickets_90d=2), [])
    assert [p.priority for p in found] == sorted((p.priority for p in found), key=playbooks.PRIORITIES.index)


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formula_cells(cell):
    frame = pd.DataFrame({"text": [cell, "ok"], "number": [-12.5, 3.0]})
    out = pd.read_csv(io.BytesIO(csv_safe.to_csv(frame)), sep=";", decimal=",", encoding="utf-8-sig")
    assert out["text"][0] == "'" + cell
    assert out["text"][1] == "ok"
    assert out["number"].tolist() == [-12.5, 3.0]  # numbers stay numbers, negative ones too
    assert pd.api.types.is_float_dtype(out["number"])


def test_csv_without_neutralising_would_keep_the_formula():
    raw = pd.DataFrame({"text": ["=1+1"]}).to_csv(index=False, sep=";")
    assert "\n=1+1" in raw  # what pandas writes by itself: the case csv_safe exists for
