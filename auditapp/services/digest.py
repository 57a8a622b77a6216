"""The weekly digest for trainers: what needs their attention, one short section each.

The digest is the list SECTIONS of small functions, each taking the `Week` (which trainer,
which days) and returning a `Section`: a title, a few lines in words, the page with the whole
picture. To add a section, write its function and put it in the list where it should show.

It goes out from the morning hour (MAIL_MORNING_HOUR) of Monday in the organisation's zone,
once a week to each active trainer who wants it; a server that was down on Monday sends it at
its next hourly run that week.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from auditapp import clock, queue
from auditapp.extensions import db
from auditapp.models import CoachingAction, MailMessage, StaffMember, User

from . import insights, insights_quality, mail, mail_preferences, notifications, plan_status
from .checklists import available, newest_versions
from .reminders import queue_once

LINES = 8  # lines a section shows before "and N more"


@dataclass(frozen=True)
class Week:
    trainer: User
    monday: date
    today: date


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str]  # empty: `nothing` is shown instead
    nothing: str
    path: str  # the page with the whole picture
    more: int = 0  # lines left out


def overdue_coaching(week: Week) -> Section:
    """Open coaching actions whose follow-up date has passed, the longest overdue first."""
    overdue = (CoachingAction.closed_at.is_(None), CoachingAction.follow_up_on < week.today)
    total = db.session.scalar(select(func.count(CoachingAction.id)).where(*overdue))
    rows = db.session.execute(
        select(StaffMember.name, CoachingAction.checklist_id, CoachingAction.follow_up_on)
        .join(StaffMember, StaffMember.id == CoachingAction.staff_member_id)
        .where(*overdue)
        .order_by(CoachingAction.follow_up_on, CoachingAction.id)
        .limit(LINES)
    ).all()
    titles = _titles({r.checklist_id for r in rows})
    lines = [
        f"{name}: {titles[checklist]}, due {due:%d %b} ({(week.today - due).days} days overdue)"
        for name, checklist, due in rows
    ]
    return Section(
        "Overdue coaching", lines, "No coaching action is overdue.", "/coaching", total - len(rows)
    )


def plan_shortfalls(week: Week) -> Section:
    """Staff members short of their observation plans this period, overdue first, then
    the largest shortfall."""
    short = [s for s in plan_status.standings(week.today) if s.shortfall > 0]
    short.sort(key=lambda s: (plan_status.STATUS_ORDER[s.status], -s.shortfall, s.person.name))
    titles = _titles({s.checklist_id for s in short[:LINES]})
    lines = [
        f"{s.person.name}: {s.status_label.lower()}, {s.counted} of {s.required} "
        f"{titles[s.checklist_id]} audits this {s.period.kind}"
        for s in short[:LINES]
    ]
    return Section(
        "Observation plans: who is short",
        lines,
        "Everyone is on track with the observation plans.",
        "/plans/compliance",
        len(short) - len(lines),
    )


def raters_flagged(week: Week) -> Section:
    """Supervisors whose scores differ from the others' on a checklist (last 90 days)."""
    rows = [r for r in insights_quality.rater_consistency(insights.InsightFilters()) if r.flag]
    titles = _titles({r.checklist_id for r in rows})
    lines = [
        f"{r.supervisor} on {titles[r.checklist_id]}: {r.flag} "
        f"(mean {r.mean:.1f}% against {r.others_mean:.1f}% for the other supervisors)"
        for r in rows[:LINES]
    ]
    return Section(
        "Raters flagged",
        lines,
        "No supervisor scores far from the others.",
        "/insights",
        len(rows) - len(lines),
    )


def staff_not_observed(week: Week) -> Section:
    """Active staff members with no audit in the last 30 days, the longest unseen first."""
    f = insights.InsightFilters()
    not_seen = insights.coverage(f, today=week.today, per_supervisor=[]).not_seen
    lines = [
        f"{s.name}{f' ({s.team})' if s.team else ''}: "
        + (f"last observed {s.last_observed:%d %b %Y}" if s.last_observed else "never observed")
        for s in not_seen[:LINES]
    ]
    return Section(
        f"Staff members not observed in {f.not_seen_days} days",
        lines,
        f"Every active staff member was observed in the last {f.not_seen_days} days.",
        "/insights",
        len(not_seen) - len(lines),
    )


# The digest's sections, in the order it shows them. Add a section here.
SECTIONS: list[Callable[[Week], Section]] = [
    overdue_coaching,
    plan_shortfalls,
    raters_flagged,
    staff_not_observed,
]


def _titles(checklist_ids: set[str]) -> dict[str, str]:
    known = {i: c.title for i, c in available().items() if i in checklist_ids}
    stored = newest_versions(checklist_ids - set(known))
    return {i: known.get(i) or (stored[i].title if i in stored else i) for i in checklist_ids}


@queue.periodic(minute="30")
def weekly() -> int:
    """Queue this week's digest for each trainer who wants it and has not had it."""
    now = clock.local_now()
    monday = now.date() - timedelta(days=now.weekday())
    if now.weekday() == 0 and now.hour < current_app.config["MAIL_MORNING_HOUR"]:
        return 0
    return queue_once("weekly digest", lambda: digests(monday, now.date()))


def digests(monday: date, today: date) -> list[MailMessage]:
    """The digest of the week beginning `monday` for each trainer who wants it and has
    not had it yet."""
    trainers = db.session.scalars(select(User).where(User.role == "trainer", User.active)).all()
    wanted = {
        f"weekly_digest:{monday}:{t.id}": t
        for t in mail_preferences.wanting(trainers, "weekly_digest")
    }
    sent = set(
        db.session.scalars(select(MailMessage.once_key).where(MailMessage.once_key.in_(wanted)))
    )
    return [digest(t, Week(t, monday, today), key) for key, t in wanted.items() if key not in sent]


def digest(trainer: User, week: Week, once_key: str | None = None) -> MailMessage:
    """One trainer's digest of `week`, added to the session."""
    sections = [{**vars(s), "link": mail.link(s.path)} for s in (b(week) for b in SECTIONS)]
    return notifications.message(
        trainer,
        "weekly_digest",
        f"Weekly digest for the week of {week.monday:%d %b %Y}",
        "/",
        "digest",
        once_key=once_key,
        sections=sections,
    )
