"""Server-rendered SVG charts: horizontal bars an operator reads at a glance, no script needed.

The SVG is built as markup from escaped text, so partner names cannot inject anything; Jinja marks it safe only
after :func:`bar_chart` escaped every label itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

__all__ = ["bar_chart"]

#: Colours per series (states), readable on white and by most colour-blind viewers (Okabe-Ito palette).
_PALETTE = ("#0072B2", "#009E73", "#E69F00", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def bar_chart(rows: Sequence[tuple[str, dict[str, int]]], *, title: str, series: Sequence[str]) -> Markup:
    """Stacked horizontal bars, one per row label, segments per series, with a legend and a text alternative."""
    width, label_width, bar_height, gap = 640, 200, 18, 8
    top = 24
    total_max = max((sum(values.values()) for _, values in rows), default=0) or 1
    height = top + len(rows) * (bar_height + gap) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, (label, values) in enumerate(rows):
        y = top + index * (bar_height + gap)
        parts.append(f'<text x="0" y="{y + bar_height - 4}" font-size="13">{escape(label)}</text>')
        x = float(label_width)
        for position, name in enumerate(series):
            count = values.get(name, 0)
            if not count:
                continue
            w = (width - label_width - 60) * count / total_max
            colour = _PALETTE[position % len(_PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}">'
                         f'<title>{escape(label)}: {count} {escape(name)}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar_height - 4}" font-size="13">{sum(values.values())}</text>')
    legend_y = top + len(rows) * (bar_height + gap) + 14
    x = float(label_width)
    for position, name in enumerate(series):
        colour = _PALETTE[position % len(_PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{legend_y - 10}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14:.1f}" y="{legend_y}" font-size="12">{escape(name)}</text>')
        x += 20 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))
