"""Which drivers the app shows as context: the model's feature spec decides, in one place."""

from __future__ import annotations

import pytest

from app import drivers
from ml.spec import fill_template, load_spec


def test_context_is_every_spec_feature_that_is_not_a_lever():
    spec = load_spec()
    for feature in spec.features:
        assert drivers.is_context({"feature": feature}) == (feature not in spec.levers), feature


@pytest.mark.parametrize("lever", [True, False])
def test_the_drivers_own_lever_flag_wins(lever):
    # the model writes `lever` from the spec it was trained with; the app follows it
    assert drivers.is_context({"feature": "last_nps", "lever": lever}) is (not lever)
    assert drivers.is_context({"feature": "segment", "lever": lever}) is (not lever)


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_no_driver_text_says_one_with_a_plural(lang):
    spec = load_spec()
    for feature in spec.features:
        driver = {"feature": feature, "value": 1.0, "reference": 5.0}
        if lang == "pt":  # the model writes the pt-BR text from the spec when it scores
            driver["text"] = fill_template(spec.descriptions[feature], 1.0, 5.0)
        said = drivers.text(driver, lang)
        for plural in (
            "dias",
            "meses",
            "módulos",
            "tickets",
            "faturas",
            "days",
            "months",
            "modules",
            "invoices",
        ):
            assert not said.startswith(f"1 {plural}") and f" 1 {plural}" not in said, (feature, said)
