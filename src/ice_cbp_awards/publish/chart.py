"""Grouped bar charts as inline SVG, drawn in Python so the site needs no JavaScript or network.

A chart has one panel per value of `panel` (e.g. agency), the `x` values (fiscal years) along
the bottom, and one bar per `series` value (company) in each group, height `y` (USD). Every bar
carries a <title> with its exact figure, so hovering shows the number and screen readers can
read it; the page also prints the figures as a table.

A chart may also give an `outline` column: a second, larger figure of the same bar (e.g. the total
including inherited records beside the per-record headline), drawn as a dashed outline around
the filled bar so that the headline is the bar a reader sees first. A `note` column marks bars
whose figure is not a minimum (e.g. coverage_bias 'upper_bound_truncated_slice'): the bar gets a
marker and its title says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

# Colour-blind-safe palette (Okabe-Ito), then greys for anything beyond it.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
]
WIDTH = 960
PANEL_HEIGHT = 300
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 80, 20, 30, 40


def usd_short(value: float) -> str:
    """$1.2B, $35M, $800K: axis labels a reader takes in at a glance."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= limit:
            return f"{sign}${v / limit:.3g}{suffix}"
    return f"{sign}${v:,.0f}"


def usd_exact(value: float) -> str:
    return f"-${abs(value):,.2f}" if value < 0 else f"${value:,.2f}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (0 always included).

    A negative minimum too small to see at the chart's scale (under 2% of the range) does not
    add a whole tick step below zero; such bars are clipped at the axis.
    """
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        hi = lo + 1
    if lo < 0 < hi and -lo < 0.02 * (hi - lo):
        lo = 0.0
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 0.5:
        ticks.append(round(t, 6))
        t += step
    return ticks


def grouped_bar_svg(
    rows: Sequence[dict[str, Any]],
    x: str,
    y: str,
    series: str,
    panel: str,
    title: str,
    outline: str | None = None,
    note: str | None = None,
    minimum_note: str = "minimum",
) -> str:
    """An SVG document (as text) with one grouped bar panel per distinct `panel` value; with
    `outline`, each bar's larger figure as a dashed outline; with `note`, a marker on bars
    whose note is not `minimum_note`."""
    panels = sorted({str(r[panel]) for r in rows})
    xs = sorted({r[x] for r in rows})
    totals: dict[str, float] = {}
    for r in rows:
        totals[str(r[series])] = totals.get(str(r[series]), 0.0) + float(r[y] or 0)
    names = sorted(totals, key=lambda s: -totals[s])
    colour = {s: PALETTE[i] if i < len(PALETTE) else "#888888" for i, s in enumerate(names)}
    values = {(str(r[panel]), r[x], str(r[series])): float(r[y] or 0) for r in rows}
    outer = {
        (str(r[panel]), r[x], str(r[series])): float(r[outline] or 0)
        for r in rows
        if outline and r.get(outline) is not None
    }
    notes = {
        (str(r[panel]), r[x], str(r[series])): str(r[note])
        for r in rows
        if note and r.get(note) not in (None, "", minimum_note)
    }
    legend_rows = math.ceil(len(names) / 3) if names else 0
    legend_h = 22 * legend_rows + 10
    height = MARGIN_TOP + legend_h + len(panels) * (PANEL_HEIGHT + MARGIN_BOTTOM)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="awards-chart" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    for i, name in enumerate(names):
        lx = MARGIN_LEFT + (i % 3) * 290
        ly = MARGIN_TOP + (i // 3) * 22
        label = name if len(name) <= 40 else name[:39] + "…"
        out.append(
            f'<rect class="legend-swatch" x="{lx}" y="{ly - 10}" width="12" height="12" '
            f'fill="{colour[name]}"/><text x="{lx + 18}" y="{ly}">{escape(label)}</text>'
        )
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    for p_index, p in enumerate(panels):
        top = MARGIN_TOP + legend_h + p_index * (PANEL_HEIGHT + MARGIN_BOTTOM)
        panel_values = [v for (pp, _, _), v in [*values.items(), *outer.items()] if pp == p]
        ticks = nice_ticks(min(panel_values, default=0.0), max(panel_values, default=0.0))
        lo, hi = ticks[0], ticks[-1]
        plot_top, plot_h = top + 24, PANEL_HEIGHT - 30

        def to_y(
            v: float, lo: float = lo, hi: float = hi, t: float = plot_top, h: float = plot_h
        ) -> float:
            return t + h * (hi - v) / (hi - lo)

        out.append(f'<g class="panel" data-panel="{escape(p)}">')
        out.append(f'<text x="{MARGIN_LEFT}" y="{top + 12}" font-size="14" font-weight="bold">')
        out.append(f"{escape(p)}</text>")
        for t in ticks:
            ty = to_y(t)
            out.append(
                f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{ty:.1f}" '
                f'y2="{ty:.1f}" stroke="{"#333" if t == 0 else "#ddd"}"/>'
                f'<text x="{MARGIN_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
                f"{usd_short(t)}</text>"
            )
        group_w = plot_w / max(len(xs), 1)
        bar_w = max((group_w * 0.8) / max(len(names), 1), 1.0)
        for xi, xv in enumerate(xs):
            gx = MARGIN_LEFT + xi * group_w + group_w * 0.1
            out.append(
                f'<text x="{gx + group_w * 0.4:.1f}" y="{plot_top + plot_h + 16}" '
                f'text-anchor="middle">{escape(str(xv))}</text>'
            )
            for si, name in enumerate(names):
                v = values.get((p, xv, name))
                if v is None:
                    continue
                key = (p, xv, name)
                label = f"{escape(name)}, {escape(p)}, {escape(str(xv))}: {usd_exact(v)}"
                if key in outer:
                    label += f"; {escape(outline or '')}: {usd_exact(outer[key])}"
                if key in notes:
                    label += f"; {escape(notes[key])}"
                bx = gx + si * bar_w
                if key in outer and outer[key] != v:
                    o0, o1 = sorted((to_y(0), to_y(max(outer[key], lo))))
                    out.append(
                        f'<rect class="bar-outline" x="{bx:.1f}" y="{o0:.1f}" '
                        f'width="{bar_w * 0.9:.1f}" height="{max(o1 - o0, 0.5):.1f}" '
                        f'fill="none" stroke="{colour[name]}" stroke-dasharray="3 2">'
                        f"<title>{label}</title></rect>"
                    )
                y0, y1 = sorted((to_y(0), to_y(max(v, lo))))
                out.append(
                    f'<rect class="bar" x="{bx:.1f}" y="{y0:.1f}" '
                    f'width="{bar_w * 0.9:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                    f'fill="{colour[name]}"><title>{label}</title></rect>'
                )
                if key in notes:
                    out.append(
                        f'<text class="bar-note" x="{bx + bar_w * 0.45:.1f}" '
                        f'y="{min(y0, to_y(max(outer.get(key, v), lo))) - 3:.1f}" '
                        f'text-anchor="middle" font-size="11">&#8593;<title>{label}</title></text>'
                    )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
