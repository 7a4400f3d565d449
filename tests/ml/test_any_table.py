"""A customer table of one's own: no dates, Yes/No labels, numbers stored as text with blanks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from public_like_table import write

from ml.cli import main
from ml.spec import FeatureSpec, SpecError, load_spec, prepare_frame


@pytest.fixture(scope="module")
def public_like(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public-like")
    table = folder / "clientes.csv"
    return table, write(table, rows=2000)


@pytest.fixture(scope="module")
def trained_public(public_like, tmp_path_factory):
    table, spec = public_like
    out = tmp_path_factory.mktemp("public-out")
    data = tmp_path_factory.mktemp("public-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CS_OPS_DATA_DIR", str(data))
        assert main(["train", "--table", str(table), "--spec", str(spec), "--out", str(out)]) == 0
    return out, json.loads((out / "evaluation.json").read_text(encoding="utf-8"))


def test_a_table_without_dates_trains_on_a_stratified_holdout(trained_public):
    _, ev = trained_public
    assert ev["design"] == "holdout" and ev["split"]["grouped_by"] == "customer_id"
    assert ev["split_rows"]["validation"] == pytest.approx(500, abs=5)
    assert ev["backtest"] == []
    cv = ev["model_choice"]["cross_validation"]
    assert {"roc_auc", "top_decile_lift", "ece"} <= set(cv) and cv["roc_auc"]["std"] > 0
    # the blank TotalCharges of first-month customers: converted, counted and reported
    total = ev["input_report"]["TotalCharges"]
    assert total["blank_as_missing"] > 0 and total["text_converted"] + total["blank_as_missing"] == 2000


def test_the_chosen_model_is_as_good_as_the_best_simple_baseline(trained_public):
    _, ev = trained_public
    choice = ev["model_choice"]
    table = {(r["candidate"], r["calibration"]): r for r in choice["table"]}
    assert (
        min(r["log_loss"] for r in table.values())
        == table[(choice["candidate"], choice["calibration"])]["log_loss"]
    )
    assert ev["model"]["roc_auc"] >= ev["logistic_regression"]["roc_auc"] - 0.01
    assert ev["model"]["ece"] <= 0.05 and ev["model"]["ece_noise_floor"] > 0


def test_the_card_speaks_to_a_cs_manager_first(trained_public):
    out, ev = trained_public
    card = (out / "model_card.md").read_text(encoding="utf-8")
    first_screen = card.split("## Technical section")[0]
    assert "de cada 10 clientes" in first_screen and "10% de maior risco" in first_screen
    assert "ROC AUC" not in first_screen and "ECE" not in first_screen
    assert ev["model_choice"]["candidate"] in card and "Technical section" in card
    assert "each customer's score" in (out / "model_card.en.md").read_text(encoding="utf-8").lower()


def test_score_a_file_writes_a_scores_file(trained_public, public_like, tmp_path):
    out, _ = trained_public
    table, _ = public_like
    scores_file = tmp_path / "scores.csv"
    assert (
        main(
            [
                "score",
                "--model",
                str(out / "churn_model.skops"),
                "--table",
                str(table),
                "--out",
                str(scores_file),
            ]
        )
        == 0
    )
    scores = pd.read_csv(scores_file)
    assert len(scores) == 2000 and scores["churn_probability"].between(0, 1).all()
    drivers = [d for cell in scores["top_drivers"] for d in json.loads(cell)]
    assert drivers and {d["feature"] for d in drivers} <= {"TechSupport", "Contract", "PaymentMethod"}


def _spec(**extra) -> FeatureSpec:
    return FeatureSpec.from_dict(
        {
            "id_column": "id",
            "time_column": None,
            "label_column": "churn",
            "numeric": ["a"],
            "categorical": [],
            "split": "grouped",
            **extra,
        }
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        (["Yes", "no", " SIM ", "Não", "true", "FALSE", "1", "0"], [1, 0, 1, 0, 1, 0, 1, 0]),
        ([1, 0, 1, 0, 1, 0, 1, 0], [1, 0, 1, 0, 1, 0, 1, 0]),
        ([True, False, True, False, True, False, True, False], [1, 0, 1, 0, 1, 0, 1, 0]),
    ],
)
def test_labels_in_words_or_numbers(raw, expected):
    frame = pd.DataFrame({"id": range(8), "churn": raw, "a": ["1", " ", "2.5", "", "3", "4", "5", "6"]})
    out = prepare_frame(frame, _spec(), "t.csv")
    assert out["churn"].tolist() == expected
    assert np.isnan(out.loc[1, "a"]) and out.loc[2, "a"] == 2.5
    assert out.attrs["input_report"]["a"]["blank_as_missing"] == 2


@pytest.mark.parametrize(
    "column, values, message",
    [
        ("churn", ["Yes", "talvez", "No", "No"], r"label 'churn' row 1 has 'talvez'; write 1/0, yes/no"),
        (
            "a",
            ["1", "dois", "3", "4"],
            r"'a' has a non-numeric value 'dois' at row 1 .*move the column to 'categorical'",
        ),
    ],
)
def test_values_it_cannot_read_name_the_row_and_the_fix(column, values, message):
    frame = pd.DataFrame({"id": range(4), "churn": ["Yes", "No", "No", "Yes"], "a": ["1", "2", "3", "4"]})
    frame[column] = values
    with pytest.raises(SpecError, match=message):
        prepare_frame(frame, _spec(), "t.csv")


def test_split_time_without_a_time_column_says_what_to_change(tmp_path):
    path = tmp_path / "spec.yml"
    path.write_text(
        yaml.safe_dump({"id_column": "id", "label_column": "churn", "numeric": ["a"], "split": "time"})
    )
    with pytest.raises(SpecError, match="leave 'time_column' out or set 'split: grouped'"):
        load_spec(path)
    path.write_text(yaml.safe_dump({"id_column": "id", "label_column": "churn", "numeric": ["a"]}))
    assert load_spec(path).split == "grouped"
