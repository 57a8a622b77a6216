"""Team insights: small data sets worked by hand against the counter-basics checklist.

Section scores of the answer sets used here (greeting: greeted 1 + warmth 3 (rating/5) +
smiled 1 (often 3/3); closing: thanked 1 + argued 1; overall = (2 x greeting + closing) / 3):
  ALL_MET      greeting 100, closing 100, overall 100
  NOT_THANKED  greeting 100, closing  50, overall  83.3
  POOR         greeting  32, closing  50, overall  38     (warmth 1, never smiled, no thanks)
  NO_GREETING  greeting  80, closing 100, critical failure "greeted"
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from conftest import text_of
from pypdf import PdfReader

from auditapp.services import insights as ins
from auditapp.services import insights_interactions as ii
from auditapp.services import insights_quality as iq

ALL_MET = {"greeted": "yes", "warmth": "5", "smiled": "often", "thanked": "yes", "argued": "no"}
NOT_THANKED = {**ALL_MET, "thanked": "no"}
POOR = {**ALL_MET, "warmth": "1", "smiled": "never", "thanked": "no"}
NO_GREETING = {**ALL_MET, "greeted": "no"}
PHONE = {k: v for k, v in ALL_MET.items() if k != "smiled"}  # smiling is in person only

NOW = datetime.now().replace(second=0, microsecond=0)
RECENT = NOW - timedelta(days=2)


@pytest.fixture
def sup(make_user):
    return make_user("supervisor", email="sam@example.com")


@pytest.fixture
def front_desk(make_staff, make_audit, sup):
    """Ana: 3 x ALL_MET + 2 x NOT_THANKED; Ben: ALL_MET + POOR (both Front desk)."""
    ana = make_staff("Ana", team="Front desk")
    ben = make_staff("Ben", team="Front desk")
    for answers in (ALL_MET, ALL_MET, ALL_MET, NOT_THANKED, NOT_THANKED):
        make_audit(staff=ana, supervisor=sup, answers=answers, observed_at=RECENT)
    for answers in (ALL_MET, POOR):
        make_audit(staff=ben, supervisor=sup, answers=answers, observed_at=RECENT)
    return ana, ben


def test_heat_map_cells_have_mean_and_n_and_grey_under_five(front_desk):
    ana, _ = front_desk
    heat = ins.heat_map(ins.InsightFilters(team_id=ana.team_id))
    assert heat.checklist_id == "counter-basics"  # the most audited, none chosen
    assert [s for s, _ in heat.sections] == ["greeting", "closing"]
    rows = {name: cells for _, name, cells in heat.rows}
    assert rows["Ana"]["greeting"].mean == pytest.approx(100)
    assert rows["Ana"]["closing"].mean == pytest.approx(80)  # (3 x 100 + 2 x 50) / 5
    assert rows["Ana"]["closing"].n == 5 and rows["Ana"]["closing"].enough
    assert rows["Ben"]["greeting"].mean == pytest.approx(66)  # (100 + 32) / 2
    assert rows["Ben"]["greeting"].n == 2 and not rows["Ben"]["greeting"].enough


def test_heat_map_on_the_team_page(client, login_as, front_desk):
    ana, _ = front_desk
    login_as("trainer")
    page = text_of(client.get(f"/teams/{ana.team_id}"))
    assert "Front desk" in page
    assert "80.0% n=5" in page
    assert "66.0% n=2 · too few" in page


def test_most_missed_and_critical_failures(front_desk, make_staff, make_audit, sup):
    cara = make_staff("Cara", team="Front desk")
    make_audit(staff=cara, supervisor=sup, answers=NO_GREETING, observed_at=RECENT)
    f = ins.InsightFilters()
    missed = iq.most_missed(iq.item_analysis(f))
    assert (missed[0].item_id, missed[0].missed, missed[0].scored) == ("thanked", 3, 8)
    assert missed[0].text == "Thanked the customer"
    failures = ins.critical_failures(f)
    assert [(c.staff_name, c.item_text) for c in failures] == [("Cara", "Greeted the customer")]


def test_coverage_lists_people_not_observed_lately(make_staff, make_audit, sup):
    seen = make_staff("Seen Yesterday", team="Front desk")
    old = make_staff("Old Observation", team="Front desk")
    make_staff("Never Seen", team="Front desk")
    make_audit(staff=seen, supervisor=sup, observed_at=NOW - timedelta(days=1))
    make_audit(staff=old, supervisor=sup, observed_at=NOW - timedelta(days=40))
    cover = ins.coverage(ins.InsightFilters(team_id=seen.team_id))
    names = [p.name for p in cover.not_seen]
    assert names == ["Never Seen", "Old Observation"]  # never observed first
    assert cover.not_seen[1].last_observed.date() == (NOW - timedelta(days=40)).date()
    assert cover.per_supervisor == [("Supervisor", 2)]  # both within the default 90 days
    longer = ins.coverage(ins.InsightFilters(not_seen_days=60))
    assert [p.name for p in longer.not_seen] == ["Never Seen"]


def test_rater_consistency_flags_the_lenient_supervisor(make_user, make_staff, make_audit):
    lenient, strict = make_user("supervisor"), make_user("supervisor")
    person = make_staff("Dee")
    for _ in range(5):
        make_audit(staff=person, supervisor=lenient, answers=ALL_MET, observed_at=RECENT)
        make_audit(staff=person, supervisor=strict, answers=NOT_THANKED, observed_at=RECENT)
    rows = iq.rater_consistency(ins.InsightFilters())
    assert len(rows) == 2
    high, low = sorted(rows, key=lambda r: -r.mean)
    assert (high.n, high.others_n) == (5, 5)
    assert high.difference == pytest.approx(100 - 250 / 3)  # 16.7 points
    assert high.flag == "more lenient" and low.flag == "more severe"
    assert high.pass_rate == 100 and low.pass_rate == 100


def test_rater_consistency_needs_five_audits_each_side(make_user, make_staff, make_audit):
    a, b = make_user("supervisor"), make_user("supervisor")
    for _ in range(5):
        make_audit(supervisor=a, answers=ALL_MET, observed_at=RECENT)
    for _ in range(4):
        make_audit(supervisor=b, answers=POOR, observed_at=RECENT)
    assert all(r.flag is None for r in iq.rater_consistency(ins.InsightFilters()))


def test_item_analysis_flags_items_that_tell_nothing(make_staff, make_audit, sup):
    person = make_staff("Eve")
    for _ in range(20):
        make_audit(staff=person, supervisor=sup, answers=ALL_MET, observed_at=RECENT)
    items = {i.item_id: i for i in iq.item_analysis(ins.InsightFilters())}
    assert items["thanked"].flags == ["almost always met"]
    assert items["thanked"].scored == 20 and items["thanked"].met_rate == 100
    assert "critical, never failed" in items["greeted"].flags
    assert "don't never observed" in items["argued"].flags
    assert "critical, never failed" in items["argued"].flags


def test_item_analysis_below_twenty_is_not_always_met_and_na_is_flagged(make_audit, sup):
    for _ in range(5):
        make_audit(
            supervisor=sup, answers={**ALL_MET, "thanked": "na", "argued": "na"}, observed_at=RECENT
        )
    items = {i.item_id: i for i in iq.item_analysis(ins.InsightFilters())}
    assert "almost always met" not in items["greeted"].flags  # 5 of 5 is too few for "always"
    assert items["thanked"].na_rate == 100 and items["thanked"].flags == ["almost always N/A"]


def test_interactions_by_channel_and_customer_type(make_audit, sup):
    in_person = ((5, "10.00", "first_time"), (7, "20.00", "repeat"), (9, None, "repeat"))
    for minutes, value, kind in in_person:
        make_audit(
            supervisor=sup,
            observed_at=RECENT,
            duration_minutes=minutes,
            monetary_value=Decimal(value) if value else None,
            customer_type=kind,
            outcome="resolved",
        )
    for minutes in (4, None):
        make_audit(
            supervisor=sup,
            answers=PHONE,
            channel="phone",
            observed_at=RECENT,
            duration_minutes=minutes,
            customer_type="first_time",
            outcome="escalated",
            lead_captured=True,
        )
    f = ins.InsightFilters()
    channels = {b.key: b for b in ii.interactions(f).by_channel}
    person = channels["in_person"]
    assert (person.n, person.mean_duration, person.value_sum, person.value_mean) == (3, 7, 30, 15)
    assert person.outcomes == {"resolved": 3} and person.value_n == 2
    phone = channels["phone"]
    assert (phone.n, phone.mean_duration, phone.duration_n, phone.value_sum) == (2, 4, 1, None)
    assert phone.leads == 2 and phone.lead_rate == 100
    types = {b.key: b for b in ii.interactions(f).by_customer_type}
    assert (types["first_time"].n, types["repeat"].n) == (3, 2)
    assert types["repeat"].mean_duration == 8 and types["first_time"].value_sum == 10
    assert types["first_time"].outcomes == {"resolved": 1, "escalated": 2}


def test_resolution_rate_by_score_band(make_audit, sup):
    for answers, outcome in (
        (ALL_MET, "resolved"),
        (ALL_MET, "resolved"),
        (ALL_MET, "unresolved"),
        (POOR, "unresolved"),
        (POOR, "unresolved"),
        (POOR, "resolved"),
    ):
        make_audit(supervisor=sup, answers=answers, outcome=outcome, observed_at=RECENT)
    make_audit(supervisor=sup, observed_at=RECENT)  # no outcome recorded: left out
    [table] = ii.interactions(ins.InsightFilters()).bands
    assert (table.checklist_id, table.title) == ("counter-basics", "Counter basics")
    # The checklist's own bands, highest first, each shown even when empty.
    assert [b.band for b in table.bands] == ["Excellent", "Meets the standard", "Needs coaching"]
    bands = {b.band: b for b in table.bands}
    assert (bands["Excellent"].n, bands["Excellent"].resolved) == (3, 2)  # 100 %
    assert (bands["Needs coaching"].n, bands["Needs coaching"].resolved) == (3, 1)  # 38 %
    assert bands["Meets the standard"].n == 0 and bands["Meets the standard"].rate is None
    assert bands["Excellent"].rate == pytest.approx(200 / 3)


def test_each_checklist_is_banded_by_its_own_bands(
    client, login_as, checklists_dir, make_audit, make_staff, sup
):
    """83.3 % is "Meets the standard" on counter-basics (bands at 90 and 75) and "Good" on a
    checklist whose bands start at 80 and 0; a label only an older version had comes last."""
    from auditapp.services import audits as audit_service
    from auditapp.services.checklists import available

    basics = checklists_dir / "counter-basics.yaml"
    till = basics.read_text().replace("id: counter-basics", "id: till-basics")
    till = till.replace("title: Counter basics", "title: Till basics")
    start = till.index("bands:")
    till = (
        till[:start]
        + "bands:\n  - {min: 80, label: Good}\n  - {min: 0, label: Poor}\n"
        + till[till.index("scales:") :]
    )
    (checklists_dir / "till-basics.yaml").write_text(till)
    make_audit(supervisor=sup, answers=NOT_THANKED, outcome="resolved", observed_at=RECENT)
    make_audit(supervisor=sup, answers=POOR, outcome="escalated", observed_at=RECENT)
    audit_service.start(
        supervisor=sup,
        staff=make_staff("Tia"),
        checklist=available()["till-basics"],
        token="till-1",
        interaction=audit_service.Interaction(
            channel="in_person", observed_at=RECENT, outcome="resolved"
        ),
        entry=audit_service.Answers.clean(dict(NOT_THANKED), {}),
        submit=True,
    )
    # A newer counter-basics renames its lowest band; the older audit keeps the old label.
    basics.write_text(
        basics.read_text()
        .replace("version: 2", "version: 3")
        .replace("label: Needs coaching", "label: Coaching first")
    )
    make_audit(supervisor=sup, answers=ALL_MET, outcome="resolved", observed_at=RECENT)
    tables = {t.checklist_id: t for t in ii.interactions(ins.InsightFilters()).bands}
    assert [(t.title, [(b.band, b.n, b.resolved) for b in t.bands]) for t in tables.values()] == [
        (
            "Counter basics",
            [
                ("Excellent", 1, 1),
                ("Meets the standard", 1, 1),
                ("Coaching first", 0, 0),
                ("Needs coaching", 1, 0),
            ],
        ),
        ("Till basics", [("Good", 1, 1), ("Poor", 0, 0)]),
    ]
    login_as("trainer")
    page = text_of(client.get("/insights"))
    assert "Counter basics Excellent n=1 1 100.0%" in page
    assert "Till basics Good n=1 1 100.0%" in page


@pytest.mark.parametrize(
    ("mix", "shape"),
    [
        ((60, 30, 10), "pyramid"),  # mostly first-time
        ((30, 60, 10), "hourglass"),  # mostly repeat
        ((20, 50, 30), "hexagon"),  # strong advocates: at least a quarter
        ((40, 35, 25), "hexagon"),  # exactly a quarter counts as strong
        ((45, 45, 10), "pyramid"),  # a tie leans to first-time
    ],
)
def test_profile_shape_rule(mix, shape):
    assert ii.profile_shape(*mix) == shape


@pytest.mark.parametrize(
    ("counts", "shape", "words"),
    [
        ({"first_time": 4, "repeat": 1, "advocate": 0}, "pyramid", "like a Pyramid"),
        ({"first_time": 1, "repeat": 4, "advocate": 0}, "hourglass", "like an Hourglass"),
        ({"first_time": 2, "repeat": 1, "advocate": 2}, "hexagon", "like a Hexagon"),
    ],
)
def test_relationship_profile_from_audits(
    client, login_as, make_staff, make_audit, sup, counts, shape, words
):
    person = make_staff("Finn", team="Counter")
    for kind, n in counts.items():
        for _ in range(n):
            make_audit(staff=person, supervisor=sup, customer_type=kind, observed_at=RECENT)
    profile = ii.interactions(ins.InsightFilters()).profile
    assert profile.overall.n == 5 and profile.overall.shape == shape
    assert profile.overall.share("first_time") == 100 * counts["first_time"] / 5
    assert [m.label for m in profile.months] == [RECENT.strftime("%Y-%m")]
    login_as("trainer")
    assert f"This team looks {words}" in text_of(client.get(f"/teams/{person.team_id}"))


def test_profile_with_too_few_audits_names_no_shape(make_audit, sup):
    make_audit(supervisor=sup, customer_type="repeat", observed_at=RECENT)
    assert ii.interactions(ins.InsightFilters()).profile.overall.shape is None


def test_filters_in_the_url_change_the_figures(client, login_as, make_staff, make_audit, sup):
    ana = make_staff("Ana", team="Front desk")
    bob = make_staff("Bob", team="Back office")
    make_audit(staff=ana, supervisor=sup, observed_at=RECENT)
    make_audit(staff=ana, supervisor=sup, observed_at=RECENT, channel="phone", answers=PHONE)
    make_audit(staff=bob, supervisor=sup, observed_at=NOW - timedelta(days=20))
    login_as("supervisor")

    def count(query: str) -> str:
        page = text_of(client.get("/insights" + query))
        return page.split(" submitted audit")[0].rsplit(" ", 1)[-1]

    assert count("") == "3"
    assert count(f"?team={ana.team_id}") == "2"
    assert count("?channel=phone") == "1"
    assert count("?checklist=counter-basics") == "3"
    recent = (NOW - timedelta(days=10)).date().isoformat()
    assert count(f"?date_from={recent}") == "2"
    assert count(f"?date_to={recent}") == "1"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-05-01&date_to=2026-04-01", "The end date is before the start date."),
        ("checklist=no-such-list", "Not a valid choice"),
        ("channel=pigeon", "Not a valid choice"),
        ("days=0", "Enter a number of days from 1 to 3650."),
        ("date_from=yesterday", "Not a valid date value"),
    ],
)
def test_invalid_filters_are_a_400_next_to_the_field(client, login_as, query, message):
    login_as("trainer")
    response = client.get("/insights?" + query)
    assert response.status_code == 400
    assert message in text_of(response)
    assert "Traceback" not in response.get_data(as_text=True)


def test_empty_period_says_so(client, login_as):
    login_as("admin")
    page = text_of(client.get("/insights"))
    assert "No audits in this period — widen the dates" in page


def test_team_pdf_has_the_team_name_and_a_heat_map_figure(client, login_as, front_desk):
    ana, _ = front_desk
    login_as("trainer")
    response = client.get(f"/teams/{ana.team_id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Front desk" in text
    assert "80.0%" in text and "n=5" in text


def test_team_pdf_names_people_and_audits_without_links_into_the_app(
    client, login_as, front_desk, make_staff, make_audit, sup
):
    ana, _ = front_desk
    make_staff("Never Seen", team="Front desk")  # listed under coverage
    failed = make_audit(staff=ana, supervisor=sup, answers=NO_GREETING, observed_at=RECENT)
    login_as("trainer")
    page = client.get(f"/teams/{ana.team_id}").get_data(as_text=True)
    assert f'href="/audits/{failed.id}"' in page  # the web page links them
    reader = PdfReader(io.BytesIO(client.get(f"/teams/{ana.team_id}/report.pdf").data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Never Seen" in text and f"#{failed.id}" in text
    links = [a for pg in reader.pages for a in (pg.get("/Annots") or [])]
    assert links == []


def test_team_names_link_to_the_team_page(client, login_as, make_staff):
    person = make_staff("Gil", team="Counter")
    login_as("trainer")
    assert f'href="/teams/{person.team_id}"' in client.get("/teams").get_data(as_text=True)


def test_staff_cannot_open_insights(client, login_as, front_desk):
    ana, _ = front_desk
    login_as("staff", staff=ana)
    for url in ("/insights", f"/teams/{ana.team_id}", f"/teams/{ana.team_id}/report.pdf"):
        assert client.get(url).status_code == 403


def test_the_page_counts_audits_per_supervisor_and_checklist_from_the_rater_rows(
    make_user, make_staff, make_audit
):
    sam = make_user("supervisor", email="sam@example.com")
    kim = make_user("supervisor", email="kim@example.com")
    for supervisor, count in ((sam, 3), (kim, 2)):
        for _ in range(count):
            make_audit(supervisor=supervisor, observed_at=RECENT)
    make_audit(supervisor=kim, observed_at=RECENT - timedelta(days=200))  # outside the period
    f = ins.InsightFilters()
    raters = iq.rater_consistency(f)
    assert iq.audits_by_checklist(raters) == {"counter-basics": 5}
    from_raters = iq.audits_by_supervisor(raters)
    assert from_raters == ins.coverage(f).per_supervisor == [(sam.name, 3), (kim.name, 2)]
