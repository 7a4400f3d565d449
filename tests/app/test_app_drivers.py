"""Which drivers the app shows as context: the model's feature spec decides, in one place."""

from __future__ import annotations

import pytest

from app import drivers
from ml.spec import load_spec


def test_context_is_every_spec_feature_that_is_not_a_lever():
    spec = load_spec()
    for feature in spec.features:
        assert drivers.is_context({"feature": feature}) == (feature not in spec.levers), feature


@pytest.mark.parametrize("lever", [True, False])
def test_the_drivers_own_lever_flag_wins(lever):
    # the model writes `lever` from the spec it was trained with; the app follows it
    assert drivers.is_context({"feature": "last_nps", "lever": lever}) is (not lever)
    assert drivers.is_context({"feature": "segment", "lever": lever}) is (not lever)
