"""Derived features (spec-driven, computed inside the Pipeline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from ml.data import latent_health
from ml.features import DerivedFeatures
from ml.model import build_pipeline
from ml.spec import SpecError, load_spec


def test_derived_features_by_hand():
    frame = pd.DataFrame({"a": [10.0, 5.0, np.nan, 3.0], "b": [4.0, 0.0, 2.0, np.nan]})
    step = DerivedFeatures([["a_per_b", "ratio", "a", "b"], ["a_small", "at_most", "a", 5.0]]).fit(frame)
    out = step.transform(frame)
    np.testing.assert_allclose(out[:, 0], [2.5, np.nan, np.nan, np.nan])  # b <= 0 or missing -> missing
    np.testing.assert_allclose(out[:, 1], [0.0, 1.0, np.nan, 1.0])
    assert list(step.get_feature_names_out()) == ["a_per_b", "a_small"]


def test_above_flags_values_past_the_threshold_only():
    frame = pd.DataFrame({"days": [0.0, 30.0, 31.0, np.nan, 400.0]})
    out = DerivedFeatures([["late", "above", "days", 30.0]]).fit(frame).transform(frame)
    np.testing.assert_allclose(out[:, 0], [0.0, 0.0, 1.0, np.nan, 1.0])  # 30 days is not yet past 30


def test_default_spec_derives_from_its_own_numeric_columns(spec):
    assert spec.derived, "the churn spec lists derived features"
    for name, kind, a, b in spec.derived:
        assert name not in spec.features
        assert a in spec.numeric and (kind != "ratio" or b in spec.numeric)
    assert ("renewal_within_horizon", "at_most", "days_to_renewal", float(spec.horizon_days)) in spec.derived
    # the ERP suspends an account 30 days after an unpaid due date
    assert ("is_suspended_risk", "above", "max_days_overdue_open", 30.0) in spec.derived
    assert {"open_overdue_invoices", "max_days_overdue_open"} <= set(spec.numeric)
    assert "fatura mais antiga em aberto" in spec.descriptions["max_days_overdue_open"]


def test_pipeline_sees_derived_features_and_a_what_if_moves_them(spec, synthetic):
    frame, _ = synthetic
    rows = frame[frame["is_label_complete"]].head(4000)
    pipe = build_pipeline(spec).fit(rows[spec.features], rows["churn_status"])
    names = list(pipe[0].get_feature_names_out())
    assert "derived__events_per_seat" in names and "derived__renewal_within_horizon" in names
    x = pipe[0].transform(rows[spec.features].head(1))
    col = names.index("derived__events_per_seat")
    one = rows[spec.features].head(1)
    assert x[0, col] == pytest.approx(one["events_30d"].iloc[0] / one["seats"].iloc[0])
    changed = one.assign(events_30d=one["events_30d"] * 2)  # a driver's what-if moves its ratios
    assert pipe[0].transform(changed)[0, col] == pytest.approx(2 * x[0, col])


@pytest.mark.parametrize(
    "derived, message",
    [
        ({"x": {"ratio": ["a", "zz"]}}, r"uses \['zz'\]"),
        ({"x": {"log": ["a", "a"]}}, "must be one of"),
        ({"a": {"ratio": ["a", "a"]}}, "clashes"),
        ({"x": {"at_most": ["a", "ten"]}}, "needs a number"),
        ({"x": {"above": ["a", None]}}, "above needs a number"),
    ],
)
def test_bad_derived_section_is_refused(tmp_path, derived, message):
    raw = {"id_column": "id", "time_column": "t", "label_column": "y", "numeric": ["a"], "derived": derived}
    path = tmp_path / "spec.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_latent_health_is_looked_up_in_the_snapshot_month(spec):
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B"],
            "snapshot_date": pd.to_datetime(["2024-01-31", "2024-02-29", "2024-01-31"]),
        }
    )
    truth = pd.DataFrame(
        {
            "id_cliente": ["A", "A", "B"],
            "mes": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]).date,
            "health": [0.8, 0.3, 0.5],
        }
    )
    got = latent_health(frame, spec, truth)
    assert got.iloc[0] == 0.8 and got.iloc[1] == 0.3 and np.isnan(got.iloc[2])
    assert latent_health(frame, spec, truth.drop(columns="health")) is None
