"""Server-drawn SVG charts, the same markup in web pages and in PDFs (WeasyPrint).

Hand-written SVG rather than a charting library: no script, no external URL, no ids that
could clash when several charts share a page, and every text escaped here. Colours are
presentation attributes (not style attributes) so that a strict Content-Security-Policy
leaves them alone, and the lines differ in width and dash too so that they print in grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from markupsafe import Markup, escape

from auditapp.stats import MIN_AUDITS_TO_JUDGE, rolling_mean

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 40, 34  # margins around the plotting area
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
ROLLING_WINDOW = 5
MAX_DATE_TICKS = 5
PAD = 22  # keeps the first and last points (and their date labels) off the edges

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


def _text(x: float, y: float, content: str, size: int = 10, anchor: str = "start", **extra) -> str:
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


def _date_ticks(moments: Sequence[date]) -> list[date]:
    """Up to MAX_DATE_TICKS dates spread over the range, each shown once."""
    first, last = min(moments), max(moments)
    if first == last:
        return [first]
    ticks: list[date] = []
    span = _day(last) - _day(first)
    for i in range(MAX_DATE_TICKS):
        target = _day(first) + span * i / (MAX_DATE_TICKS - 1)
        nearest = min(moments, key=lambda m: abs(_day(m) - target))
        if all(_as_date(nearest) != _as_date(t) for t in ticks):
            ticks.append(nearest)
    return ticks


def _as_date(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _date_text(moment: date) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _legend(pass_mark: float, trend: bool) -> list[str]:
    parts, x, y = [], WIDTH - RIGHT - 400, 30
    parts.append(f'<circle cx="{x + 6}" cy="{y - 3}" r="3" fill="{POINT_COLOUR}"/>')
    parts.append(_text(x + 14, y, "Audit score", 9))
    x += 90
    if trend:
        parts.append(_polyline([(x, y - 3), (x + 18, y - 3)], TREND_COLOUR, 2.5, "legend-trend"))
        parts.append(_text(x + 22, y, f"Rolling average of {ROLLING_WINDOW}", 9))
    x += 160
    parts.append(
        f'<line x1="{x}" y1="{y - 3}" x2="{x + 18}" y2="{y - 3}" stroke="{PASS_COLOUR}" '
        'stroke-width="1.5" stroke-dasharray="5 3"/>'
    )
    parts.append(_text(x + 22, y, f"Pass mark {pass_mark:g}%", 9))
    return parts


def score_chart(points: list[tuple[date, float]], pass_mark: float, title: str) -> Markup:
    """A line chart of scores over time: each audit, a rolling average and the pass mark."""
    points = sorted(points, key=lambda p: _day(p[0]))
    trend = len(points) >= MIN_AUDITS_TO_JUDGE
    label = _summary(points, pass_mark, title, trend)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart img-fluid" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(label)}</desc>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _text(LEFT, 15, title, 12, font_weight="bold"),
    ]
    for value in (0, 25, 50, 75, 100):
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID_COLOUR}" '
            'stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + 3.5, f"{value}%", 9, "end"))
    parts.append(
        _text(12, TOP + PLOT_HEIGHT / 2, "Score", 9, "middle",
              transform=f"rotate(-90 12 {TOP + PLOT_HEIGHT / 2})")
    )  # fmt: skip
    pass_y = y_of(pass_mark)
    parts.append(
        f'<line class="pass-mark" x1="{LEFT}" y1="{pass_y}" x2="{WIDTH - RIGHT}" y2="{pass_y}" '
        f'stroke="{PASS_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3"/>'
    )
    parts.extend(_legend(pass_mark, trend))
    if not points:
        parts.append(_text(LEFT + PLOT_WIDTH / 2, TOP + PLOT_HEIGHT / 2, "No scored audits",
                           11, "middle"))  # fmt: skip
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
    else:
        parts.append(_text(WIDTH - RIGHT, TOP + 12, "Too few audits to judge a trend", 9, "end"))
    axis_y = TOP + PLOT_HEIGHT
    for moment in _date_ticks([m for m, _ in points]):
        x = x_of(_day(moment))
        parts.append(
            f'<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{axis_y + 4}" stroke="{TEXT_COLOUR}"/>'
        )
        parts.append(_text(x, axis_y + 15, _date_text(moment), 9, "middle"))
    parts.append(_text(LEFT + PLOT_WIDTH / 2, HEIGHT - 4, "Date observed", 9, "middle"))
    return Markup("".join(parts) + "</svg>")


def _summary(points: Sequence[tuple[date, float]], pass_mark: float, title: str, trend: bool):
    """What the chart shows, in words, for screen readers."""
    if not points:
        return f"{title}: no scored audits. Pass mark {pass_mark:g}%."
    first, last = _as_date(points[0][0]), _as_date(points[-1][0])
    text = (
        f"{title}: {len(points)} audit{'s' if len(points) != 1 else ''} from {_date_text(first)} "
        f"to {_date_text(last)}, latest score {points[-1][1]:.1f}%, pass mark {pass_mark:g}%."
    )
    if trend:
        latest = rolling_mean([v for _, v in points], ROLLING_WINDOW)[-1]
        text += f" Rolling average of the last {ROLLING_WINDOW}: {latest:.1f}%."
    return text
