"""The month totals behind the insight pages: any period read from them (whole months plus
or minus a few days of rows) must give exactly what the audit rows themselves give, through
submits, amendments, concurrent submits, a rebuild and the migration that fills them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import in_threads
from flask_migrate import downgrade, upgrade
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import Audit, StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import insights as ins
from auditapp.services import insights_interactions as ii
from auditapp.services import insights_quality as iq
from auditapp.services import month_totals, periods, progress, rollups
from auditapp.services.checklists import available

ALL_MET = {"greeted": "yes", "warmth": "5", "smiled": "often", "thanked": "yes", "argued": "no"}
NOT_THANKED = {**ALL_MET, "thanked": "no", "warmth": "2"}
PHONE = {k: v for k, v in ALL_MET.items() if k != "smiled"}
ALL_NA = {**ALL_MET, "smiled": "na"}

# -- The plan: every day of the period counted exactly once, nothing outside it. ------------


def coverage(plan: periods.Plan, around: tuple[date, date]) -> dict[date, int]:
    counted: dict[date, int] = {}
    day = around[0]
    while day <= around[1]:
        n = 0
        if plan.first_month and plan.first_month <= periods.month_start(day) <= plan.last_month:
            n += 1
        n += sum(s.sign for s in plan.days if s.first <= day <= s.last)
        counted[day] = n
        day += timedelta(days=1)
    return counted


@given(
    first=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    length=st.integers(0, 400),
    today_offset=st.integers(-60, 460),
)
def test_a_plan_counts_each_day_of_the_period_once_and_nothing_else(first, length, today_offset):
    last = first + timedelta(days=length)
    plan = periods.plan(first, last, today=first + timedelta(days=today_offset))
    around = (periods.month_start(first) - timedelta(days=1), periods.month_end(last))
    for day, n in coverage(plan, around).items():
        assert n == (1 if first <= day <= last else 0), (day, plan)


def test_the_usual_period_reads_a_week_of_rows_at_most():
    # The last 90 days to 23 November: Sep, Oct and Nov from the totals (Nov less the days
    # after today, which cost nothing), the last week of August from rows.
    plan = periods.plan(date(2026, 8, 25), date(2026, 11, 23), today=date(2026, 11, 23))
    assert (plan.first_month, plan.last_month) == (date(2026, 9, 1), date(2026, 11, 1))
    assert plan.days == (
        periods.DaySpan(date(2026, 8, 25), date(2026, 8, 31), 1),
        periods.DaySpan(date(2026, 11, 24), date(2026, 11, 30), -1),
    )
    # Starting on the 3rd, the month less two days is cheaper than 29 days of rows.
    plan = periods.plan(date(2026, 8, 3), date(2026, 11, 23), today=date(2026, 11, 23))
    assert plan.first_month == date(2026, 8, 1)
    assert periods.DaySpan(date(2026, 8, 1), date(2026, 8, 2), -1) in plan.days


# -- The totals against the rows. --------------------------------------------------------

SPREAD = [
    datetime(2026, m, d, 11, 0)
    for m, d in ((8, 31), (9, 1), (9, 2), (9, 15), (9, 30), (10, 1), (10, 31), (11, 1), (11, 3))
]


@pytest.fixture
def spread(make_audit, make_staff, make_user):
    """Audits over three months, two teams, two supervisors, every kind of interaction."""
    people = [make_staff("Ana", "Front desk"), make_staff("Ben", "Phones")]
    people.append(make_staff("Cy", "Front desk"))
    supervisors = [make_user("supervisor"), make_user("supervisor")]
    kinds = ["first_time", "repeat", "advocate", None]
    outcomes = ["resolved", "escalated", None]
    made = []
    for n, when in enumerate(SPREAD * 2):
        phone = n % 3 == 0
        answers = PHONE if phone else [ALL_MET, NOT_THANKED, ALL_NA][n % 3]
        made.append(
            make_audit(
                staff=people[n % 3],
                supervisor=supervisors[n % 2],
                answers=answers,
                channel="phone" if phone else "in_person",
                observed_at=when + timedelta(hours=n % 5),
                customer_type=kinds[n % 4],
                outcome=outcomes[n % 3],
                duration_minutes=None if n % 4 == 1 else 3 + n,
                monetary_value=None if n % 2 else Decimal(f"{n}.25"),
                lead_captured=n % 5 == 0,
            )
        )
    make_audit(staff=people[0], answers=NOT_THANKED, observed_at=SPREAD[3], submit=False)
    return {"staff": people, "supervisors": supervisors, "audits": made}


def rounded(rows) -> list[tuple]:
    out = [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows]
    return sorted(out, key=repr)  # None sorts beside strings


READS = [
    (month_totals.INTERACTIONS, ["channel", "customer_type", "outcome", "band"], True),
    (month_totals.RATERS, ["checklist_id", "supervisor_id"], False),
    (month_totals.SECTIONS, ["staff_member_id", "section_id"], False),
    (month_totals.STAFF_ITEMS, ["checklist_id", "item_id"], False),
]
PERIODS = [
    ("2026-09-01", "2026-09-30", "2026-11-23"),  # one whole month
    ("2026-08-31", "2026-10-01", "2026-11-23"),  # a whole month with a day either side
    ("2026-09-03", "2026-11-23", "2026-11-23"),  # month less two days; this month less the rest
    ("2026-09-02", "2026-09-29", "2026-11-23"),  # inside one month
    ("2026-09-15", "2026-09-15", "2026-11-23"),  # one day
    ("2026-08-01", "2026-12-31", "2026-09-10"),  # future months
    ("2026-10-02", "2026-10-30", "2026-11-23"),  # touching no audit
]


def assert_totals_read_as_rows(first: date, last: date, today: date, **where) -> int:
    """Every rollup over the period, from the totals and from rows only, with `where`."""
    plan = periods.plan(first, last, today=today)
    rows_only = periods.Plan(None, None, (periods.DaySpan(first, last, 1),))
    found = 0
    for rollup, group, by_month in READS:
        columns = {n for n, _ in rollup.key_columns()}
        conditions = {k: v for k, v in where.items() if k in columns}
        from_totals = month_totals.read(rollup, plan, conditions, group, by_month=by_month)
        from_rows = month_totals.read(rollup, rows_only, conditions, group, by_month=by_month)
        assert rounded(from_totals) == rounded(from_rows), (rollup.table.__name__, plan)
        found += len(from_rows)
    return found


@pytest.mark.parametrize(("first", "last", "today"), PERIODS)
def test_any_period_reads_the_same_from_totals_and_from_rows(spread, first, last, today):
    first, last, today = (date.fromisoformat(d) for d in (first, last, today))
    found = assert_totals_read_as_rows(first, last, today)
    assert (found > 0) == (first.isoformat() != "2026-10-02")
    ana = spread["staff"][0].id
    assert_totals_read_as_rows(first, last, today, checklist_id="counter-basics")
    assert_totals_read_as_rows(first, last, today, channel="phone")
    assert_totals_read_as_rows(first, last, today, staff_member_id=ana)


def test_the_hand_worked_figures_of_one_month(spread):
    """September by supervisor and by staff member, worked from the fixture by hand."""
    plan = periods.plan(date(2026, 9, 1), date(2026, 9, 30), today=date(2026, 11, 23))
    assert (plan.first_month, plan.days) == (date(2026, 9, 1), ())
    audits = [
        a for a in spread["audits"] if a.observed_at.month == 9 and a.observed_at.year == 2026
    ]
    assert len(audits) == 8  # 1, 2, 15 and 30 September, twice
    raters = month_totals.read(month_totals.RATERS, plan, {}, ["supervisor_id"])
    for r in raters:
        mine = [a for a in audits if a.supervisor_id == r.supervisor_id]
        scored = [a.overall for a in mine if a.overall is not None]
        assert r.rows == len(mine)
        assert r.scored == len(scored)
        assert r.overall_sum == pytest.approx(sum(scored))
        assert r.passed == sum(1 for a in mine if a.passed)
    assert sum(r.rows for r in raters) == 8


def test_an_amendment_moves_the_audit_between_months_and_channels(spread):
    audit = spread["audits"][1]  # 1 September, in person
    supervisor = db.session.get(User, audit.supervisor_id)
    audit_service.amend(
        audit,
        user=supervisor,
        interaction=replace(
            audit_service.Interaction.of(audit),
            channel="phone",
            observed_at=datetime(2026, 10, 15, 9, 0),
            outcome="sale",
        ),
        entry=audit_service.Answers.clean(PHONE, {}),
        reason="It was a phone call in October",
    )
    for first, last, today in PERIODS:
        assert_totals_read_as_rows(*(date.fromisoformat(d) for d in (first, last, today)))
    october = periods.plan(date(2026, 10, 1), date(2026, 10, 31), today=date(2026, 11, 23))
    sales = month_totals.read(month_totals.INTERACTIONS, october, {}, ["outcome"])
    assert {r.outcome: r.rows for r in sales}["sale"] == 1


def snapshot() -> dict[str, list[tuple]]:
    out = {}
    for rollup in month_totals.ALL:
        columns = ["month", *rollup.names()]
        rows = db.session.execute(select(*(getattr(rollup.table, c) for c in columns))).all()
        out[rollup.table.__tablename__] = rounded(rows)
    return out


def test_rebuild_gives_the_totals_kept_along_the_way(spread):
    kept = snapshot()
    assert all(kept.values())
    rollups.rebuild_all(db.session)
    db.session.commit()
    assert snapshot() == kept


def test_the_migration_fills_the_totals_from_existing_audits(app, spread):
    kept = snapshot()
    db.session.remove()
    downgrade(revision="0005")
    upgrade()
    assert snapshot() == kept


def test_concurrent_submits_in_one_month_are_all_counted(
    database_url, checklists_dir, make_user, make_staff
):
    supervisor_id = make_user("supervisor").id
    staff_id = make_staff("Dee").id  # the same staff member: one (month, staff) group
    db.session.commit()
    when = datetime(2026, 9, 10, 10, 0)

    def submit(n: int) -> None:
        audit_service.start(
            supervisor=db.session.get(User, supervisor_id),
            staff=db.session.get(StaffMember, staff_id),
            checklist=available()["counter-basics"],
            token=f"month-{n}",
            interaction=audit_service.Interaction(
                channel="in_person", observed_at=when + timedelta(days=n), customer_type="repeat"
            ),
            entry=audit_service.Answers.clean(dict(NOT_THANKED), {}),
            submit=True,
        )

    errors = in_threads(database_url, checklists_dir, submit, 6)
    assert not errors, errors
    db.session.expire_all()
    kept = snapshot()
    sections = kept["section_month_totals"]
    assert sections and all(r[4] == 6 for r in sections)  # (month, ..., section, rows, ...)
    rollups.rebuild_all(db.session)
    db.session.commit()
    assert snapshot() == kept


def test_the_pages_figures_come_out_the_same_as_from_rows(spread):
    """The insight functions read the totals; a team filter (which the tables by channel do
    not hold) reads rows; both give the figures the rows give."""
    f = ins.InsightFilters(date_from=date(2026, 8, 20), date_to=date(2026, 11, 3))
    seen = ii.interactions(f)
    assert sum(b.n for b in seen.by_channel) == len(spread["audits"])
    team = spread["staff"][0].team_id
    g = replace(f, team_id=team)
    mine = [a for a in spread["audits"] if a.staff_member.team_id == team]
    assert sum(b.n for b in ii.interactions(g).by_channel) == len(mine)
    assert sum(r.audits for r in iq.rater_consistency(g)) == len(mine)
    counted = {(s.checklist_id, s.item_id): s.asked for s in iq.item_analysis(g)}
    assert counted == {(c, i): asked for c, i, _, _, asked, *_ in iq._counts_from_item_rows(g)}
    heat = ins.heat_map(g)
    cells = {(sid, sec): cell.n for sid, _, row in heat.rows for sec, cell in row.items()}
    assert sum(cells.values()) > 0
    ana = spread["staff"][0]
    ana_audits = [a for a in spread["audits"] if a.staff_member_id == ana.id]
    assert max(n for (sid, _), n in cells.items() if sid == ana.id) <= len(ana_audits)


@pytest.mark.parametrize(
    ("first", "last"),
    [(None, None), ("2026-09-02", None), (None, "2026-10-01"), ("2026-08-31", "2026-09-15")],
)
def test_the_staff_pages_team_comparison_reads_the_same_as_the_rows(spread, first, last):
    """The staff page compares a person's sections with their team's, over a period whose
    ends may be open; the team's side comes from the month totals."""
    period = progress.Period(first and date.fromisoformat(first), last and date.fromisoformat(last))
    team = spread["staff"][0].team_id
    members = select(StaffMember.id).where(StaffMember.team_id == team)
    from_rows = progress._section_means(
        [Audit.staff_member_id.in_(members), *period.where()], ["counter-basics"]
    )
    from_totals = progress._team_section_means(team, period, ["counter-basics"])
    assert from_rows, "the comparison needs data to mean anything"
    assert from_totals.keys() == from_rows.keys()
    for key, (mean, n) in from_rows.items():
        assert from_totals[key][1] == n
        assert from_totals[key][0] == pytest.approx(mean)


def test_an_open_plan_counts_every_month_on_its_open_side():
    today = date(2026, 11, 23)
    everything = periods.plan_open(None, None, today=today)
    assert (everything.first_month, everything.last_month, everything.days) == (
        date(1, 1, 1),
        date(9999, 12, 1),
        (),
    )
    since = periods.plan_open(date(2026, 9, 3), None, today=today)
    around = (date(2026, 8, 1), date(2027, 2, 28))
    for day, n in coverage(since, around).items():
        assert n == (1 if day >= date(2026, 9, 3) else 0), day
