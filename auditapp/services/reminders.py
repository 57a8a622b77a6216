"""Reminders the workers send on their own: coaching actions due and overdue (to the trainer
who recorded them and to the staff member), calibration sessions closing soon (to the raters
who have not submitted).

Each runs every hour and queues only what was never queued: a message's `once_key` names the
thing, its state and the recipient, so an action is reminded once as due and once as
overdue, however often the task runs, on however many workers, and after a day the server
was down the next run catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from auditapp import clock, queue
from auditapp.extensions import db
from auditapp.models import CalibrationSession, CoachingAction, MailMessage, User

from . import calibration_access, event_log, mail, mail_preferences, notifications
from .checklists import available, newest_versions
from .coaching import is_overdue

DUE_WITHIN = timedelta(days=1)  # an action due today or tomorrow is "due"
REMIND_BEFORE = timedelta(days=1)  # a session closing within a day is reminded
INVITED_LATELY = timedelta(hours=12)  # no reminder right after the invitation


@queue.periodic(minute="15")
def coaching_reminders() -> int:
    """Queue the due and overdue reminders not sent yet (from the morning hour on)."""
    if clock.local_now().hour < current_app.config["MAIL_MORNING_HOUR"]:
        return 0
    return queue_once("coaching reminders", coaching_messages)


@queue.periodic(minute="20")
def calibration_reminders() -> int:
    """Queue a reminder to each rater yet to submit a session that closes within a day."""
    return queue_once("calibration reminders", calibration_messages)


def queue_once(what: str, build: Callable[[], list[MailMessage]]) -> int:
    """Add the messages `build` makes, commit them with one log entry and hand them to the
    workers; how many. Another worker that queued the same ones first wins."""
    messages = build()
    if not messages:
        event_log.rollback()
        return 0
    event_log.record("mail_queued", None, what, messages=len(messages))
    try:
        event_log.commit()
    except IntegrityError:  # a once_key taken meanwhile: that run queued them
        event_log.rollback()
        return 0
    mail.enqueue(messages)
    return len(messages)


def _unsent(keys: list[str]) -> set[str]:
    """Those of `keys` no message carries yet."""
    if not keys:
        return set()
    taken = db.session.scalars(select(MailMessage.once_key).where(MailMessage.once_key.in_(keys)))
    return set(keys) - set(taken)


def coaching_messages() -> list[MailMessage]:
    today = clock.today()
    actions = db.session.scalars(
        select(CoachingAction)
        .options(joinedload(CoachingAction.staff_member), joinedload(CoachingAction.created_by))
        .where(
            CoachingAction.closed_at.is_(None),
            CoachingAction.follow_up_on <= today + DUE_WITHIN,
        )
        .order_by(CoachingAction.follow_up_on, CoachingAction.id)
    ).all()
    logins = {
        u.staff_member_id: u
        for u in db.session.scalars(
            select(User).where(
                User.role == "staff",
                User.staff_member_id.in_({a.staff_member_id for a in actions}),
            )
        )
    }
    people = {a.created_by for a in actions} | set(logins.values())
    wanted = {
        kind: {u.id for u in mail_preferences.wanting(people, kind)}
        for kind in ("coaching_due", "coaching_overdue")
    }
    plans = {}  # once_key -> (action, kind, recipient)
    for action in actions:
        kind = "coaching_overdue" if is_overdue(action, today) else "coaching_due"
        for user in (action.created_by, logins.get(action.staff_member_id)):
            if user is not None and user.id in wanted[kind]:
                plans[f"{kind}:{action.id}:{user.id}"] = (action, kind, user)
    unsent = _unsent(list(plans))
    return [_coaching_message(*plan, key) for key, plan in plans.items() if key in unsent]


def _wording(action: CoachingAction) -> tuple[str, list[str]]:
    """The checklist's title and what the action names (items, or a section) in words."""
    checklist = available().get(action.checklist_id)
    if checklist is not None:
        content = checklist.to_snapshot()
    else:
        stored = newest_versions({action.checklist_id}).get(action.checklist_id)
        content = stored.content if stored else {"title": action.checklist_id, "sections": []}
    sections = {s["id"]: s for s in content["sections"]}
    if action.section_id:
        section = sections.get(action.section_id)
        return content["title"], [
            f"the section {section['title'] if section else action.section_id}"
        ]
    texts = {i["id"]: i["text"] for s in content["sections"] for i in s["items"]}
    return content["title"], [texts.get(i, i) for i in action.item_ids]


def _coaching_message(action: CoachingAction, kind: str, user: User, key: str) -> MailMessage:
    overdue = kind == "coaching_overdue"
    for_trainer = user.role == "trainer"
    staff_name = action.staff_member.name
    checklist, items = _wording(action)
    follow_up = action.follow_up_on.strftime("%d %b %Y")
    if for_trainer:
        subject = f"{'Overdue' if overdue else 'Due'}: {staff_name}'s coaching follow-up"
    else:
        subject = f"Your coaching follow-up {'was due' if overdue else 'is due'} on {follow_up}"
    return notifications.message(
        user,
        kind,
        subject,
        "/coaching" if for_trainer else f"/staff/{action.staff_member_id}",
        "coaching",
        once_key=key,
        overdue=overdue,
        for_trainer=for_trainer,
        staff_name=staff_name,
        follow_up=follow_up,
        checklist=checklist,
        items=items,
        note=action.note,
    )


def calibration_messages() -> list[MailMessage]:
    now = clock.utcnow()
    sessions = db.session.scalars(
        select(CalibrationSession)
        .options(
            selectinload(CalibrationSession.raters),
            selectinload(CalibrationSession.answers),
            joinedload(CalibrationSession.checklist_version),
        )
        .where(
            CalibrationSession.status == "open",
            CalibrationSession.deadline > now,
            CalibrationSession.deadline <= now + REMIND_BEFORE,
            CalibrationSession.created_at <= now - INVITED_LATELY,
        )
    ).all()
    late = {
        s.id: [
            i for i in calibration_access.rater_ids(s) if i not in calibration_access.submitted(s)
        ]
        for s in sessions
        if calibration_access.status_of(s) == "open"
    }
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({i for v in late.values() for i in v}))
        )
    }
    wanted = {u.id for u in mail_preferences.wanting(users.values(), "calibration_reminder")}
    keys = {
        (s.id, i): f"calibration_reminder:{s.id}:{i}"
        for s in sessions
        for i in late.get(s.id, [])
        if i in wanted
    }
    unsent = _unsent(list(keys.values()))
    return [
        notifications.calibration_message(users[i], s, "calibration_reminder", once_key=key)
        for s in sessions
        for i in late.get(s.id, [])
        if (key := keys.get((s.id, i))) in unsent
    ]
