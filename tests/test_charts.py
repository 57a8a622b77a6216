"""The SVG score chart: well-formed, accessible, safe to inline (no script, no URL), escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest

from auditapp import charts
from auditapp.stats import rolling_mean

SVG = "{http://www.w3.org/2000/svg}"
SCORES = [60.0, 70.0, 82.5, 90.0, 75.0, 88.0, 95.0]
POINTS = [(date(2026, 10, 1 + 3 * i), v) for i, v in enumerate(SCORES)]


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def polyline(root: ET.Element, kind: str) -> list[tuple[float, float]]:
    (line,) = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == kind]
    return [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]


def test_chart_is_valid_svg_of_the_expected_size():
    root = parse(charts.score_chart(POINTS, 75, "Ana Lopez — Counter basics"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Ana Lopez — Counter basics"
    assert "7 audits from 1 Oct 2026 to 19 Oct 2026" in root.get("aria-label")


def test_chart_draws_every_point_and_the_rolling_average():
    root = parse(charts.score_chart(POINTS, 75, "t"))
    assert len(list(root.iter(f"{SVG}circle"))) == len(SCORES) + 1  # + the legend's dot
    scores = polyline(root, "scores")
    assert [y for _, y in scores] == [charts.y_of(v) for v in SCORES]
    xs = [x for x, _ in scores]
    assert xs == sorted(xs) and xs[0] < xs[-1]
    trend = polyline(root, "rolling-average")
    assert [y for _, y in trend] == [charts.y_of(m) for m in rolling_mean(SCORES, 5)]
    assert [x for x, _ in trend] == xs


def test_points_are_drawn_oldest_first_whatever_the_input_order():
    root = parse(charts.score_chart(list(reversed(POINTS)), 75, "t"))
    assert [y for _, y in polyline(root, "scores")] == [charts.y_of(v) for v in SCORES]


@pytest.mark.parametrize("pass_mark", [0, 75, 100])
def test_pass_mark_line_sits_at_its_score(pass_mark):
    root = parse(charts.score_chart(POINTS, pass_mark, "t"))
    (line,) = [e for e in root.iter(f"{SVG}line") if e.get("class") == "pass-mark"]
    assert float(line.get("y1")) == float(line.get("y2"))
    top, bottom = charts.y_of(100), charts.y_of(0)  # the 100% and 0% grid lines
    expected = bottom - (bottom - top) * pass_mark / 100
    assert float(line.get("y1")) == pytest.approx(expected)
    assert line.get("stroke-dasharray")


def test_y_axis_runs_from_0_to_100_percent():
    assert charts.y_of(100) == charts.TOP
    assert charts.y_of(0) == charts.TOP + charts.PLOT_HEIGHT
    assert charts.y_of(150) == charts.y_of(100) and charts.y_of(-5) == charts.y_of(0)


def test_chart_has_date_ticks_and_a_legend():
    svg = str(charts.score_chart(POINTS, 75, "t"))
    assert "1 Oct 2026" in svg and "19 Oct 2026" in svg
    for words in ("Audit score", "Rolling average of 5", "Pass mark 75%", "Date observed"):
        assert words in svg


def test_no_script_and_nothing_that_loads_from_a_url():
    svg = str(charts.score_chart(POINTS, 75, "<script>alert(1)</script> http://evil.example"))
    assert "<script" not in svg.lower()
    root = parse(svg)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "desc", "rect", "line", "text", "polyline", "circle"}
    for element in root.iter():
        for name, value in element.attrib.items():
            if name == "aria-label":  # words for screen readers, never fetched
                continue
            assert "href" not in name and "url(" not in value and "://" not in value, name
    assert "&lt;script&gt;" in svg  # the hostile title is shown as text, escaped


def test_no_url_without_hostile_text():
    svg = str(charts.score_chart(POINTS, 75, "Ana"))
    assert re.findall(r"https?://[^\s\"'<>]+", svg) == ["http://www.w3.org/2000/svg"]


def test_title_text_is_escaped():
    title = 'Bob <&> "Quote" — Counter basics'
    svg = str(charts.score_chart(POINTS, 75, title))
    assert "<&>" not in svg
    assert "Bob &lt;&amp;&gt;" in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == title
    assert root.get("aria-label").startswith(title)
    assert title in [t.text for t in root.iter(f"{SVG}text")]


def test_few_points_have_no_trend_line():
    root = parse(charts.score_chart(POINTS[:3], 75, "t"))
    assert not [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "rolling-average"]
    assert "Too few audits to judge a trend" in str(charts.score_chart(POINTS[:3], 75, "t"))


def test_one_point_and_no_points_still_draw():
    one = parse(charts.score_chart([(datetime(2026, 11, 2, 10), 80.0)], 75, "t"))
    (dot,) = [c for c in one.iter(f"{SVG}circle") if c.get("r") == "3.2"]
    assert float(dot.get("cy")) == charts.y_of(80)
    empty = str(charts.score_chart([], 75, "t"))
    parse(empty)
    assert "No scored audits" in empty


def test_audits_on_one_day_spread_by_time():
    points = [(datetime(2026, 11, 2, 9), 60.0), (datetime(2026, 11, 2, 15), 80.0)]
    xs = [x for x, _ in polyline(parse(charts.score_chart(points, 75, "t")), "scores")]
    assert xs[0] < xs[1]


def date_labels(root: ET.Element) -> list[tuple[float, str]]:
    axis = charts.TOP + charts.PLOT_HEIGHT
    return [
        (float(t.get("x")), t.text)
        for t in root.iter(f"{SVG}text")
        if float(t.get("y")) > axis + 8 and t.text != "Date observed"  # not the "0%" label
    ]


@pytest.mark.parametrize(
    "days",
    [
        [0, 1, 2, 3, 31, 32, 33],  # bunched at both ends: the old ticks overlapped here
        [0, 30, 31],
        list(range(0, 365, 3)),
        [0, 1],
    ],
)
def test_date_labels_never_overlap_and_never_repeat(days):
    points = [(datetime(2026, 1, 7, 9) + timedelta(days=d), 70.0) for d in days]
    labels = date_labels(parse(charts.score_chart(points, 80, "t")))
    xs = [x for x, _ in labels]
    assert len(labels) >= 2
    assert all(b - a >= charts.MIN_TICK_GAP for a, b in pairwise(xs)), labels
    assert len({text for _, text in labels}) == len(labels)


def test_text_is_readable_and_the_too_few_note_stays_off_the_data():
    root = parse(charts.score_chart(POINTS[:3], 75, "t"))
    sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG}text")}
    assert min(sizes) >= 12
    (note,) = [t for t in root.iter(f"{SVG}text") if t.text == "Too few audits to judge a trend"]
    assert float(note.get("y")) < charts.TOP  # in the legend row, above the plotting area
