"""The month totals behind the insight pages: any period read from them (whole months plus
or minus a few days of rows) must give exactly what the audit rows themselves give, through
every service that writes an audit, concurrent submits, a rebuild and the migration that
fills them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import in_threads
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, inspect, select, text

from auditapp.extensions import db
from auditapp.models import (
    Audit,
    AuditItem,
    AuditSection,
    ItemDayTotal,
    ItemMonthTotal,
    StaffMember,
    User,
)
from auditapp.services import audits as audit_service
from auditapp.services import insights as ins
from auditapp.services import insights_interactions as ii
from auditapp.services import insights_quality as iq
from auditapp.services import month_totals, period_totals, periods, progress, responses, rollups
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
    (month_totals.STAFF_INTERACTIONS, ["channel", "customer_type", "outcome", "band"], True),
    (month_totals.STAFF_RATERS, ["checklist_id", "supervisor_id"], False),
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
        from_totals = period_totals.read(rollup, plan, conditions, group, by_month=by_month)
        from_rows = period_totals.read(rollup, rows_only, conditions, group, by_month=by_month)
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
    assert_totals_read_as_rows(first, last, today, staff_member_id=[ana], channel="phone")


def test_the_hand_worked_figures_of_one_month(spread):
    """September by supervisor and by staff member, worked from the fixture by hand."""
    plan = periods.plan(date(2026, 9, 1), date(2026, 9, 30), today=date(2026, 11, 23))
    assert (plan.first_month, plan.days) == (date(2026, 9, 1), ())
    audits = [
        a for a in spread["audits"] if a.observed_at.month == 9 and a.observed_at.year == 2026
    ]
    assert len(audits) == 8  # 1, 2, 15 and 30 September, twice
    raters = period_totals.read(month_totals.RATERS, plan, {}, ["supervisor_id"])
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
    sales = period_totals.read(month_totals.INTERACTIONS, october, {}, ["outcome"])
    assert {r.outcome: r.rows for r in sales}["sale"] == 1


def snapshot() -> dict[str, list[tuple]]:
    out = {}
    for rollup in month_totals.ALL:
        columns = ["month", *rollup.names()]
        rows = db.session.execute(select(*(getattr(rollup.table, c) for c in columns))).all()
        out[rollup.table.__tablename__] = rounded(rows)
    return out


def every_total() -> dict[str, list[tuple]]:
    """The month totals and the item totals by day and month, as plain rows."""
    out = snapshot()
    for table in (ItemDayTotal, ItemMonthTotal):
        columns = [c for c in table.__table__.columns]
        out[table.__tablename__] = rounded(db.session.execute(select(*columns)).all())
    return out


def assert_totals_equal_the_rows() -> None:
    """Every total as the writes left it equals the same total rebuilt from the rows."""
    db.session.expire_all()
    kept = every_total()
    rollups.rebuild_all(db.session)
    rebuilt = every_total()
    db.session.rollback()  # the kept totals stay as the services wrote them
    assert kept == rebuilt


# -- Every service that writes an audit keeps every total equal to the rows. ---------------


def _submit(supervisor, staff, **interaction):
    values = {"channel": "in_person", "observed_at": datetime(2026, 9, 15, 11, 0)}
    values.update(interaction)
    return audit_service.start(
        supervisor=supervisor,
        staff=staff,
        checklist=available()["counter-basics"],
        token=f"path-{uuid.uuid4().hex}",
        interaction=audit_service.Interaction(**values),
        entry=audit_service.Answers.clean(dict(ALL_MET), {}),
        submit=True,
    )[0]


def _amend(audit, supervisor, answers=ALL_MET, **interaction):
    return audit_service.amend(
        audit,
        user=supervisor,
        interaction=replace(audit_service.Interaction.of(audit), **interaction),
        entry=audit_service.Answers.clean(dict(answers), {}),
        reason="Corrected",
    )


def submit_at_once(spread, make_user):
    _submit(spread["supervisors"][0], spread["staff"][1], outcome="resolved")


def draft_then_submit(spread, make_user):
    supervisor, staff = spread["supervisors"][0], spread["staff"][1]
    interaction = audit_service.Interaction(
        channel="in_person", observed_at=datetime(2026, 10, 1, 9, 0)
    )
    draft, _ = audit_service.start(
        supervisor=supervisor,
        staff=staff,
        checklist=available()["counter-basics"],
        token="draft-then-submit",
        interaction=interaction,
        entry=audit_service.Answers.clean({"greeted": "yes"}, {}),
        submit=False,
    )
    audit_service.update_draft(
        draft,
        user=supervisor,
        interaction=interaction,
        entry=audit_service.Answers.clean(dict(NOT_THANKED), {}),
        submit=True,
    )


def draft_posted_again_as_submitted(spread, make_user):
    # The supervisor saves a draft, goes Back and submits the same form (the same token).
    for submit, channel, answers in (
        (False, "in_person", {"greeted": "yes"}),
        (True, "phone", PHONE),
    ):
        audit_service.start(
            supervisor=spread["supervisors"][1],
            staff=spread["staff"][2],
            checklist=available()["counter-basics"],
            token="posted-twice",
            interaction=audit_service.Interaction(
                channel=channel, observed_at=datetime(2026, 9, 30, 23, 30)
            ),
            entry=audit_service.Answers.clean(dict(answers), {}),
            submit=submit,
        )


def amend_to_another_month_and_channel(spread, make_user):
    audit = spread["audits"][1]  # 1 September, in person
    _amend(
        audit,
        spread["supervisors"][1],
        PHONE,
        channel="phone",
        observed_at=datetime(2026, 10, 15, 9, 0),
        outcome="sale",
    )


def amend_to_the_day_before(spread, make_user):
    audit = spread["audits"][5]  # 1 October: amended to 30 September, a month earlier
    _amend(audit, spread["supervisors"][1], NOT_THANKED, observed_at=datetime(2026, 9, 30, 8))


def amend_the_answers_only(spread, make_user):
    audit = spread["audits"][2]
    _amend(audit, spread["supervisors"][0], NOT_THANKED)


def dispute_resolved_by_an_amendment(spread, make_user):
    audit = spread["audits"][4]  # Ben's; he disputes it and a supervisor amends it
    ben = make_user("staff", staff=spread["staff"][1])
    responses.dispute(audit, ben, "I thanked the customer, and it was on the phone.")
    _amend(audit, spread["supervisors"][0], PHONE, channel="phone")
    assert audit.dispute_status == "amended"


WRITES = [
    submit_at_once,
    draft_then_submit,
    draft_posted_again_as_submitted,
    amend_to_another_month_and_channel,
    amend_to_the_day_before,
    amend_the_answers_only,
    dispute_resolved_by_an_amendment,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_every_writing_service_keeps_the_totals_equal_to_the_rows(spread, make_user, write):
    """A service that forgot rollups.record_changes leaves a total that the rows rebuild
    differently; no hook would catch it for the service."""
    assert_totals_equal_the_rows()
    before = every_total()
    write(spread, make_user)
    assert every_total() != before, "the write should change some total"
    assert_totals_equal_the_rows()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["submit", "draft", "submit a draft", "amend"]),
            st.integers(0, 40),  # days after 20 September: across a month's edge
            st.sampled_from(["in_person", "phone"]),
            st.sampled_from([ALL_MET, NOT_THANKED, ALL_NA]),
            st.integers(0, 2),  # whose audit
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_sequence_of_writes_leaves_the_totals_equal_to_the_rows(make_user, make_staff, steps):
    supervisor = make_user("supervisor")
    staff = [make_staff(f"Writer {n}") for n in range(3)]
    drafts, submitted = [], []
    for what, days, channel, answers, who in steps:
        when = datetime(2026, 9, 20, 12, 0) + timedelta(days=days)
        entry = audit_service.Answers.clean(dict(PHONE if channel == "phone" else answers), {})
        interaction = audit_service.Interaction(channel=channel, observed_at=when)
        if what == "amend" and submitted:
            audit = submitted[who % len(submitted)]
            if audit_service._changes(audit, interaction, entry):
                audit_service.amend(
                    audit, user=supervisor, interaction=interaction, entry=entry, reason="x"
                )
        elif what == "submit a draft" and drafts:
            audit = drafts.pop()
            audit_service.update_draft(
                audit, user=supervisor, interaction=interaction, entry=entry, submit=True
            )
            submitted.append(audit)
        else:
            audit, _ = audit_service.start(
                supervisor=supervisor,
                staff=staff[who],
                checklist=available()["counter-basics"],
                token=f"sequence-{uuid.uuid4().hex}",
                interaction=interaction,
                entry=entry,
                submit=what != "draft",
            )
            (drafts if what == "draft" else submitted).append(audit)
    assert_totals_equal_the_rows()


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


def test_the_staff_totals_migration_fills_them_from_existing_audits(app, spread):
    """Migration 0010 adds the interaction and rater totals by staff member and fills them
    from the audits already stored; its downgrade drops them."""
    kept = snapshot()
    assert kept["staff_interaction_month_totals"] and kept["staff_rater_month_totals"]
    db.session.remove()
    downgrade(revision="0009")
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert not {"staff_interaction_month_totals", "staff_rater_month_totals"} & tables
    upgrade()
    assert snapshot() == kept


def test_the_critical_failures_migration_counts_them_in_the_rater_totals(app, spread, make_audit):
    """Migration 0014 adds each group's failed critical items to the rater totals (by
    channel and by staff member) and fills them from the audits already stored."""
    people, supervisors = spread["staff"], spread["supervisors"]
    for staff in people[:2]:  # one failed critical item each ("greeted")
        make_audit(
            staff=staff,
            supervisor=supervisors[0],
            answers={**ALL_MET, "greeted": "no"},
            observed_at=SPREAD[1],
        )
    kept = snapshot()
    for table in ("rater_month_totals", "staff_rater_month_totals"):
        assert sum(row[-1] for row in kept[table]) == 2, table  # critical_failed is last
    db.session.remove()
    downgrade(revision="0013")
    with db.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("rater_month_totals")}
    assert "critical_failed" not in columns
    db.session.remove()
    upgrade()
    assert snapshot() == kept


def test_the_band_migration_regroups_the_totals_by_each_checklists_bands(app, spread):
    kept = snapshot()
    labels = {r[5] for r in kept["interaction_month_totals"]}  # counter-basics' own bands
    assert (
        {"Excellent", "Needs coaching"}
        <= labels
        <= {
            "Excellent",
            "Meets the standard",
            "Needs coaching",
            None,
        }
    )
    db.session.remove()
    downgrade(revision="0007")
    before = db.session.execute(text("SELECT DISTINCT band FROM interaction_month_totals"))
    assert set(before.scalars()) <= {0, 1, 2, None}  # 0007's fixed cut-offs
    db.session.remove()
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
    """The insight functions read the totals, a team's those by staff member; both give the
    figures the rows give."""
    f = ins.InsightFilters(date_from=date(2026, 8, 20), date_to=date(2026, 11, 3))
    seen = ii.interactions(f)
    assert sum(b.n for b in seen.by_channel) == len(spread["audits"])
    team = spread["staff"][0].team_id
    g = replace(f, team_id=team)
    mine = [a for a in spread["audits"] if a.staff_member.team_id == team]
    assert sum(b.n for b in ii.interactions(g).by_channel) == len(mine)
    assert sum(r.audits for r in iq.rater_consistency(g)) == len(mine)
    # The band tables: from the totals by channel (all teams) and by staff member (a team).
    for filters, audits in ((f, spread["audits"]), (g, mine)):
        expected: dict[tuple, list[int]] = {}
        for a in audits:
            if a.band is not None and a.outcome is not None:
                n_resolved = expected.setdefault((a.checklist_id, a.band), [0, 0])
                n_resolved[0] += 1
                n_resolved[1] += a.outcome == "resolved"
        seen_bands = {
            (t.checklist_id, b.band): [b.n, b.resolved]
            for t in ii.interactions(filters).bands
            for b in t.bands
            if b.n
        }
        assert seen_bands == expected and expected
        profile = ii.interactions(filters).profile.overall.counts
        assert sum(profile.values()) == sum(a.customer_type in ii.LEVELS for a in audits)
    counted = {(s.checklist_id, s.item_id): s.asked for s in iq.item_analysis(g)}
    assert counted == {(c, i): asked for c, i, _, _, asked, *_ in iq._counts_from_item_rows(g)}
    heat = ins.heat_map(g)
    cells = {(sid, sec): cell.n for sid, _, row in heat.rows for sec, cell in row.items()}
    assert sum(cells.values()) > 0
    ana = spread["staff"][0]
    ana_audits = [a for a in spread["audits"] if a.staff_member_id == ana.id]
    assert max(n for (sid, _), n in cells.items() if sid == ana.id) <= len(ana_audits)


def _sections_from_rows(staff_ids: list[int], period: progress.Period) -> dict:
    rows = db.session.execute(
        select(
            Audit.checklist_id,
            AuditSection.section_id,
            func.avg(AuditSection.percentage),
            func.count(AuditSection.percentage),
        )
        .join(Audit, Audit.id == AuditSection.audit_id)
        .where(Audit.status == "submitted", Audit.staff_member_id.in_(staff_ids), *period.where())
        .group_by(Audit.checklist_id, AuditSection.section_id)
    ).all()
    return {(c, s): (mean, n) for c, s, mean, n in rows}


def _missed_from_rows(staff_id: int, period: progress.Period) -> dict:
    missed = func.sum(case((AuditItem.met.is_(False), 1), else_=0))
    rows = db.session.execute(
        select(Audit.checklist_id, AuditItem.item_id, missed, func.count(AuditItem.id))
        .join(Audit, Audit.id == AuditItem.audit_id)
        .where(
            Audit.status == "submitted",
            Audit.staff_member_id == staff_id,
            AuditItem.status == "scored",
            *period.where(),
        )
        .group_by(Audit.checklist_id, AuditItem.item_id)
        .having(missed > 0)
        .order_by(Audit.checklist_id, missed.desc(), AuditItem.item_id)
    ).all()
    out: dict[str, list] = {}
    for checklist_id, item_id, times_missed, scored in rows:
        out.setdefault(checklist_id, []).append((item_id, int(times_missed), int(scored)))
    return out


@pytest.mark.parametrize(
    ("first", "last"),
    [(None, None), ("2026-09-02", None), (None, "2026-10-01"), ("2026-08-31", "2026-09-15")],
)
def test_the_staff_pages_figures_read_the_same_as_the_rows(spread, first, last):
    """The staff page's sections (the person's and the team's, which they are compared with)
    and most-missed items come from the month totals, over a period whose ends may be open;
    they equal the GROUP BYs of the rows."""
    period = progress.Period(first and date.fromisoformat(first), last and date.fromisoformat(last))
    ana = spread["staff"][0]
    members = list(
        db.session.execute(
            select(StaffMember.id).where(StaffMember.team_id == ana.team_id)
        ).scalars()
    )
    assert len(members) == 2
    for staff_ids in ([ana.id], members):
        from_rows = _sections_from_rows(staff_ids, period)
        from_totals = progress._section_means(staff_ids, period, ["counter-basics"])
        assert from_rows, "the comparison needs data to mean anything"
        assert from_totals.keys() == from_rows.keys()
        for key, (mean, n) in from_rows.items():
            assert from_totals[key][1] == n
            assert from_totals[key][0] == pytest.approx(mean)
    missed = {s.id: _missed_from_rows(s.id, period) for s in spread["staff"]}
    assert any(missed.values()), "a miss is needed to mean anything"
    assert {s.id: progress._most_missed(s.id, period) for s in spread["staff"]} == missed


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


def summed_by(rollup: month_totals.Rollup, rows, group: list[str]) -> list[tuple]:
    """Rows read by every key, summed (or max'ed) by `group` keys in Python."""
    out: dict[tuple, list] = {}
    for row in rows:
        key = tuple(getattr(row, n) for n in group)
        values = [getattr(row, n) for n, _, _ in rollup.value_columns()]
        acc = out.setdefault(key, [None] * len(values))
        for i, ((_, _, how), v) in enumerate(zip(rollup.value_columns(), values, strict=True)):
            acc[i] = v if acc[i] is None else (max(acc[i], v) if how == "max" else acc[i] + v)
    return [(*k, *v) for k, v in out.items()]


@pytest.mark.parametrize(("first", "last", "today"), PERIODS)
def test_a_coarser_group_reads_the_sums_of_the_finest_one(spread, first, last, today):
    """Each part of a read carries only the keys grouped by: the figures are those of the
    read by every key, summed up, down to the period's one total."""
    first, last, today = (date.fromisoformat(d) for d in (first, last, today))
    plan = periods.plan(first, last, today=today)
    for rollup in month_totals.ALL:
        every = [n for n, _ in rollup.key_columns()]
        finest = period_totals.read(rollup, plan, {}, every)
        for group in ([], every[:1], every[1:2], every[:-1]):
            expected = summed_by(rollup, finest, group)
            got = period_totals.read(rollup, plan, {}, group)
            assert rounded(got) == rounded(expected), (rollup.table.__name__, group)


def test_picked_gives_the_named_columns_of_each_row(spread):
    plan = periods.plan(date(2026, 8, 1), date(2026, 11, 23), today=date(2026, 11, 23))
    rows = period_totals.read(
        month_totals.STAFF_ITEMS, plan, {}, ["checklist_id", "item_id", "staff_member_id"]
    )
    assert rows
    names = ("met", "item_id", "scored")
    assert list(period_totals.picked(rows, *names)) == [(r.met, r.item_id, r.scored) for r in rows]
    assert list(period_totals.picked(iter(rows), *names)) == [
        (r.met, r.item_id, r.scored) for r in rows
    ]
    assert list(period_totals.picked([], *names)) == []
