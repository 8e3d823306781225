"""The inline SVG chart: scales, labels and bars that match their figures."""

from __future__ import annotations

import re

import pytest

from ice_cbp_awards.publish.chart import grouped_bar_svg, nice_ticks, usd_exact, usd_short


@pytest.mark.parametrize(
    ("value", "short", "exact"),
    [
        (1_250_000_000, "$1.25B", "$1,250,000,000.00"),
        (35_000_000, "$35M", "$35,000,000.00"),
        (800_000, "$800K", "$800,000.00"),
        (-2.32, "-$2", "-$2.32"),
        (0, "$0", "$0.00"),
    ],
)
def test_money_labels(value, short, exact):
    assert usd_short(value) == short
    assert usd_exact(value) == exact


def test_ticks_are_round_and_cover_the_range_with_zero():
    ticks = nice_ticks(-3_000_000, 95_900_000)
    assert ticks[0] <= -3_000_000 and ticks[-1] >= 95_900_000 and 0 in ticks
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert steps == {20_000_000}
    # A negative too small to see adds no step below zero.
    assert nice_ticks(-1_000, 15_000_000_000)[0] == 0


ROWS = [
    {"agency": "ICE", "fy": 2024, "company": "Palantir", "usd": 100.0},
    {"agency": "ICE", "fy": 2025, "company": "Palantir", "usd": 50.0},
    {"agency": "ICE", "fy": 2025, "company": "Microsoft", "usd": -25.0},
    {"agency": "CBP", "fy": 2025, "company": "Microsoft", "usd": 75.0},
]


def _bars(svg: str) -> list[dict[str, str]]:
    pattern = (
        r'<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" '
        r'fill="(#\w+)"><title>([^<]*)</title>'
    )
    return [
        dict(zip(("x", "y", "h", "fill", "title"), m, strict=True))
        for m in re.findall(pattern, svg)
    ]


def test_one_bar_per_row_with_height_proportional_to_value():
    svg = grouped_bar_svg(ROWS, "fy", "usd", "company", "agency", "Test chart")
    assert svg.startswith("<svg") and "<title>Test chart</title>" in svg
    bars = {b["title"]: b for b in _bars(svg)}
    assert set(bars) == {
        "Palantir, ICE, 2024: $100.00",
        "Palantir, ICE, 2025: $50.00",
        "Microsoft, ICE, 2025: -$25.00",
        "Microsoft, CBP, 2025: $75.00",
    }
    h100 = float(bars["Palantir, ICE, 2024: $100.00"]["h"])
    h50 = float(bars["Palantir, ICE, 2025: $50.00"]["h"])
    assert h100 == pytest.approx(2 * h50, rel=0.02)
    # The de-obligation hangs below the zero line: it starts where the positive bars end.
    neg = bars["Microsoft, ICE, 2025: -$25.00"]
    assert float(neg["y"]) == pytest.approx(
        float(bars["Palantir, ICE, 2025: $50.00"]["y"]) + h50, abs=0.2
    )
    # One colour per company, the same in every panel.
    assert bars["Microsoft, CBP, 2025: $75.00"]["fill"] == neg["fill"]
    assert neg["fill"] != bars["Palantir, ICE, 2024: $100.00"]["fill"]
    assert svg.count('class="panel"') == 2


def test_names_are_escaped():
    rows = [{"agency": "ICE", "fy": 2025, "company": "AT&T <Corp>", "usd": 1.0}]
    svg = grouped_bar_svg(rows, "fy", "usd", "company", "agency", "x")
    assert "AT&amp;T &lt;Corp&gt;" in svg and "<Corp>" not in svg


def test_no_rows_gives_an_empty_chart():
    svg = grouped_bar_svg([], "fy", "usd", "company", "agency", "Empty")
    assert 'class="bar"' not in svg and svg.endswith("</svg>")


def test_inclusive_figure_as_outline_and_upper_bounds_marked():
    rows = [
        {"agency": "ICE", "fy": 2024, "company": "AWS", "usd": 50.0, "incl": 100.0,
         "bias": "minimum"},
        {"agency": "ICE", "fy": 2025, "company": "AWS", "usd": 80.0, "incl": 80.0,
         "bias": "upper_bound_truncated_slice"},
    ]  # fmt: skip
    svg = grouped_bar_svg(rows, "fy", "usd", "company", "agency", "T", outline="incl", note="bias")
    bars = {b["title"]: b for b in _bars(svg)}
    assert set(bars) == {
        "AWS, ICE, 2024: $50.00; incl: $100.00",
        "AWS, ICE, 2025: $80.00; incl: $80.00; upper_bound_truncated_slice",
    }
    outlines = re.findall(r'<rect class="bar-outline" x="[\d.]+" y="[\d.]+" width="[\d.]+" '
                          r'height="([\d.]+)"', svg)  # fmt: skip
    # only where the inclusive figure differs, twice the headline's height
    assert len(outlines) == 1
    h50 = float(bars["AWS, ICE, 2024: $50.00; incl: $100.00"]["h"])
    assert float(outlines[0]) == pytest.approx(2 * h50, rel=0.02)
    assert svg.count('class="bar-note"') == 1


def test_chart_page_says_which_years_the_package_holds(client):
    html = client.get("/-/chart").text
    assert (
        "<strong>Coverage:</strong> The package holds transactions for FY2022-FY2025. Of these "
        "years: CBP FY2022-FY2024: not in the package; ICE FY2023: not in the package; "
        "CBP FY2025: truncated slice: sums are upper bounds (its de-obligations are missing)."
    ) in html
