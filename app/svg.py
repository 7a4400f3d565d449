"""Tiny inline-SVG charts for the offline executive report (no JavaScript, no external files)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 720, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 90, 16, 16, 36


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high == low:
        return [low]
    step = (high - low) / count
    return [low + i * step for i in range(count + 1)]


def _frame(
    low: float, high: float, labels: Sequence[str], fmt_value: Callable[[float], str], title: str
) -> list[str]:
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart">'
    ]
    for tick in _ticks(low, high):
        y = PAD_TOP + inner_h * (1 - (tick - low) / ((high - low) or 1))
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(fmt_value(tick))}</text>"
        )
    n = len(labels)
    every = max(1, n // 8)
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            x = PAD_LEFT + inner_w * (i + 0.5) / n
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle" class="tick">'
                f"{escape(label)}</text>"
            )
    return parts


def line_chart(
    labels: Sequence[str],
    values: Sequence[float],
    fmt_value: Callable[[float], str],
    title: str,
    zero_based: bool = True,
) -> str:
    """A line with points; `labels` are the x categories in order."""
    if not values:
        return ""
    low = 0.0 if zero_based else min(values)
    high = max(values) if max(values) > low else low + 1
    high += (high - low) * 0.05
    parts = _frame(low, high, labels, fmt_value, title)
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    points = [
        (PAD_LEFT + inner_w * (i + 0.5) / len(values), PAD_TOP + inner_h * (1 - (v - low) / (high - low)))
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f'<polyline points="{path}" class="line"/>')
    for (x, y), label, value in zip(points, labels, values, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"><title>{escape(label)}: '
            f"{escape(fmt_value(value))}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def diverging_bars(
    labels: Sequence[str],
    series: dict[str, tuple[Sequence[float], str]],
    fmt_value: Callable[[float], str],
    title: str,
) -> str:
    """Stacked bars per x label: positive series stack up, negative ones down.

    series: name -> (values, color).
    """
    n = len(labels)
    if n == 0:
        return ""
    ups = [sum(max(0.0, vals[i]) for vals, _ in series.values()) for i in range(n)]
    downs = [sum(min(0.0, vals[i]) for vals, _ in series.values()) for i in range(n)]
    high, low = max(ups + [1.0]), min(downs + [0.0])
    pad = (high - low) * 0.05
    high, low = high + pad, low - (pad if low < 0 else 0)
    parts = _frame(low, high, labels, fmt_value, title)
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def y_of(v: float) -> float:
        return PAD_TOP + inner_h * (1 - (v - low) / (high - low))

    bar_w = inner_w / n * 0.7
    for i in range(n):
        x = PAD_LEFT + inner_w * (i + 0.5) / n - bar_w / 2
        up, down = 0.0, 0.0
        for name, (vals, color) in series.items():
            value = float(vals[i])
            if value >= 0:
                top, bottom = up + value, up
                up = top
            else:
                top, bottom = down, down + value
                down = bottom
            if value == 0:
                continue
            y1, y2 = y_of(top), y_of(bottom)
            parts.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{max(0.5, y2 - y1):.1f}" '
                f'fill="{color}"><title>{escape(labels[i])} · {escape(name)}: '
                f"{escape(fmt_value(value))}</title></rect>"
            )
    parts.append(
        f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" class="axis"/>'
    )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{color}"></i>{escape(name)}</span>'
        for name, (_, color) in series.items()
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'
