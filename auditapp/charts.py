"""Server-drawn SVG charts, the same markup in web pages and in PDFs (WeasyPrint).

Hand-written SVG rather than a charting library: no script, no external URL, no ids that
could clash when several charts share a page, and every text escaped here. Colours are
presentation attributes (not style attributes) so that a strict Content-Security-Policy
leaves them alone, and the lines differ in width and dash too so that they print in grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape

from auditapp.stats import MIN_AUDITS_TO_JUDGE, rolling_mean

WIDTH, HEIGHT = 640, 270
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 56, 40  # margins around the plotting area
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
ROLLING_WINDOW = 5
PAD = 34  # keeps the first and last points (and their date labels) off the edges
# Text sizes in SVG units. The chart is 640 wide and shrinks to its column (img-fluid), so
# these stay readable down to a tablet held upright (about 12 px) and on A4 paper.
TITLE_SIZE, TEXT_SIZE = 15, 12
# A date label ("28 Feb 2026") is about 75 units wide at TEXT_SIZE: ticks at least this far
# apart never overlap.
MIN_TICK_GAP = 100

POINT_COLOUR = "#0d6efd"
TREND_COLOUR = "#b02a37"
PASS_COLOUR = "#146c43"
GRID_COLOUR = "#dee2e6"
TEXT_COLOUR = "#212529"
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def y_of(value: float) -> float:
    """The y coordinate of a score (0..100%, clamped) on every chart."""
    value = min(100.0, max(0.0, value))
    return round(TOP + (100.0 - value) / 100.0 * PLOT_HEIGHT, 1)


def _day(moment: date) -> float:
    """Days since year 1, with the time of day when there is one (audits on one day spread)."""
    if isinstance(moment, datetime):
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        return moment.toordinal() + seconds / 86400
    return float(moment.toordinal())


def _x_scale(days: Sequence[float]):
    low, high = min(days), max(days)
    if high - low < 1e-9:  # one day only: put it in the middle
        return lambda day: round(LEFT + PLOT_WIDTH / 2, 1)
    span = PLOT_WIDTH - 2 * PAD
    return lambda day: round(LEFT + PAD + (day - low) / (high - low) * span, 1)


def svg_text(
    x: float, y: float, content: str, size: int = 10, anchor: str = "start", **extra
) -> str:
    attributes = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in extra.items())
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{TEXT_COLOUR}"'
        f" {FONT}{attributes}>{escape(content)}</text>"
    )


def _polyline(coords: Sequence[tuple[float, float]], colour: str, width: float, kind: str) -> str:
    joined = " ".join(f"{x},{y}" for x, y in coords)
    return (
        f'<polyline class="{kind}" points="{joined}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}" stroke-linejoin="round"/>'
    )


def _date_ticks(moments: Sequence[date], x_of) -> list[date]:
    """Dates spread evenly over the range, never two labels closer than MIN_TICK_GAP, nor
    the same day twice. The dates are the spread's own, not the nearest audits' (which
    may bunch together)."""
    first, last = _day(min(moments)), _day(max(moments))
    if last - first < 1:
        return [_as_date(min(moments))]
    count = max(2, int((PLOT_WIDTH - 2 * PAD) // MIN_TICK_GAP) + 1)
    ticks: list[date] = []
    for i in range(count):
        tick = date.fromordinal(int(first + (last - first) * i / (count - 1)))
        if ticks and (tick == ticks[-1] or x_of(_day(tick)) - x_of(_day(ticks[-1])) < MIN_TICK_GAP):
            continue
        ticks.append(tick)
    return ticks


def _as_date(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _date_text(moment: date) -> str:
    return f"{moment.day} {moment:%b %Y}"


@dataclass(frozen=True)
class Words:
    """What a chart's points are, in its legend, axis and text alternative."""

    point: str = "Audit score"  # the legend's name for one point
    axis: str = "Score"
    one: str = "audit"  # a point, counted: "12 audits"
    latest: str = "latest score"
    mark: str = "Pass mark"  # the dashed line
    empty: str = "No scored audits"
    when: str = "Date observed"  # the x axis


AUDIT_SCORES = Words()


def _legend(mark: float | None, trend: bool, words: Words) -> list[str]:
    """One row under the title. Without a trend, its place says why: never on the data."""
    parts, x, y = [], LEFT, 40
    parts.append(f'<circle cx="{x + 5}" cy="{y - 4}" r="3.5" fill="{POINT_COLOUR}"/>')
    parts.append(svg_text(x + 14, y, words.point, TEXT_SIZE))
    x += 20 + 7 * len(words.point)
    if mark is not None:
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 20}" y2="{y - 4}" stroke="{PASS_COLOUR}" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        parts.append(svg_text(x + 26, y, f"{words.mark} {mark:g}%", TEXT_SIZE))
        x += 140
    if trend:
        parts.append(_polyline([(x, y - 4), (x + 20, y - 4)], TREND_COLOUR, 2.5, "legend-trend"))
        parts.append(svg_text(x + 26, y, f"Rolling average of {ROLLING_WINDOW}", TEXT_SIZE))
    else:
        few = f"Too few {words.one}s to judge a trend"
        parts.append(svg_text(x, y, few, TEXT_SIZE, font_style="italic"))
    return parts


def score_chart(
    points: list[tuple[date, float]],
    pass_mark: float | None,
    title: str,
    words: Words = AUDIT_SCORES,
) -> Markup:
    """A line chart of percentages over time: each point, a rolling average and, if given,
    a mark (an audit's pass mark); `words` name what the points are."""
    points = sorted(points, key=lambda p: _day(p[0]))
    trend = len(points) >= MIN_AUDITS_TO_JUDGE
    label = _summary(points, pass_mark, title, trend, words)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart img-fluid" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(label)}</desc>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        svg_text(LEFT, 18, title, TITLE_SIZE, font_weight="bold"),
    ]
    for value in (0, 25, 50, 75, 100):
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID_COLOUR}" '
            'stroke-width="1"/>'
        )
        parts.append(svg_text(LEFT - 6, y + 4, f"{value}%", TEXT_SIZE, "end"))
    parts.append(
        svg_text(13, TOP + PLOT_HEIGHT / 2, words.axis, TEXT_SIZE, "middle",
                 transform=f"rotate(-90 13 {TOP + PLOT_HEIGHT / 2})")
    )  # fmt: skip
    if pass_mark is not None:
        pass_y = y_of(pass_mark)
        parts.append(
            f'<line class="pass-mark" x1="{LEFT}" y1="{pass_y}" x2="{WIDTH - RIGHT}" '
            f'y2="{pass_y}" stroke="{PASS_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    parts.extend(_legend(pass_mark, trend, words))
    if not points:
        parts.append(svg_text(LEFT + PLOT_WIDTH / 2, TOP + PLOT_HEIGHT / 2, words.empty,
                              TEXT_SIZE + 1, "middle"))  # fmt: skip
        return Markup("".join(parts) + "</svg>")
    x_of = _x_scale([_day(m) for m, _ in points])
    coords = [(x_of(_day(m)), y_of(v)) for m, v in points]
    if len(coords) > 1:
        parts.append(_polyline(coords, POINT_COLOUR, 1, "scores"))
    parts.extend(f'<circle cx="{x}" cy="{y}" r="3.2" fill="{POINT_COLOUR}"/>' for x, y in coords)
    if trend:
        means = rolling_mean([v for _, v in points], ROLLING_WINDOW)
        trend_coords = [(x, y_of(m)) for (x, _), m in zip(coords, means, strict=True)]
        parts.append(_polyline(trend_coords, TREND_COLOUR, 2.5, "rolling-average"))
    axis_y = TOP + PLOT_HEIGHT
    for moment in _date_ticks([m for m, _ in points], x_of):
        x = x_of(_day(moment))
        parts.append(
            f'<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{axis_y + 4}" stroke="{TEXT_COLOUR}"/>'
        )
        parts.append(svg_text(x, axis_y + 17, _date_text(moment), TEXT_SIZE, "middle"))
    parts.append(svg_text(LEFT + PLOT_WIDTH / 2, HEIGHT - 4, words.when, TEXT_SIZE, "middle"))
    return Markup("".join(parts) + "</svg>")


def _summary(
    points: Sequence[tuple[date, float]],
    mark: float | None,
    title: str,
    trend: bool,
    words: Words,
) -> str:
    """What the chart shows, in words, for screen readers."""
    marked = f" {words.mark} {mark:g}%." if mark is not None else ""
    if not points:
        return f"{title}: {words.empty[:1].lower()}{words.empty[1:]}.{marked}"
    first, last = _as_date(points[0][0]), _as_date(points[-1][0])
    text = (
        f"{title}: {len(points)} {words.one}{'s' if len(points) != 1 else ''} from "
        f"{_date_text(first)} to {_date_text(last)}, {words.latest} {points[-1][1]:.1f}%"
        + (f", {words.mark.lower()} {mark:g}%." if mark is not None else ".")
    )
    if trend:
        latest = rolling_mean([v for _, v in points], ROLLING_WINDOW)[-1]
        text += f" Rolling average of the last {ROLLING_WINDOW}: {latest:.1f}%."
    return text
