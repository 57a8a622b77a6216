"""The first page of the trainer's reports on small data sets worked by hand (the
counter-basics checklist, section scores as in tests/test_insights.py):

  ALL_MET      overall 100,   greeting 100, closing 100, passed
  NOT_THANKED  overall  83.3, greeting 100, closing  50, passed
  NO_GREETING  overall  86.7, greeting  80, closing 100, failed (critical "greeted")
  POOR         overall  38,   greeting  32, closing  50, failed

Front desk now (the default period, the last 90 days): Ana 3 x ALL_MET + NOT_THANKED,
Ben NO_GREETING; in the previous 91 days: Ana POOR.
  audits 5 against 1: 4 ± 1.96·√6 = 4 ± 4.8 -> no clear change (+4)
  mean (300 + 83.3 + 86.7) / 5 = 94.0% against 38.0%: one audit before, too few to judge
  pass rate 4 of 5 = 80.0%; critical failures 1 against 0; coverage 2 of 2 = 100.0%
"""

from __future__ import annotations

import dataclasses
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from conftest import text_of
from pypdf import PdfReader

from auditapp import glance_charts
from auditapp.services import glance, trend
from auditapp.services import insights as ins
from auditapp.services import insights_interactions as ii
from auditapp.services import insights_quality as iq

ALL_MET = {"greeted": "yes", "warmth": "5", "smiled": "often", "thanked": "yes", "argued": "no"}
NOT_THANKED = {**ALL_MET, "thanked": "no"}
NO_GREETING = {**ALL_MET, "greeted": "no"}
POOR = {**ALL_MET, "warmth": "1", "smiled": "never", "thanked": "no"}

NOW = datetime.now().replace(second=0, microsecond=0)
RECENT = NOW - timedelta(days=2)
BEFORE = NOW - timedelta(days=120)


def squeeze(text: str) -> str:
    """PDF text without whitespace: SVG text comes out with its spaces dropped."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes, pages: slice = slice(None)) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages[pages])


@pytest.fixture
def sup(make_user):
    return make_user("supervisor", email="sam@example.com")


@pytest.fixture
def front_desk(make_staff, make_audit, sup):
    ana = make_staff("Ana", team="Front desk")
    ben = make_staff("Ben", team="Front desk")
    for answers in (ALL_MET, ALL_MET, ALL_MET, NOT_THANKED):
        make_audit(staff=ana, supervisor=sup, answers=answers, observed_at=RECENT)
    make_audit(staff=ben, supervisor=sup, answers=NO_GREETING, observed_at=RECENT)
    make_audit(staff=ana, supervisor=sup, answers=POOR, observed_at=BEFORE)
    return ana, ben


def _glance(team_id):
    f = ins.InsightFilters(team_id=team_id)
    return glance.team_glance(f, ins.heat_map(f), ii.interactions(f).profile, None)


def test_headline_figures_against_the_previous_period(front_desk):
    ana, _ = front_desk
    g = _glance(ana.team_id)
    figures = {f.name: f for f in g.figures}
    assert list(figures) == ["Audits", "Mean score", "Pass rate", "Critical failures", "Coverage"]
    assert (figures["Audits"].text, figures["Audits"].before_text) == ("5", "1")
    assert figures["Audits"].change_text == "no clear change (+4)"
    assert (figures["Mean score"].text, figures["Mean score"].before_text) == ("94.0%", "38.0%")
    assert figures["Mean score"].change_text == "too few audits to judge a change"
    assert figures["Pass rate"].text == "80.0%" and figures["Pass rate"].detail == "4 of 5 passed"
    assert (figures["Critical failures"].text, figures["Critical failures"].before_text) == (
        "1",
        "0",
    )
    assert figures["Coverage"].text == "100.0%"
    assert figures["Coverage"].detail == "2 of 2 active staff observed"
    assert figures["Coverage"].before_text == "50.0%"
    start, _end = g.period
    assert g.previous == (start - timedelta(days=91), start - timedelta(days=1))


@pytest.mark.parametrize("team", [True, False])
def test_the_headline_summed_from_the_raters_rows_is_the_periods_total(front_desk, team):
    """The page reads the period's rater totals by checklist and supervisor once, for the
    raters' table and the headline: their sum is the period's total, as worked above."""
    ana, _ = front_desk
    f = ins.InsightFilters(team_id=ana.team_id if team else None)
    sums = glance.totals_sums(f, iq.rater_sums(f))
    assert (sums.audits, sums.scored, sums.passed, sums.pass_n) == (5, 5, 4, 5)
    assert (sums.critical, sums.observed) == (1, 2)
    assert sums.total == pytest.approx(300 + 250 / 3 + 260 / 3)
    assert dataclasses.astuple(glance.totals_sums(f)) == pytest.approx(dataclasses.astuple(sums))


def test_the_team_page_reads_the_rater_totals_once_a_period(client, login_as, front_desk):
    """This period's (the raters' table and the headline) and the previous period's."""
    from sqlalchemy import event

    from auditapp.extensions import db

    ana, _ = front_desk
    login_as("trainer")
    reads = []

    def note(conn, cursor, statement, *args):
        if "staff_rater_month_totals" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(f"/teams/{ana.team_id}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(reads) == 2


def test_a_clear_change_gets_an_arrow(make_staff, make_audit, sup):
    # 12 audits now against 2 before: 10 ± 1.96·√14 = 10 ± 7.3 -> up.
    cara = make_staff("Cara", team="Back office")
    for _ in range(12):
        make_audit(staff=cara, supervisor=sup, answers=ALL_MET, observed_at=RECENT)
    for _ in range(2):
        make_audit(staff=cara, supervisor=sup, answers=ALL_MET, observed_at=BEFORE)
    audits = _glance(cara.team_id).figures[0]
    assert audits.change_text == "↑ up 10"


def test_trend_points_merge_days_into_weeks_with_an_interval():
    monday = date(2026, 11, 2)
    days = [
        (monday, 2, 160.0, 12_800.0),  # 80, 80
        (monday + timedelta(days=3), 1, 90.0, 8_100.0),  # 90: the week is 80, 80, 90
        (monday + timedelta(days=7), 1, 70.0, 4_900.0),  # the next week: one audit
    ]
    points, unit = trend.trend_points(days, monday + timedelta(days=1), monday + timedelta(days=20))
    assert unit == "week"
    assert [p.start for p in points] == [monday + timedelta(days=7 * i) for i in range(3)]
    first, second, third = points
    # Mean 83.3, variance ((80-83.3)² x 2 + (90-83.3)²) / 2 = 33.3, t(2) = 4.303:
    # half-width 4.303 x √(33.3 / 3) = 14.34.
    assert (first.n, first.mean) == (3, pytest.approx(83.333, abs=0.001))
    assert first.low == pytest.approx(83.333 - 14.34, abs=0.01)
    assert (second.n, second.mean, second.low) == (1, 70.0, None)  # one audit: no interval
    assert (third.n, third.mean) == (0, None)
    months, unit = trend.trend_points([], date(2026, 1, 15), date(2026, 12, 31))
    assert unit == "month" and len(months) == 12 and months[0].start == date(2026, 1, 1)


@pytest.fixture
def coaching_world(make_staff, make_audit, sup):
    """Front desk: Ana 3 x {thanked no} + 2 x {thanked no, warmth 1};
    Ben 5 x {thanked no, greeted no, warmth 1}. Back office: Cara 5 x {thanked no}.

      warmth:  team 7 of 10 missed (70%), rest 0%, 2 people: 70 x 0.7 x 2 = 98
      greeted: team 5 of 10 missed (50%), rest 0%, 1 person: 50 x 0.5 x 1 = 25
      thanked: team 100%, rest 100% too: no gap, not ranked
    """
    ana = make_staff("Ana", team="Front desk")
    ben = make_staff("Ben", team="Front desk")
    cara = make_staff("Cara", team="Back office")
    no_thanks = {**ALL_MET, "thanked": "no"}
    cold = {**no_thanks, "warmth": "1"}
    for answers in [no_thanks] * 3 + [cold] * 2:
        make_audit(staff=ana, supervisor=sup, answers=answers, observed_at=RECENT)
    for _ in range(5):
        make_audit(staff=ben, supervisor=sup, answers={**cold, "greeted": "no"}, observed_at=RECENT)
        make_audit(staff=cara, supervisor=sup, answers=no_thanks, observed_at=RECENT)
    return ana, ben, cara


def test_three_things_to_coach_next(coaching_world):
    ana, _, _ = coaching_world
    top = glance.coach_next(ins.InsightFilters(team_id=ana.team_id))
    assert [p.item_id for p in top] == ["warmth", "greeted"]
    assert [p.weight for p in top] == pytest.approx([98, 25])
    warmth, greeted = top
    assert (warmth.missed, warmth.scored, warmth.people_missing, warmth.rest_rate) == (7, 10, 2, 0)
    assert greeted.text == "Greeted the customer"
    assert greeted.good == "Greeted within seconds"  # its "yes" anchor


@pytest.mark.parametrize("channel", [None, "phone", "in_person"])
def test_who_missed_what_summed_in_sql_matches_the_rows_by_person(coaching_world, channel):
    """/insights counts who missed what in SQL (glance.misses_by_item): the same counts as
    misses_by_person over everyone's item totals by staff member."""
    everyone = ins.InsightFilters(channel=channel)
    by_person = glance.misses_by_person(
        r for r in glance.staff_item_rows(everyone) if r.checklist_id == "counter-basics"
    )
    assert glance.misses_by_item(everyone, "counter-basics") == by_person
    assert (channel == "phone") or by_person[("counter-basics", "warmth")] == [15, 7, 2]
    assert glance.misses_by_item(everyone, "no-such-checklist") == {}
    empty = ins.InsightFilters(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    assert glance.misses_by_item(empty, "counter-basics") == {}


def test_the_team_page_opens_with_the_first_page(client, login_as, coaching_world):
    ana, _, _ = coaching_world
    login_as("trainer")
    page = text_of(client.get(f"/teams/{ana.team_id}"))
    glance_part, details = page.split("The details", 1)
    assert "At a glance" in glance_part
    assert "AUDITS" in glance_part.upper() and "Mean score" in glance_part
    assert "Three things to coach next" in glance_part
    assert (
        "Greeted with warmth" in glance_part
        and "What good looks like: Greeted within seconds" in glance_part
    )
    assert (
        "Missed 7 of 10 times (70%), 0% in the rest of the organisation · 2 people" in glance_part
    )
    assert "Sections by staff member" in glance_part  # the heat map
    assert "Checklist item analysis" in details and "Most-missed items" in details


def test_insights_shows_the_first_page_for_all_teams(client, login_as, coaching_world):
    login_as("trainer")
    response = client.get("/insights")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="trend-chart' in html and 'class="section-chart' in html
    page = text_of(response)
    assert "All teams · Counter basics" in page
    # Without a team, nothing to compare with: ranked by miss rate x people.
    assert "Three things to coach next" in page and "Thanked the customer" in page


def test_the_heat_map_cells_carry_their_colour_step(client, login_as, front_desk, make_audit, sup):
    ana, _ = front_desk
    make_audit(staff=ana, supervisor=sup, answers=NOT_THANKED, observed_at=RECENT)
    login_as("trainer")
    html = client.get(f"/teams/{ana.team_id}").get_data(as_text=True)
    # Ana's closing: (3 x 100 + 2 x 50) / 5 = 80.0%: step 16 of cividis (#c8b866).
    assert 'class="text-center heat-16">80.0%' in html
    # Ben's greeting rests on one audit: grey, "too few".
    assert 'class="text-center text-muted too-few">80.0%<br><small>n=1 · too few' in html


def test_the_team_pdf_text_layer_holds_every_chart_figure(client, login_as, front_desk):
    ana, _ = front_desk
    login_as("trainer")
    response = client.get(f"/teams/{ana.team_id}/report.pdf")
    assert response.status_code == 200
    first = pdf_text(response.data, slice(0, 1))
    flat = squeeze(first)
    for words in (
        "At a glance",
        "94.0%",
        "80.0%",
        "no clear change (+4)",
        "Three things to coach next",
    ):
        assert squeeze(words) in flat, words
    # The trend: this week's mean of the five audits, 94, over n=5.
    assert "94" in flat and "n=5" in flat
    # The sections: greeting (300 + 100 + 80) / 5 = 96%... of Front desk and the organisation.
    assert squeeze("Greeting 96% n=5 · 96% n=5") in flat
    assert squeeze("Closing 90% n=5 · 90% n=5") in flat  # (300 + 50 + 100) / 5
    # The details begin on a page of their own.
    assert "The details" not in first
    assert "The details" in pdf_text(response.data, slice(1, None))


def test_the_profile_is_drawn_with_its_shares(client, login_as, make_staff, make_audit, sup):
    ana = make_staff("Ana", team="Front desk")
    for kind in ["first_time"] * 3 + ["repeat", "advocate"]:
        make_audit(staff=ana, supervisor=sup, observed_at=RECENT, customer_type=kind)
    login_as("trainer")
    pdf = client.get(f"/teams/{ana.team_id}/report.pdf").data
    flat = squeeze(pdf_text(pdf, slice(0, 1)))
    for words in (
        "Level 3 · advocates 20%",
        "Level 2 · repeat 20%",
        "Level 1 · first-time 60%",
        "Pyramid n=5",
    ):
        assert squeeze(words) in flat, words


def test_the_staff_pdf_opens_with_their_first_page(client, login_as, coaching_world, make_user):
    _, ben, _ = coaching_world
    login_as("trainer")
    response = client.get(f"/staff/{ben.id}/report.pdf")
    assert response.status_code == 200
    first = pdf_text(response.data, slice(0, 1))
    flat = squeeze(first)
    for words in (
        "At a glance",
        "Three things to work on",
        "Open coaching actions",
        "No open coaching actions.",
    ):
        assert squeeze(words) in flat, words
    # Ben against the rest of the team (Ana): greeted 5 of 5 missed against 0%;
    # warmth 5 of 5 against 2 of 5 (40%); weights 100 x 1 = 100 and 60 x 1 = 60.
    assert squeeze("Missed 5 of 5 times (100%), 0% in the rest of the team") in flat
    assert squeeze("Missed 5 of 5 times (100%), 40% in the rest of the team") in flat
    assert flat.index(squeeze("Greeted the customer")) < flat.index(squeeze("Greeted with warmth"))
    # The sections chart: Ben's greeting against the team's (his 5 audits and Ana's 5).
    assert squeeze("Sections · Counter basics") in flat and "n=5·" in flat and "n=10" in flat
    assert "The details" not in first


def test_glance_charts_are_valid_escaped_svg_with_their_figures():
    rows = [glance_charts.SectionBar('<b>"Greeting"</b>', 82.4, 12, 75.0, 40)]
    svg = str(glance_charts.section_chart(rows, ("Front & back", "Organisation"), "Sections"))
    root = ET.fromstring(svg)  # well-formed: everything escaped
    assert "<b>" not in svg
    desc = root.find("{http://www.w3.org/2000/svg}desc").text
    assert desc == 'Sections: <b>"Greeting"</b>: Front & back 82% (n=12), Organisation 75% (n=40).'
    point = glance_charts.TrendPoint(date(2026, 11, 2), "2 Nov", 6, 80.0, 70.0, 90.0)
    trend = str(glance_charts.trend_chart([point], 75, "Trend", "week"))
    assert "2 Nov: 80% (95% CI 70–90), n=6. Pass mark 75%." in trend
    assert "<script" not in trend and "href" not in trend


def test_a_team_without_audits_gets_an_empty_first_page(client, login_as, make_staff):
    dan = make_staff("Dan", team="Night desk")
    login_as("trainer")
    page = text_of(client.get(f"/teams/{dan.team_id}"))
    assert "At a glance" in page and "No scored audits" in page
    assert "nothing to compare with" in page  # no mean score in either period
    assert "No item is missed more often here than elsewhere" in page
    response = client.get(f"/teams/{dan.team_id}/report.pdf")
    assert response.status_code == 200
    assert squeeze("0 of 1 active staff observed") in squeeze(pdf_text(response.data, slice(0, 1)))
    response = client.get(f"/staff/{dan.id}/report.pdf")
    assert response.status_code == 200
    assert squeeze("No open coaching actions.") in squeeze(pdf_text(response.data, slice(0, 1)))
