"""The first page's charts (server-drawn SVG, as in charts.py): a trend with its interval
band and sections against a comparison group (the relationship profile: profile_chart.py).

Each chart carries its figures in words (`<title>`, `<desc>`, `aria-label`) and prints
them as SVG text, so that screen readers and the PDF's text layer hold every figure.
Marks differ in shape and fill as well as colour, so that a greyscale print still reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from auditapp.charts import (
    GRID_COLOUR,
    PASS_COLOUR,
    TEXT_SIZE,
    TITLE_SIZE,
    svg_text,
)
from auditapp.stats import enough_to_judge

MEAN_COLOUR = "#083370"  # cividis' dark blue: the group shown
BAND_COLOUR = "#9fb4d8"  # its interval, light so that it prints as pale grey
OTHER_COLOUR = "#7d7c78"  # the comparison group (organisation, team)


def svg_open(width: int, height: int, title: str, desc: str, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{kind} img-fluid" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(desc)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def fit(text: str, length: int) -> str:
    """`text` cut to `length` characters with an ellipsis (the whole text is in <desc>)."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


@dataclass(frozen=True)
class TrendPoint:
    start: date  # the week's Monday or the month's first day
    label: str  # "3 Nov" or "Nov 2026"
    n: int
    mean: float | None
    low: float | None  # 95% interval; None below two scored audits
    high: float | None


TREND_W, TREND_H = 440, 205
T_LEFT, T_RIGHT, T_TOP, T_BOTTOM = 44, 10, 50, 40


def trend_floor(points: Sequence[TrendPoint], pass_mark: float | None) -> int:
    """The lowest score on the axis: 10 points under the lowest figure, in tens, from 0."""
    lows = [
        p.low if p.low is not None and enough_to_judge(p.n) else p.mean
        for p in points
        if p.mean is not None
    ]
    if pass_mark is not None:
        lows.append(pass_mark)
    if not lows:
        return 0
    return max(0, int((min(lows) - 10) // 10 * 10))


def trend_chart(
    points: Sequence[TrendPoint], pass_mark: float | None, title: str, unit: str
) -> Markup:
    """Mean score per week or month (`unit`) with its 95% interval as a band and the pass
    mark as a dashed line."""
    scored = [p for p in points if p.mean is not None]
    desc = trend_words(points, pass_mark, title, unit)
    parts = svg_open(TREND_W, TREND_H, title, desc, "trend-chart")
    parts.append(svg_text(8, 18, fit(title, 48), TITLE_SIZE, font_weight="bold"))
    floor = trend_floor(points, pass_mark)
    height = TREND_H - T_TOP - T_BOTTOM

    def y(value: float) -> float:
        value = min(100.0, max(float(floor), value))
        return round(T_TOP + (100 - value) / (100 - floor) * height, 1)

    step = 10 if 100 - floor <= 50 else 20
    for value in range(floor, 101, step):
        parts.append(
            f'<line x1="{T_LEFT}" y1="{y(value)}" x2="{TREND_W - T_RIGHT}" y2="{y(value)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(svg_text(T_LEFT - 6, y(value) + 4, f"{value}%", TEXT_SIZE, "end"))
    # Legend: mean, band, pass mark.
    lx = T_LEFT
    parts.append(f'<circle cx="{lx + 5}" cy="34" r="3.5" fill="{MEAN_COLOUR}"/>')
    parts.append(svg_text(lx + 14, 38, f"Mean score per {unit}", TEXT_SIZE))
    lx += 24 + 6.6 * len(f"Mean score per {unit}")
    parts.append(f'<rect x="{lx}" y="28" width="18" height="11" fill="{BAND_COLOUR}"/>')
    parts.append(svg_text(lx + 24, 38, "95% interval", TEXT_SIZE))
    lx += 24 + 6.6 * len("95% interval") + 10
    if pass_mark is not None:
        parts.append(
            f'<line x1="{lx}" y1="34" x2="{lx + 20}" y2="34" stroke="{PASS_COLOUR}" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        parts.append(svg_text(lx + 26, 38, f"Pass mark {pass_mark:g}%", TEXT_SIZE))
    if pass_mark is not None:
        parts.append(
            f'<line class="pass-mark" x1="{T_LEFT}" y1="{y(pass_mark)}" '
            f'x2="{TREND_W - T_RIGHT}" y2="{y(pass_mark)}" stroke="{PASS_COLOUR}" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    if not scored:
        parts.append(svg_text(TREND_W / 2, T_TOP + height / 2, "No scored audits", 13, "middle"))
        return Markup("".join(parts) + "</svg>")
    width = TREND_W - T_LEFT - T_RIGHT
    gap = width / len(points)

    def x(i: int) -> float:
        return round(T_LEFT + gap * (i + 0.5), 1)

    index = {p.start: i for i, p in enumerate(points)}
    # The band only where it rests on enough audits: two audits give a band as wide as
    # the scale, which says nothing and hides the rest.
    banded = [p for p in scored if p.low is not None and enough_to_judge(p.n)]
    for run in _runs(banded, index):  # one band per run of neighbouring buckets
        if len(run) == 1:  # a lone bucket: its interval as a bar
            p = run[0]
            parts.append(
                f'<rect class="interval-band" x="{x(index[p.start]) - 4}" y="{y(p.high)}" '
                f'width="8" height="{round(y(p.low) - y(p.high), 1)}" fill="{BAND_COLOUR}"/>'
            )
            continue
        upper = [f"{x(index[p.start])},{y(p.high)}" for p in run]
        lower = [f"{x(index[p.start])},{y(p.low)}" for p in reversed(run)]
        parts.append(
            f'<polygon class="interval-band" points="{" ".join(upper + lower)}" '
            f'fill="{BAND_COLOUR}" stroke="none"/>'
        )
    if len(scored) > 1:
        joined = " ".join(f"{x(index[p.start])},{y(p.mean)}" for p in scored)
        parts.append(
            f'<polyline class="means" points="{joined}" fill="none" stroke="{MEAN_COLOUR}" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
    for p in scored:
        cx, cy = x(index[p.start]), y(p.mean)
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{MEAN_COLOUR}"/>')
        if gap >= 24:  # room for the figure above its point
            parts.append(svg_text(cx, cy - 7, f"{p.mean:.0f}", TEXT_SIZE - 2, "middle"))
    every = max(1, int(62 // gap) + (1 if 62 % gap else 0))
    axis = T_TOP + height
    for i, p in enumerate(points):
        if i % every == 0:
            parts.append(svg_text(x(i), axis + 16, p.label, TEXT_SIZE - 1, "middle"))
            parts.append(svg_text(x(i), axis + 30, f"n={p.n}", TEXT_SIZE - 2, "middle"))
    return Markup("".join(parts) + "</svg>")


def _runs(points: list[TrendPoint], index: dict[date, int]) -> list[list[TrendPoint]]:
    runs: list[list[TrendPoint]] = []
    for p in points:
        if runs and index[runs[-1][-1].start] == index[p.start] - 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def trend_words(
    points: Sequence[TrendPoint], pass_mark: float | None, title: str, unit: str
) -> str:
    """The trend chart's figures in words."""
    mark = f" Pass mark {pass_mark:g}%." if pass_mark is not None else ""
    if not any(p.mean is not None for p in points):
        return f"{title}: no scored audits.{mark}"
    figures = "; ".join(
        f"{p.label}: {_pct(p.mean)}"
        + (
            f" (95% CI {p.low:.0f}–{p.high:.0f})"
            if p.low is not None and p.high is not None
            else ""
        )
        + f", n={p.n}"
        for p in points
        if p.n
    )
    return f"{title}, mean score per {unit}: {figures}.{mark}"


@dataclass(frozen=True)
class SectionBar:
    title: str
    mean: float | None
    n: int
    other_mean: float | None
    other_n: int


ROW_H = 26
S_WIDTH, S_LEFT, S_RIGHT = 440, 128, 136


def section_chart(rows: Sequence[SectionBar], names: tuple[str, str], title: str) -> Markup:
    """Each section's mean as a filled dot against the comparison group's as an open
    diamond, on a 0-100% scale, with n beside."""
    width = S_WIDTH
    height = 52 + ROW_H * max(1, len(rows)) + 22
    desc = section_words(rows, names, title)
    parts = svg_open(width, height, title, desc, "section-chart")
    parts.append(svg_text(8, 18, fit(title, 48), TITLE_SIZE, font_weight="bold"))
    parts.append(f'<circle cx="14" cy="34" r="5" fill="{MEAN_COLOUR}"/>')
    parts.append(svg_text(24, 38, names[0], TEXT_SIZE))
    if names[1]:
        ox = 34 + 7.2 * len(names[0])
        parts.append(_diamond(ox + 6, 34))
        parts.append(svg_text(ox + 16, 38, names[1], TEXT_SIZE))
    plot = width - S_LEFT - S_RIGHT

    def x(value: float) -> float:
        return round(S_LEFT + min(100.0, max(0.0, value)) / 100 * plot, 1)

    top, bottom = 50, 50 + ROW_H * max(1, len(rows))
    for value in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{x(value)}" y1="{top}" x2="{x(value)}" y2="{bottom}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(svg_text(x(value), bottom + 14, f"{value}%", TEXT_SIZE - 1, "middle"))
    if not rows:
        parts.append(
            svg_text(S_LEFT + plot / 2, top + 17, "No section scores", TEXT_SIZE, "middle")
        )
    for i, r in enumerate(rows):
        cy = top + ROW_H * i + ROW_H / 2
        label = fit(r.title, 19)
        parts.append(svg_text(S_LEFT - 8, cy + 4, label, TEXT_SIZE, "end"))
        if r.mean is not None and r.other_mean is not None:
            parts.append(
                f'<line x1="{x(r.mean)}" y1="{cy}" x2="{x(r.other_mean)}" y2="{cy}" '
                f'stroke="{OTHER_COLOUR}" stroke-width="1.5"/>'
            )
        if r.other_mean is not None:
            parts.append(_diamond(x(r.other_mean), cy))
        if r.mean is not None:
            parts.append(f'<circle cx="{x(r.mean)}" cy="{cy}" r="5.5" fill="{MEAN_COLOUR}"/>')
        figures = f"{_pct(r.mean)} n={r.n}"
        if names[1]:
            figures += f" · {_pct(r.other_mean)} n={r.other_n}"
        parts.append(svg_text(width - S_RIGHT + 8, cy + 4, figures, TEXT_SIZE - 2))
    return Markup("".join(parts) + "</svg>")


def _diamond(cx: float, cy: float, r: float = 6) -> str:
    points = f"{cx},{cy - r} {cx + r},{cy} {cx},{cy + r} {cx - r},{cy}"
    return f'<polygon points="{points}" fill="#ffffff" stroke="{OTHER_COLOUR}" stroke-width="2"/>'


def section_words(rows: Sequence[SectionBar], names: tuple[str, str], title: str) -> str:
    if not rows:
        return f"{title}: no section scores."
    figures = "; ".join(
        f"{r.title}: {names[0]} {_pct(r.mean)} (n={r.n})"
        + (f", {names[1]} {_pct(r.other_mean)} (n={r.other_n})" if names[1] else "")
        for r in rows
    )
    return f"{title}: {figures}."
