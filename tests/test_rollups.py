"""The per-day item totals behind the all-teams insight page: they must always equal what
the item rows themselves say, through submits, drafts, amendments, concurrent submits and
amendments, a full rebuild and the migration that first fills them. The services keep
them by calling rollups.record_changes; no session or mapper hook does it for them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from conftest import in_threads
from flask_migrate import downgrade, upgrade
from sqlalchemy import select
from sqlalchemy.orm import MapperEvents, SessionEvents

from auditapp.extensions import db
from auditapp.models import Audit, ItemDayTotal, ItemMonthTotal, StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import insights as ins
from auditapp.services import insights_quality as iq
from auditapp.services import rollups
from auditapp.services.checklists import available

ALL_MET = {"greeted": "yes", "warmth": "5", "smiled": "often", "thanked": "yes", "argued": "no"}
NOT_THANKED = {**ALL_MET, "thanked": "no"}
PHONE = {k: v for k, v in ALL_MET.items() if k != "smiled"}
DAY = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=3)


def totals() -> dict[tuple, tuple]:
    rows = db.session.execute(select(ItemDayTotal)).scalars()
    return {
        (r.day, r.checklist_id, r.channel, r.item_id): (r.asked, r.scored, r.met, r.na)
        for r in rows
    }


def month_totals() -> dict[tuple, tuple]:
    rows = db.session.execute(select(ItemMonthTotal)).scalars()
    return {
        (r.month, r.checklist_id, r.channel, r.item_id): (r.asked, r.scored, r.met, r.na)
        for r in rows
    }


def assert_totals_match_item_rows(**filters) -> None:
    f = ins.InsightFilters(**filters)
    from_totals = [tuple(r) for r in iq._counts_from_day_totals(f)]
    from_rows = [tuple(r) for r in iq._counts_from_item_rows(f)]
    assert from_totals == from_rows
    assert from_rows, "the comparison needs data to mean anything"


def test_submits_count_and_drafts_do_not(make_audit, make_staff):
    ana = make_staff("Ana")
    make_audit(staff=ana, answers=ALL_MET, observed_at=DAY)
    make_audit(staff=ana, answers=NOT_THANKED, observed_at=DAY)
    make_audit(staff=ana, answers=PHONE, channel="phone", observed_at=DAY)
    make_audit(staff=ana, answers=NOT_THANKED, observed_at=DAY, submit=False)
    got = totals()
    # Two in-person audits that day: "thanked" asked twice, met once; the draft is not there.
    assert got[(DAY.date(), "counter-basics", "in_person", "thanked")] == (2, 2, 1, 0)
    assert got[(DAY.date(), "counter-basics", "phone", "thanked")] == (1, 1, 1, 0)
    # Smiling is asked in person only: on the phone it is counted as never asked.
    assert got[(DAY.date(), "counter-basics", "phone", "smiled")] == (0, 0, 0, 0)
    assert_totals_match_item_rows()
    assert_totals_match_item_rows(channel="phone")
    assert_totals_match_item_rows(checklist_id="counter-basics")


def test_an_amendment_moves_the_audit_between_days_and_channels(make_audit, make_user):
    supervisor = make_user("supervisor")
    audit = make_audit(supervisor=supervisor, answers=NOT_THANKED, observed_at=DAY)
    make_audit(supervisor=supervisor, answers=ALL_MET, observed_at=DAY)
    later = DAY + timedelta(days=1)
    audit_service.amend(
        audit,
        user=supervisor,
        interaction=replace(
            audit_service.Interaction.of(audit), channel="phone", observed_at=later
        ),
        entry=audit_service.Answers.clean(PHONE, {}),
        reason="It was a phone call, the next day",
    )
    got = totals()
    assert got[(DAY.date(), "counter-basics", "in_person", "thanked")] == (1, 1, 1, 0)
    assert got[(later.date(), "counter-basics", "phone", "thanked")] == (1, 1, 1, 0)
    assert_totals_match_item_rows()


def _listeners(dispatch, events) -> list[tuple[str, str]]:
    found = []
    for name in events:
        for fn in getattr(dispatch, name, ()):
            found.append((name, f"{getattr(fn, '__module__', '?')}.{fn.__name__}"))
    return found


def test_no_session_or_mapper_hook_keeps_the_totals(app):
    """The totals are the writing services' job, in their own transaction: a hook that
    fired on every flush or commit would make its registration order matter again."""
    session_events = [n for n in dir(SessionEvents) if not n.startswith("_")]
    mapper_events = [n for n in dir(MapperEvents) if not n.startswith("_")]
    found = _listeners(db.session().dispatch, session_events)
    for mapper in db.Model.registry.mappers:
        found += _listeners(mapper.dispatch, mapper_events)
    totals = (rollups.__name__, "auditapp.services.month_totals")
    assert [f for f in found if f[1].startswith(totals)] == []


def test_a_failed_transaction_leaves_the_totals_alone(make_audit):
    make_audit(answers=ALL_MET, observed_at=DAY)
    before = totals()
    with pytest.raises(audit_service.AuditError):
        make_audit(answers={"greeted": "yes"}, observed_at=DAY)  # missing answers
    db.session.rollback()
    assert totals() == before


def test_rebuild_all_gives_the_totals_kept_along_the_way(make_audit, make_staff):
    for days_ago, answers in ((1, ALL_MET), (1, NOT_THANKED), (5, NOT_THANKED), (9, ALL_MET)):
        make_audit(answers=answers, observed_at=DAY - timedelta(days=days_ago))
    kept, kept_months = totals(), month_totals()
    rollups.rebuild_all(db.session)
    db.session.commit()
    assert totals() == kept and len(kept) == 15  # 3 days x 5 in-person items
    assert month_totals() == kept_months and kept_months


def test_the_migration_fills_the_totals_from_existing_audits(app, make_audit):
    make_audit(answers=ALL_MET, observed_at=DAY)
    make_audit(answers=NOT_THANKED, observed_at=DAY - timedelta(days=1))
    kept, kept_months = totals(), month_totals()
    db.session.remove()
    downgrade(revision="0003")
    upgrade()
    assert totals() == kept and kept
    assert month_totals() == kept_months and kept_months


def test_concurrent_submits_on_the_same_day_are_all_counted(
    database_url, checklists_dir, make_user, make_staff
):
    supervisor = make_user("supervisor")
    staff_ids = [make_staff(f"Person {n}").id for n in range(6)]
    supervisor_id = supervisor.id
    db.session.commit()

    def submit(n: int) -> None:
        audit_service.start(
            supervisor=db.session.get(User, supervisor_id),
            staff=db.session.get(StaffMember, staff_ids[n]),
            checklist=available()["counter-basics"],
            token=f"concurrent-{n}",
            interaction=audit_service.Interaction(channel="in_person", observed_at=DAY),
            entry=audit_service.Answers.clean(dict(NOT_THANKED), {}),
            submit=True,
        )

    errors = in_threads(database_url, checklists_dir, submit, 6)
    assert not errors, errors
    db.session.expire_all()
    assert totals()[(DAY.date(), "counter-basics", "in_person", "thanked")] == (6, 6, 0, 0)
    assert_totals_match_item_rows()


def test_concurrent_amendments_moving_audits_both_ways_all_commit(
    database_url, checklists_dir, make_audit, make_user
):
    """Six amendments at once, half moving an audit from (September, in person) to
    (October, phone) and half the other way: each locks both groups, in one order, so none
    waits for another that waits for it (PostgreSQL would end one with a deadlock error)."""
    supervisor = make_user("supervisor")
    september, october = datetime(2026, 9, 20, 10, 0), datetime(2026, 10, 5, 10, 0)
    ids = [
        make_audit(supervisor=supervisor, answers=ALL_MET, observed_at=september).id
        if n % 2
        else make_audit(
            supervisor=supervisor, answers=PHONE, channel="phone", observed_at=october
        ).id
        for n in range(6)
    ]
    supervisor_id = supervisor.id
    db.session.commit()

    def amend(n: int) -> None:
        audit = db.session.get(Audit, ids[n])
        moved = (october, "phone", PHONE) if n % 2 else (september, "in_person", NOT_THANKED)
        audit_service.amend(
            audit,
            user=db.session.get(User, supervisor_id),
            interaction=replace(
                audit_service.Interaction.of(audit), observed_at=moved[0], channel=moved[1]
            ),
            entry=audit_service.Answers.clean(dict(moved[2]), {}),
            reason="Moved",
        )

    errors = in_threads(database_url, checklists_dir, amend, 6)
    assert not errors, errors
    db.session.expire_all()
    assert totals()[(september.date(), "counter-basics", "in_person", "thanked")] == (3, 3, 0, 0)
    assert totals()[(october.date(), "counter-basics", "phone", "thanked")] == (3, 3, 3, 0)
    kept, kept_months = totals(), month_totals()
    rollups.rebuild_all(db.session)
    assert (totals(), month_totals()) == (kept, kept_months)
    db.session.rollback()


SPREAD = [datetime(2026, m, d, 11, 0) for m, d in ((8, 31), (9, 1), (9, 15), (9, 30), (10, 1))]
SPREAD += [datetime(2026, m, d, 11, 0) for m, d in ((10, 31), (11, 1), (11, 2), (12, 31))]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-09-01", "2026-09-30"),  # one whole month
        ("2026-08-31", "2026-10-01"),  # a whole month with a day either side
        ("2026-09-02", "2026-10-31"),  # partial, then whole
        ("2026-09-01", "2026-11-01"),  # whole, whole, then a day
        ("2026-09-15", "2026-09-15"),  # one day
        ("2026-09-16", "2026-10-31"),  # ends on a month's last day
        ("2026-08-01", "2026-12-31"),  # all of it
        ("2026-10-02", "2026-10-30"),  # inside one month, touching nothing
    ],
)
def test_any_period_counts_the_same_from_totals_and_from_item_rows(make_audit, first, last):
    for n, when in enumerate(SPREAD):
        answers = NOT_THANKED if n % 2 else ALL_MET
        if n % 3 == 0:
            make_audit(answers=PHONE, channel="phone", observed_at=when)
        make_audit(answers=answers, observed_at=when)
    f = ins.InsightFilters(
        date_from=datetime.fromisoformat(first).date(), date_to=datetime.fromisoformat(last).date()
    )
    from_rows = [tuple(r) for r in iq._counts_from_item_rows(f)]
    assert [tuple(r) for r in iq._counts_from_day_totals(f)] == from_rows
    expected = {"2026-10-02": 0}.get(first, 1)
    assert bool(from_rows) == bool(expected)
    g = replace(f, channel="phone")
    assert [tuple(r) for r in iq._counts_from_day_totals(g)] == [
        tuple(r) for r in iq._counts_from_item_rows(g)
    ]
