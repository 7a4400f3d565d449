"""warehouse/svg.py: the one SVG chart module of the report (app/) and the model card (ml/)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from warehouse import svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def parsed(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def points(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
        for line in root.iterfind("svg:polyline", NS)
    ]


def inside_the_canvas(root: ET.Element, xy: list[tuple[float, float]]) -> bool:
    width, height = float(root.get("width")), float(root.get("height"))
    return all(0 <= x <= width and 0 <= y <= height for x, y in xy)


@pytest.mark.parametrize("values", [[3.0, 1.0, 4.0, 1.5], [0.0, 0.0], [-2.0, 5.0, -1.0], [1e9]])
def test_a_category_line_puts_every_value_in_place(values: list[float]) -> None:
    months = [f"m{i}" for i in range(len(values))]
    root = parsed(svg.line_chart("MRR <R$> & co", {"MRR": list(enumerate(values))}, categories=months))
    (line,) = points(root)
    assert len(line) == len(values) and inside_the_canvas(root, line)
    xs = [x for x, _ in line]
    assert xs == sorted(xs) and len(set(xs)) == len(xs), "one x per category, left to right"
    ys = [y for _, y in line]
    for i in range(len(values) - 1):
        assert values[i] == values[i + 1] or (values[i] < values[i + 1]) == (ys[i] > ys[i + 1]), "higher"
    assert root.get("aria-label") == "MRR <R$> & co"
    tooltips = [t.text for t in root.iterfind("svg:circle/svg:title", NS)]
    assert tooltips == [f"MRR · m{i}: {svg.short_number(v)}" for i, v in enumerate(values)]


def test_many_categories_are_labelled_sparsely_but_the_last_always() -> None:
    months = [f"2024-{i:02d}" for i in range(1, 25)]
    root = parsed(svg.line_chart("t", {"s": [(i, i) for i in range(24)]}, categories=months))
    labels = [t.text for t in root.iterfind("svg:text", NS)]
    shown = [m for m in months if m in labels]
    assert months[-1] in shown and months[0] in shown and len(shown) <= svg.MAX_CATEGORY_LABELS + 1


def test_numeric_lines_keep_fixed_ranges_and_name_each_series() -> None:
    series = {"model": [(0.1, 0.12), (0.5, 0.4)], "oracle": [(0.1, 0.1), (0.5, 0.5)]}
    root = parsed(
        svg.line_chart(
            "Calibração", series, x_range=(0, 1), y_range=(0, 1), diagonal=True, colors={"model": "#123456"}
        )
    )
    lines = points(root)
    assert len(lines) == 2 and all(inside_the_canvas(root, line) for line in lines)
    texts = [t.text for t in root.iterfind("svg:text", NS)]
    assert "model" in texts and "oracle" in texts, "two series: a legend"
    assert "0" in texts and "1" in texts, "the fixed range's ends are labelled"
    assert root.find("svg:polyline", NS).get("stroke") == "#123456"
    # the diagonal runs from (0, 0) to (1, 1): the corners of the plot
    diagonal = root.find("svg:line[@stroke-dasharray]", NS)
    assert float(diagonal.get("x1")) < float(diagonal.get("x2")) and float(diagonal.get("y1")) > float(
        diagonal.get("y2")
    )


def test_an_empty_chart_is_still_a_valid_svg() -> None:
    assert points(parsed(svg.line_chart("nada", {}))) == []
    assert points(parsed(svg.line_chart("nada", {"a": []}, categories=[]))) == []
    assert parsed(svg.bar_chart("nada", [])).find("svg:rect[@height='13']", NS) is None
    assert parsed(svg.stacked_bars("nada", [], {})).find("svg:rect[@height='13']", NS) is None


def test_stacked_bars_go_up_for_gains_and_down_for_losses() -> None:
    series = {"new": [10.0, 0.0], "expansion": [5.0, 2.0], "churn": [-8.0, -1.0]}
    root = parsed(svg.stacked_bars("moves", ["jan", "feb"], series))
    zero = float(root.find("svg:line[@class='axis']", NS).get("y1"))
    bars = {rect.find("svg:title", NS).text: rect for rect in root.iterfind("svg:rect[svg:title]", NS)}
    assert set(bars) == {"jan · new: 10", "jan · expansion: 5", "jan · churn: -8", "feb · expansion: 2",
                         "feb · churn: -1"}  # fmt: skip
    for title, rect in bars.items():
        top, bottom = float(rect.get("y")), float(rect.get("y")) + float(rect.get("height"))
        if "-" in title:
            assert top >= zero - 0.1, title
        else:
            assert bottom <= zero + 0.1, title
    new, expansion = bars["jan · new: 10"], bars["jan · expansion: 5"]
    assert float(expansion.get("y")) < float(new.get("y")), "the second gain stacks on the first"
    assert abs(float(new.get("height")) - 2 * float(expansion.get("height"))) < 0.2


def test_bars_are_as_long_as_their_value() -> None:
    root = parsed(svg.bar_chart("importance", [("tickets", 0.2), ("usage", 0.1), ("noise", -0.05)]))
    lengths = {r.find("svg:title", NS).text.split(":")[0]: float(r.get("width")) for r in
               root.iterfind("svg:rect[svg:title]", NS)}  # fmt: skip
    assert lengths["tickets"] == pytest.approx(2 * lengths["usage"], abs=0.2) and lengths["noise"] == 0
