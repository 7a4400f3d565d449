from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from ml.spec import SpecError, fill_template, load_spec, prepare_frame


def test_default_spec_matches_the_mart_contract(spec):
    assert spec.id_column == "customer_id"
    assert spec.time_column == "snapshot_date"
    assert spec.label_column == "churn_status"
    assert spec.label_complete_column == "is_label_complete"
    assert spec.horizon_days == 90
    assert "health_score" not in spec.features  # baseline only, not a feature
    assert spec.baseline_column == "health_score" and spec.baseline_higher_is_riskier is False
    assert set(spec.descriptions) == set(spec.features)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"id_column": None}, "'id_column' is required"),
        ({"numeric": ["a", "a"]}, "listed twice"),
        ({"numeric": ["churn"], "categorical": []}, "cannot be features"),
        ({"numeric": [], "categorical": []}, "at least one feature"),
        ({"risk_tiers": {"alto": 0.5, "baixo": 0.1}}, "lowest risk tier"),
    ],
)
def test_bad_spec_is_refused_with_the_key(tmp_path, change, message):
    raw = {
        "id_column": "id",
        "time_column": "t",
        "label_column": "churn",
        "numeric": ["a"],
        "categorical": [],
    }
    raw.update(change)
    path = tmp_path / "spec.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_missing_column_and_bad_value_name_the_column_and_row(spec, synthetic):
    frame, _ = synthetic
    with pytest.raises(SpecError, match=r"\['mrr'\]"):
        prepare_frame(frame.drop(columns="mrr"), spec, "t.parquet")
    bad = frame.head(5).copy()
    bad["seats"] = bad["seats"].astype(object)
    bad.loc[bad.index[3], "seats"] = "dez"
    with pytest.raises(SpecError, match=r"'seats' has a non-numeric value 'dez' at row 3"):
        prepare_frame(bad, spec, "t.parquet")


def test_categoricals_become_text_and_missing_stays_nan(spec, synthetic):
    frame, _ = synthetic
    part = frame.head(4).copy()
    part["plan"] = [None, "essencial", np.nan, 3]
    out = prepare_frame(part, spec, "x")
    assert out["plan"].iloc[1] == "essencial" and out["plan"].iloc[3] == "3"
    assert pd.isna(out["plan"].iloc[0]) and pd.isna(out["plan"].iloc[2])


def test_risk_tiers_cut_offs(spec):
    tiers = spec.risk_tier(pd.Series([0.0, 0.11, 0.12, 0.29, 0.30, 0.9]))
    assert list(tiers) == ["baixo", "baixo", "médio", "médio", "alto", "alto"]


@pytest.mark.parametrize(
    "value, expected",
    [(1, "renovação em 1 dia"), (1.2, "renovação em 1 dia"), (0, "renovação em 0 dias"),
     (30, "renovação em 30 dias"), (-1, "renovação em -1 dia"), (1.6, "renovação em 2 dias")],
)  # fmt: skip
def test_a_driver_text_agrees_with_its_number(value, expected):

    assert fill_template("renovação em {value:.0f} [dia|dias]", value, 0) == expected


def test_every_description_renders_its_singular_and_plural_without_brackets(spec):

    for feature, template in spec.descriptions.items():
        for value in (1.0, 7.0) if "{value:" in template and "f}" in template else ():
            text = fill_template(template, value, 3.0)
            assert "[" not in text and "|" not in text, (feature, text)
    assert fill_template(spec.descriptions["licensed_modules"], 1.0, 3.0).startswith("1 módulo contratado ")
    assert fill_template(spec.descriptions["licensed_modules"], 4.0, 3.0).startswith("4 módulos contratados ")
