"""Bar charts as SVG drawn on the server: readable without JavaScript, with a text equivalent.

Each chart is a <figure>: the SVG (role="img", its <title> and <desc> named by
aria-labelledby/aria-describedby, every bar with its own <title>), and the same figures as a
table in a <details> beside it for screen readers, printing and copying. Colours come from
static/base.css through classes (the Content Security Policy allows no inline styles).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# Drawing units; the SVG scales to its box (about 1:1 beside the admin navigation, 0.7 on a phone).
WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 4, 22, 44   # room for the value axis, the bars' values, the labels and the axis title


@dataclass(frozen=True)
class Point:
    label: str        # under the bar (short: "48")
    long_label: str   # in the table and the bar's title ("KW 48 (23.11.–29.11.)")
    value: int


@dataclass(frozen=True)
class Texts:
    """What the chart says, in the page's language."""

    title: str
    description: str
    label_column: str
    value_column: str
    table_summary: str
    axis_title: str   # under the labels ("Kalenderwoche")


def nice_ceiling(value: int) -> int:
    """The top of the value axis: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def bar_chart(chart_id: str, texts: Texts, points: list[Point], number) -> Markup:
    """The figure for `points` (left to right); `number` formats a value for the page's locale."""
    top = nice_ceiling(max((p.value for p in points), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = slot * 0.7
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(texts.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(texts.description)}</desc>',
    ]
    for tick in sorted({0, top // 2, top}):  # grid lines with their (whole) values
        y = TOP + plot_h * (1 - tick / top)
        parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(number(tick))}</text>')
    for i, point in enumerate(points):
        height = plot_h * point.value / top
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = TOP + plot_h - height
        parts.append(f'<g><title>{escape(point.long_label)}: {escape(number(point.value))}</title>'
                     f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}"/>')
        if point.value:
            parts.append(f'<text class="chart-value" x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle">'
                         f'{escape(number(point.value))}</text>')
        parts.append(f'<text class="chart-label" x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 17}" '
                     f'text-anchor="middle">{escape(point.label)}</text></g>')
    parts.append(f'<text class="chart-axis" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                 f'{escape(texts.axis_title)}</text></svg>')
    rows = "".join(f"<tr><th scope=\"row\">{escape(p.long_label)}</th><td>{escape(number(p.value))}</td></tr>"
                   for p in points)
    table = (f'<details class="chart-data"><summary>{escape(texts.table_summary)}</summary>'
             f'<table class="data" id="{chart_id}-data"><caption class="visually-hidden">{escape(texts.title)}'
             f'</caption><thead><tr><th scope="col">{escape(texts.label_column)}</th>'
             f'<th scope="col">{escape(texts.value_column)}</th></tr></thead><tbody>{rows}</tbody></table></details>')
    return Markup(f'<figure class="chart-figure"><figcaption>{escape(texts.title)}</figcaption>'
                  f'{"".join(parts)}{table}</figure>')
