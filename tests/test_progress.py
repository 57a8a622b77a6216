"""A staff member's progress page and PDF: figures worked by hand, sections against the
team, most-missed items, the date filter, and who may see what."""

from __future__ import annotations

import io
import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from conftest import GOOD_ANSWERS, text_of
from pypdf import PdfReader

from auditapp.services import progress


def answers(warmth: str = "5", thanked: str = "yes", smiled: str = "often") -> dict[str, str]:
    return {**GOOD_ANSWERS, "warmth": warmth, "thanked": thanked, "smiled": smiled}


# Overall, greeting and closing percentages of counter-basics (greeting weighs 2, closing 1;
# warmth 1..5 is worth 0..4 of 4 points with weight 3, greeted 1, smiled "often" 1):
#   warmth 1 -> greeting 52, overall (2*52 + 100) / 3 = 68    warmth 2 -> 64, 76
#   warmth 3 -> 76, 84    warmth 4 -> 88, 92    warmth 5 -> 100, 100
#   warmth 4, not thanked, never smiled -> greeting 68, closing 50, overall 62 (fails)
#   warmth 5, not thanked -> greeting 100, closing 50, overall 83.3 (passes)
ANA_DAYS = [  # (day of November 2026, answers, overall)
    (1, answers("1"), 68),
    (2, answers("2"), 76),
    (3, answers("3"), 84),
    (4, answers("4"), 92),
    (5, answers("5"), 100),
    (6, answers("4", thanked="no", smiled="never"), 62),
]


@pytest.fixture
def world(make_staff, make_user, make_audit):
    """Ana (Front desk) with six audits, Bea in her team with five, Carl in another team."""
    supervisor = make_user("supervisor")
    ana = make_staff("Ana Lopez", team="Front desk")
    bea = make_staff("Bea Team", team="Front desk")
    carl = make_staff("Carl Else", team="Back office")
    audits = [
        make_audit(
            staff=ana, supervisor=supervisor, answers=a, observed_at=datetime(2026, 11, d, 10)
        )
        for d, a, _ in ANA_DAYS
    ]
    for day in range(1, 6):
        make_audit(staff=bea, supervisor=supervisor, answers=answers("5", thanked="no"),
                   observed_at=datetime(2026, 11, day, 11))  # fmt: skip
    for day in range(1, 6):
        make_audit(staff=carl, supervisor=supervisor, answers=answers("1", "no", "never"),
                   observed_at=datetime(2026, 11, day, 12))  # fmt: skip
    return SimpleNamespace(ana=ana, bea=bea, carl=carl, audits=audits)


@pytest.fixture
def trainer(login_as):
    return login_as("trainer")


def page_of(client, staff, **query):
    response = client.get(f"/staff/{staff.id}", query_string=query)
    assert response.status_code == 200, text_of(response)
    return text_of(response)


def test_six_audits_give_the_mean_with_its_interval_and_the_pass_rate(client, trainer, world):
    page = page_of(client, world.ana)
    assert "Counter basics" in page and "6 audits" in page
    # mean 482/6 = 80.33; s² = 1043.33/5 = 208.67; half width t(5) 2.571 * sqrt(208.67/6) = 15.16
    assert "mean 80.3% (95% CI 65.2–95.5)" in page
    # 76, 84, 92 and 100 pass: 4 of 6 = 67%, Wilson 30.0–90.3%
    assert "pass rate 67% (Wilson 95% CI 30–90%)" in page
    assert "4 of 6 passed" in page
    assert "last observed 06 Nov 2026" in page
    assert "too few audits to judge." not in page


def test_the_figures_come_from_the_service_too(app, world):
    (c,) = progress.staff_progress(world.ana).checklists
    assert (c.audits, c.scored, c.passes, c.pass_mark) == (6, 6, 4, 75)
    assert c.mean == pytest.approx(482 / 6)
    assert c.mean_ci.low == pytest.approx(65.17, abs=0.01)
    assert c.mean_ci.high == pytest.approx(95.50, abs=0.01)
    assert c.enough


def test_three_audits_are_too_few_to_judge(client, trainer, make_staff, make_audit):
    dan = make_staff("Dan Few", team="Front desk")
    for day, a, _ in ANA_DAYS[:3]:  # 68, 76, 84
        make_audit(staff=dan, answers=a, observed_at=datetime(2026, 11, day, 10))
    page = page_of(client, dan)
    assert "3 audits" in page
    assert "mean 76.0%" in page and "95% CI" not in page
    assert "pass rate 67%" in page and "Wilson" not in page
    assert "too few audits to judge" in page
    assert "Too few audits to judge a trend" in page  # the chart draws no rolling average


def test_the_page_holds_the_chart_inline(client, trainer, world):
    html = client.get(f"/staff/{world.ana.id}").get_data(as_text=True)
    assert html.count("<svg") == 1
    assert 'class="rolling-average"' in html and 'class="pass-mark"' in html
    assert "<title>Ana Lopez — Counter basics</title>" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_sections_are_compared_with_the_team(client, trainer, world):
    (c,) = progress.staff_progress(world.ana).checklists
    greeting, closing = c.sections
    # Ana's greeting: 52, 64, 76, 88, 100, 68 -> 448/6 = 74.7 over 6 audits. The team is
    # Ana and Bea (not Carl): 448 + 5 * 100 = 948 over 11 audits = 86.2.
    assert (greeting.title, greeting.n, greeting.team_n) == ("Greeting", 6, 11)
    assert greeting.mean == pytest.approx(448 / 6)
    assert greeting.team_mean == pytest.approx(948 / 11)
    assert greeting.verdict == "weak spot"
    # Closing: Ana five times 100 and once 50 -> 91.7; Bea always 50 -> (550 + 250) / 11 = 72.7
    assert closing.mean == pytest.approx(550 / 6)
    assert closing.team_mean == pytest.approx(800 / 11)
    assert closing.verdict == "strength"
    page = page_of(client, world.ana)
    assert "Greeting 74.7% 6 86.2% 11 -11.5 points Weak spot" in page
    assert "Closing 91.7% 6 72.7% 11 +18.9 points Strength" in page
    assert "Sections compared with the team (Front desk)" in page


def test_a_small_gap_or_few_audits_is_no_verdict():
    s = progress.SectionComparison
    assert s("a", "A", 80, 5, 76, 5).verdict is None  # 4 points apart
    assert s("a", "A", 80, 5, 75, 5).verdict == "strength"
    assert s("a", "A", 70, 5, 75, 5).verdict == "weak spot"
    assert s("a", "A", 90, 4, 60, 50).verdict is None  # too few of the person's audits
    assert s("a", "A", 90, 9, None, 0).verdict is None  # no team


def test_someone_without_a_team_has_nothing_to_compare(client, trainer, make_staff, make_audit):
    solo = make_staff("Sol Alone", team=None)
    make_audit(staff=solo)
    page = page_of(client, solo)
    assert "is in no team, so there is nothing to compare with" in page
    (c,) = progress.staff_progress(solo).checklists
    assert all(s.team_n == 0 and s.verdict is None for s in c.sections)


def test_most_missed_items_with_how_often(client, trainer, world):
    page = page_of(client, world.ana)
    missed = page[page.index("Most-missed items") : page.index("Recent audits")]
    # Warmth below 5 in five audits; the last audit missed the smile and the thanks.
    assert "Greeted with warmth 5 of 6 (83%) Smiled 1 of 6 (17%) Thanked the customer" in missed
    assert "Greeted the customer" not in missed
    assert "Argued" not in missed


def test_recent_audits_link_to_the_audits(client, trainer, world):
    html = client.get(f"/staff/{world.ana.id}").get_data(as_text=True)
    for audit in world.audits:
        assert f'href="/audits/{audit.id}"' in html


def test_the_date_filter_applies_to_every_figure(client, trainer, world):
    page = page_of(client, world.ana, **{"from": "2026-11-03", "to": "2026-11-04"})
    assert "2 audits" in page  # 84 and 92
    assert "mean 88.0%" in page and "pass rate 100%" in page
    assert "too few audits to judge" in page
    assert "03 Nov 2026 to 04 Nov 2026" in page
    # The team on those days: Ana's greeting 76 and 88, Bea's 100 twice -> 91.0 over 4.
    assert "Greeting 82.0% 2 91.0% 4" in page
    assert "Greeted with warmth 2 of 2 (100%)" in page
    (c,) = progress.staff_progress(world.ana, progress.Period(*_days(3, 4))).checklists
    assert c.chart.count("<circle") == 2 + 1  # two audits and the legend's dot
    html = client.get(f"/staff/{world.ana.id}?from=2026-11-03&to=2026-11-04").get_data(True)
    assert f"/staff/{world.ana.id}/report.pdf?from=2026-11-03&amp;to=2026-11-04" in html
    assert 'value="2026-11-03"' in html  # the form keeps the dates


def _days(first: int, last: int):
    return datetime(2026, 11, first).date(), datetime(2026, 11, last).date()


def test_an_open_ended_filter_and_an_empty_period(client, trainer, world):
    assert "5 audits" in page_of(client, world.ana, **{"from": "2026-11-02"})
    assert "1 audit " in page_of(client, world.ana, to="2026-11-01")
    empty = page_of(client, world.ana, **{"from": "2025-01-01", "to": "2025-01-31"})
    assert "No submitted audits of Ana Lopez 01 Jan 2025 to 31 Jan 2025" in empty


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "yesterday"}, "Not a valid date value."),
        ({"from": "2026-11-05", "to": "2026-11-01"}, "The end date is before the start date."),
    ],
)
def test_bad_dates_are_a_400_next_to_the_field(client, trainer, world, query, message):
    for url in (f"/staff/{world.ana.id}", f"/staff/{world.ana.id}/report.pdf"):
        response = client.get(url, query_string=query)
        assert response.status_code == 400
        assert message in text_of(response)
        assert "Correct the dates marked above." in text_of(response)
        assert "Traceback" not in response.get_data(as_text=True)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def test_the_pdf_holds_the_same_figures_and_chart(client, trainer, world):
    response = client.get(f"/staff/{world.ana.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    for expected in (
        "Progress report: Ana Lopez",
        "Counter basics",
        "6 audits",
        "mean 80.3% (95% CI 65.2–95.5)",
        "pass rate 67% (Wilson 95% CI 30–90%)",
        "Greeted with warmth",
        "5 of 6 (83%)",
        "Weak spot",
        "Strength",
        "Ana Lopez — Counter basics",  # the chart's own title, drawn from the SVG
        "Rolling average of 5",  # the chart's legend
    ):
        assert expected in text, expected


def test_the_pdf_follows_the_dates(client, trainer, world):
    response = client.get(f"/staff/{world.ana.id}/report.pdf?from=2026-11-03&to=2026-11-04")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "2 audits" in text and "mean 88.0%" in text and "too few audits to judge" in text
    assert "03 Nov 2026 to 04 Nov 2026" in text


def test_staff_see_only_their_own_progress(client, login, make_user, world):
    login(make_user("staff", staff=world.ana))
    assert client.get(f"/staff/{world.ana.id}").status_code == 200
    assert client.get(f"/staff/{world.ana.id}/report.pdf").status_code == 200
    for url in (f"/staff/{world.bea.id}", f"/staff/{world.bea.id}/report.pdf?from=2026-11-01"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Bea Team" not in text_of(response)


def test_readers_open_anyone_and_a_missing_person_is_404(client, trainer, world):
    assert client.get(f"/staff/{world.bea.id}/report.pdf").status_code == 200
    assert client.get("/staff/999999/report.pdf").status_code == 404


def test_no_audits_yet(client, trainer, make_staff):
    new = make_staff("Nia New")
    assert "No submitted audits of Nia New yet." in page_of(client, new)
    response = client.get(f"/staff/{new.id}/report.pdf")
    assert response.status_code == 200
    assert "No submitted audits of Nia New" in pdf_text(response.data)


def test_two_audits_overview_missed_items_and_recent_audits(
    client, trainer, make_staff, make_audit
):
    """The old page's promises, in the new layout (overview, then per checklist, then recent)."""
    ana = make_staff("Ana Lopez")
    missed_thanks = {**GOOD_ANSWERS, "thanked": "no"}
    for day in (1, 2):
        make_audit(staff=ana, answers=missed_thanks, observed_at=datetime(2026, 11, day, 9))
    make_audit(staff=make_staff("Someone Else"), answers={**GOOD_ANSWERS, "greeted": "no"})
    page = page_of(client, ana)
    assert "Counter basics 2 75.3% 2 of 2" in page  # audits, mean score, passed
    missed = page.index("Most-missed items")
    recent = page.index("Recent audits")
    # Warmth 4 of 5 is not full marks, so it counts as missed too; greeting was always met.
    assert (
        "Thanked the customer 2 of 2 (100%) Greeted with warmth 2 of 2 (100%)"
        in page[missed:recent]
    )
    assert "Greeted the customer" not in page[missed:recent]
    assert page[recent:].count("75.3%") == 2


def test_names_are_escaped_in_the_chart_page_and_pdf(client, trainer, make_staff, make_audit):
    odd = make_staff('Zoë <b>"&"</b>')
    make_audit(staff=odd)
    html = client.get(f"/staff/{odd.id}").get_data(as_text=True)
    assert "<b>" not in html
    assert "<title>Zoë &lt;b&gt;&#34;&amp;&#34;&lt;/b&gt; — Counter basics</title>" in html
    response = client.get(f"/staff/{odd.id}/report.pdf")
    assert response.status_code == 200
    assert 'Zoë <b>"&"</b> — Counter basics' in pdf_text(response.data)
