"""Bar charts drawn on the server as SVG: no script, no CDN, nothing the CSP must allow, and the
same drawing in the page and in the PDF export's figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD, AXIS = 640, 220, 24, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    color: str


@dataclass(frozen=True)
class Chart:
    title: Any
    labels: list[tuple[float, str]]  # x, text
    bars: list[Bar]
    legend: list[tuple[str, Any]]  # color, label
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - AXIS


COLORS = ("#a4161a", "#3a6ea5", "#6a994e", "#e9c46a")


def grouped_bars(*, title: Any, labels: list[str], series: list[tuple[Any, list[int]]]) -> Chart:
    """Bars per label, one per series side by side, scaled to the largest value."""
    top = max([1, *(value for _name, values in series for value in values)])
    plot_height = HEIGHT - AXIS - PAD
    slot = (WIDTH - 2 * PAD) / max(1, len(labels))
    bar_width = slot * 0.8 / max(1, len(series))
    bars, texts = [], []
    for index, label in enumerate(labels):
        left = PAD + index * slot + slot * 0.1
        texts.append((round(left + slot * 0.4, 1), label))
        for number, (_name, values) in enumerate(series):
            height = plot_height * values[index] / top
            bars.append(
                Bar(
                    x=round(left + number * bar_width, 1),
                    y=round(HEIGHT - AXIS - height, 1),
                    width=round(bar_width - 1, 1),
                    height=round(height, 1),
                    value=values[index],
                    color=COLORS[number % len(COLORS)],
                )
            )
    legend = [(COLORS[i % len(COLORS)], name) for i, (name, _values) in enumerate(series)]
    return Chart(title=title, labels=texts, bars=bars, legend=legend)
