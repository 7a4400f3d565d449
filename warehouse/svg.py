"""Small SVG charts written as text: no JavaScript, no plotting library, nothing fetched.

The executive report (app/report.py) puts them inline in its HTML; the model card
(ml/report.py) writes them as .svg files beside its Markdown. They live here because
app/ and ml/ may both import warehouse/, never each other.

Three charts: `line_chart` (x numeric, or categories such as months), `stacked_bars`
(per category, positive values stack up and negative ones down) and `bar_chart`
(horizontal, one bar per name). Every element carries its own colours, so a file looks
right on its own, and a class (`chart`, `grid`, `axis`, `tick`, `line`, `dot`) that a
page's CSS may restyle. Each mark has a `<title>`: the value shows on hover.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
GRID, AXIS, TICK = "#e4e7eb", "#7b8794", "#52606d"
FONT_SIZE, CHAR_WIDTH, ROW = 11, 6.5, 15  # legend layout: a text's width is estimated, not measured
TICKS = 4  # intervals on a numeric axis
MAX_CATEGORY_LABELS = 8  # more categories than this: label every n-th (and the last)

Format = Callable[[float], str]


def short_number(value: float) -> str:
    return f"{value:.2g}"


@dataclass(frozen=True)
class Plot:
    """The plotting area of a chart (inside its margins) and its two linear scales."""

    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    left: float
    top: float
    right: float = 16
    bottom: float = 40

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (self.width - self.left - self.right) * _share(value, low, high)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.height - self.bottom - (self.height - self.bottom - self.top) * _share(value, low, high)


def _share(value: float, low: float, high: float) -> float:
    return (value - low) / (high - low) if high != low else 0.0


def _padded(values: Sequence[float], fixed: tuple[float | None, float | None]) -> tuple[float, float]:
    """A value range from 0 (or below, for negatives) to 5% above the largest value."""
    low = fixed[0] if fixed[0] is not None else min([0.0, *values])
    high = fixed[1] if fixed[1] is not None else max([*values, low])
    if fixed[1] is None:
        high += (high - low) * 0.05 or 1.0
    return low, high


def _steps(low: float, high: float) -> list[float]:
    """The values of a numeric axis's ticks: its two ends and TICKS - 1 between them."""
    return [low + (high - low) * i / TICKS for i in range(TICKS + 1)]


def _colors(names: Sequence[str], given: Mapping[str, str] | None) -> dict[str, str]:
    given = given or {}
    return {name: given.get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)}


def _legend_rows(names: Sequence[str], width: float, left: float) -> list[list[tuple[float, str]]]:
    """The legend's items as rows of (x, name), wrapped to the chart's width."""
    rows: list[list[tuple[float, str]]] = [[]]
    x = left
    for name in names:
        item = 18 + CHAR_WIDTH * len(name) + 14
        if rows[-1] and x + item > width:
            rows.append([])
            x = left
        rows[-1].append((x, name))
        x += item
    return rows if names else []


def _open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" role="img" aria-label="{escape(title)}" class="chart" '
        f'font-family="sans-serif" font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width:g}" height="{height:g}" fill="white"/>',
        f'<text x="{width / 2:g}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
    ]


def _legend(rows: list[list[tuple[float, str]]], colors: Mapping[str, str]) -> list[str]:
    parts = []
    for row_number, row in enumerate(rows):
        y = 24 + ROW * row_number
        for x, name in row:
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{colors[name]}"/>')
            parts.append(f'<text x="{x + 14:.1f}" y="{y + 9}" class="tick">{escape(name)}</text>')
    return parts


def _top(rows: list[list[tuple[float, str]]]) -> float:
    return 30 + ROW * len(rows)


def _y_axis(plot: Plot, fmt_y: Format) -> list[str]:
    """Horizontal grid lines with their values on the left."""
    parts = []
    for value in _steps(*plot.y_range):
        y = plot.y(value)
        parts.append(
            f'<line x1="{plot.left:g}" x2="{plot.width - plot.right:g}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" class="grid"/>'
        )
        parts.append(
            f'<text x="{plot.left - 6:g}" y="{y + 4:.1f}" text-anchor="end" fill="{TICK}" class="tick">'
            f"{escape(fmt_y(value))}</text>"
        )
    return parts


def _x_axis(plot: Plot, ticks: Sequence[tuple[float, str]], at: float) -> list[str]:
    """The axis line at y = `at`, and the x labels under the plot."""
    y = plot.y(at)
    parts = [
        f'<line x1="{plot.left:g}" x2="{plot.width - plot.right:g}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="{AXIS}" class="axis"/>'
    ]
    base = plot.height - plot.bottom + 16
    for x, label in ticks:
        parts.append(
            f'<text x="{plot.x(x):.1f}" y="{base:g}" text-anchor="middle" fill="{TICK}" class="tick">'
            f"{escape(label)}</text>"
        )
    return parts


def _axis_titles(plot: Plot, x_title: str, y_title: str) -> list[str]:
    parts = []
    if x_title:
        parts.append(
            f'<text x="{(plot.left + plot.width - plot.right) / 2:.1f}" y="{plot.height - 6:g}" '
            f'text-anchor="middle">{escape(x_title)}</text>'
        )
    if y_title:
        middle = (plot.top + plot.height - plot.bottom) / 2
        parts.append(
            f'<text x="12" y="{middle:.1f}" text-anchor="middle" transform="rotate(-90 12 {middle:.1f})">'
            f"{escape(y_title)}</text>"
        )
    return parts


def _category_ticks(categories: Sequence[str]) -> list[tuple[float, str]]:
    every = max(1, len(categories) // MAX_CATEGORY_LABELS)
    last = len(categories) - 1
    return [(float(i), label) for i, label in enumerate(categories) if i % every == 0 or i == last]


def line_chart(
    title: str,
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    categories: Sequence[str] | None = None,
    fmt_x: Format = short_number,
    fmt_y: Format = short_number,
    x_title: str = "",
    y_title: str = "",
    x_range: tuple[float | None, float | None] = (None, None),
    y_range: tuple[float | None, float | None] = (None, None),
    diagonal: bool = False,
    colors: Mapping[str, str] | None = None,
    size: tuple[float, float] = (720, 260),
) -> str:
    """Lines with points, one per series of (x, y). With `categories`, x is the index of a
    category (0, 1, ...) and the axis shows the categories' names. A legend shows from two
    series on. `diagonal` draws y = x (a calibration plot's ideal)."""
    width, height = size
    names = list(series)
    palette = _colors(names, colors)
    rows = _legend_rows(names, width, 60) if len(names) > 1 else []
    xs = [x for points in series.values() for x, _ in points]
    ys = [y for points in series.values() for _, y in points]
    if categories is not None:
        x_low, x_high = -0.5, len(categories) - 0.5
        ticks = _category_ticks(categories)
    else:
        x_low, x_high = _padded(xs, x_range)
        ticks = [(x, fmt_x(x)) for x in _steps(x_low, x_high)]
    low, high = _padded(ys, y_range)
    left = _left((low, high), fmt_y, y_title)
    plot = Plot(width, height, (x_low, x_high), (low, high), left=left, top=_top(rows))
    parts = [*_open(width, height, title), *_legend(rows, palette), *_y_axis(plot, fmt_y)]
    parts += _x_axis(plot, ticks, plot.y_range[0]) + _axis_titles(plot, x_title, y_title)
    if diagonal:
        top = min(plot.x_range[1], plot.y_range[1])
        parts.append(
            f'<line x1="{plot.x(0):.1f}" y1="{plot.y(0):.1f}" x2="{plot.x(top):.1f}" y2="{plot.y(top):.1f}" '
            'stroke="#bbb" stroke-dasharray="4 3"/>'
        )
    for name, points in series.items():
        parts += _line(plot, name, points, palette[name], categories, fmt_x, fmt_y)
    parts.append("</svg>")
    return "\n".join(parts)


def _left(y_range: tuple[float, float], fmt_y: Format, y_title: str = "") -> float:
    """Room on the left for the longest y label (and the y axis title)."""
    longest = max(len(fmt_y(value)) for value in _steps(*y_range))
    return 12 + CHAR_WIDTH * longest + (18 if y_title else 0)


def _line(
    plot: Plot,
    name: str,
    points: Sequence[tuple[float, float]],
    color: str,
    categories: Sequence[str] | None,
    fmt_x: Format,
    fmt_y: Format,
) -> list[str]:
    if not points:
        return []
    where = [(plot.x(x), plot.y(y)) for x, y in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in where)
    parts = [f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2" class="line"/>']
    for (x, y), (x_value, y_value) in zip(where, points, strict=True):
        at = categories[int(x_value)] if categories is not None else fmt_x(x_value)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}" class="dot">'
            f"<title>{escape(name)} · {escape(at)}: {escape(fmt_y(y_value))}</title></circle>"
        )
    return parts


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    fmt_y: Format = short_number,
    colors: Mapping[str, str] | None = None,
    size: tuple[float, float] = (720, 260),
) -> str:
    """One bar per category, stacked from the series: positive values go up from zero,
    negative ones down; a legend names the series."""
    width, height = size
    names = list(series)
    palette = _colors(names, colors)
    n = len(categories)
    ups = [sum(max(0.0, float(values[i])) for values in series.values()) for i in range(n)]
    downs = [sum(min(0.0, float(values[i])) for values in series.values()) for i in range(n)]
    low, high = _padded([*ups, *downs], (None, None))
    if low < 0:
        low -= (high - low) * 0.05
    rows = _legend_rows(names, width, 60)
    plot = Plot(width, height, (-0.5, n - 0.5), (low, high), left=_left((low, high), fmt_y), top=_top(rows))
    parts = [*_open(width, height, title), *_legend(rows, palette), *_y_axis(plot, fmt_y)]
    bar = (plot.x(1) - plot.x(0)) * 0.7
    for i, category in enumerate(categories):
        up = down = 0.0
        for name, values in series.items():
            value = float(values[i])
            if value == 0:
                continue
            if value > 0:
                bottom, up = up, up + value
                top = up
            else:
                top, down = down, down + value
                bottom = down
            y1, y2 = plot.y(top), plot.y(bottom)
            parts.append(
                f'<rect x="{plot.x(i) - bar / 2:.1f}" y="{y1:.1f}" width="{bar:.1f}" '
                f'height="{max(0.5, y2 - y1):.1f}" fill="{palette[name]}">'
                f"<title>{escape(category)} · {escape(name)}: {escape(fmt_y(value))}</title></rect>"
            )
    parts += _x_axis(plot, _category_ticks(categories), 0.0)
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    fmt_value: Format = lambda value: f"{value:.4f}",
    color: str = PALETTE[0],
    width: float = 500,
) -> str:
    """Horizontal bars, one per (name, value), longest value full width; negatives as 0."""
    height = 40 + 18 * len(items)
    longest = max([value for _, value in items] + [1e-9])
    left = 12 + CHAR_WIDTH * max([len(name) for name, _ in items] + [4])
    room = width - left - 60
    parts = _open(width, height, title)
    for i, (name, value) in enumerate(items):
        y = 30 + 18 * i
        length = max(0.0, value) / longest * room
        parts += [
            f'<text x="{left - 6:.1f}" y="{y + 11}" text-anchor="end">{escape(name)}</text>',
            f'<rect x="{left:.1f}" y="{y}" width="{length:.1f}" height="13" fill="{color}">'
            f"<title>{escape(name)}: {escape(fmt_value(value))}</title></rect>",
            f'<text x="{left + length + 4:.1f}" y="{y + 11}">{escape(fmt_value(value))}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)
