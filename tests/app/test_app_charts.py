"""Chart data the pages draw (pure functions of app/charts.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from app import charts

MONTH = pd.Series(
    {
        "new_mrr": 12_000.0,
        "expansion_mrr": 3_500.0,
        "reactivation_mrr": 0.0,
        "contraction_mrr": -2_000.0,
        "churned_mrr": 9_000.0,  # sign as stored varies: the bridge always subtracts it
    }
)


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_waterfall_rows_carry_their_value_and_end_at_the_closing_mrr(lang):
    steps = charts.waterfall_steps(1_000_000.0, MONTH, lang)
    assert steps["kind"].tolist() == ["total", "up", "up", "up", "down", "down", "total"]
    assert steps["end"].iloc[-1] == pytest.approx(1_000_000 + 12_000 + 3_500 - 2_000 - 9_000)
    # the value is in the row's label (no value labels side by side to overlap on a phone)
    for row, step, label in zip(steps["row"], steps["step"], steps["label"], strict=True):
        assert row == f"{step}  {label}"
    ups, downs = steps[steps["kind"] == "up"], steps[steps["kind"] == "down"]
    assert all(label.startswith("+R$") for label in ups["label"])
    assert all(label.startswith("-R$") for label in downs["label"])
    assert steps["row"].is_unique


def test_waterfall_is_one_row_per_step_on_a_value_axis_that_starts_near_the_movements():
    steps = charts.waterfall_steps(1_000_000.0, MONTH, "pt")
    spec = charts.waterfall(steps).to_dict()
    assert spec["encoding"]["y"]["field"] == "row"  # horizontal bars: labels never collide
    low, high = spec["encoding"]["x"]["scale"]["domain"]
    assert low > 900_000 and high < 1_100_000  # not zero-based: the movements are visible


def _temporal_axes(spec: dict) -> list[dict]:
    """The x encodings of type temporal in a chart spec and its layers."""
    found = []
    for part in [spec, *spec.get("layer", [])]:
        x = part.get("encoding", {}).get("x", {})
        if x.get("type") == "temporal":
            found.append(x)
    return found


def test_time_axes_show_the_year_on_every_label():
    months = pd.DataFrame(
        {
            "month": pd.date_range("2024-11-01", periods=4, freq="MS"),
            "mrr": [1.0, 2.0, 3.0, 4.0],
            "snapshot_date": pd.date_range("2024-11-30", periods=4, freq="ME"),
            "a": [1.0, 2.0, 3.0, 4.0],
            "b": [5.0, 6.0, 7.0, 8.0],
            "c": [1.0, 1.0, 1.0, 1.0],
        }
    )
    specs = [
        charts.mrr_trend(months, "pt").to_dict(),
        charts.line(months, "snapshot_date", "a", "A").to_dict(),
        charts.multi_line(months, "snapshot_date", {"a": "A", "b": "B"}).to_dict(),
        charts.multi_line(months, "snapshot_date", {"a": "A", "b": "B", "c": "C"}).to_dict(),
    ]
    for spec in specs:
        axes = _temporal_axes(spec)
        assert axes, spec
        assert all("%Y" in x.get("axis", {}).get("format", "") for x in axes), axes
