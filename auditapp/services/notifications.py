"""Who is told what by email, and what the message says.

Each function here adds the messages for one event to the session of the transaction that
stores the event, and returns them; the service that commits hands them to the workers
after its commit (`mail.enqueue`). A message goes only to active users who want its kind
(services/mail_preferences.py), and says only what its recipient may see on the page it
links to: a staff member's audit shows its score only if `audit_queries.can_view` lets
them open it, and nothing goes to anyone else's staff login.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select

from auditapp import clock
from auditapp.extensions import db
from auditapp.models import Audit, CalibrationSession, MailMessage, User
from auditapp.models.mail import KINDS

from . import mail, mail_preferences
from .audit_queries import can_view


def staff_login(staff_member_id: int) -> User | None:
    """The login of a staff member, if they have one."""
    return db.session.scalar(
        select(User).where(User.staff_member_id == staff_member_id, User.role == "staff")
    )


def message(
    user: User, kind: str, subject: str, path: str, template: str, once_key=None, **context: Any
) -> MailMessage:
    """Add one message for `user` (who wants `kind`: the caller asked) to the session."""
    subject = re.sub(r"\s+", " ", subject).strip()[:200]  # one line: a header
    url = mail.link(path)
    values = {
        "organisation": current_app.config["ORGANISATION_NAME"],
        "recipient": user,
        "subject": subject,
        "link": url,
        "preferences_link": mail.link("/account#email"),
        "kind": kind,
        "kind_label": KINDS[kind].label,
        **context,
    }
    row = MailMessage(
        user_id=user.id,
        to_address=user.email,
        kind=kind,
        once_key=once_key,
        subject=subject,
        link=url,
        text_body=render_template(f"mail/{template}.txt", **values),
        html_body=render_template(f"mail/{template}.html", **values),
    )
    db.session.add(row)
    return row


def to_each(users: Iterable[User], kind: str, build) -> list[MailMessage]:
    """`build(user)` -> message for each of `users` who wants `kind`."""
    return [build(user) for user in mail_preferences.wanting(users, kind)]


# --- audits and disputes ---------------------------------------------------------------


def _audit_context(audit: Audit, user: User) -> dict[str, Any]:
    """What a message about `audit` may say to `user`: the checklist and when, and the
    result only if they may open the audit."""
    visible = can_view(user, audit)
    return {
        "audit": audit,
        "checklist": audit.checklist_version.title,
        "observed": audit.observed_at.strftime("%d %b %Y"),
        "result": _result(audit) if visible else None,
        "visible": visible,
    }


def _result(audit: Audit) -> str | None:
    if audit.overall is None:
        return None
    verdict = "passed" if audit.passed else "not passed"
    band = f", {audit.band}" if audit.band else ""
    return f"{audit.overall:.1f}%{band} ({verdict})"


def audit_submitted(audit: Audit) -> list[MailMessage]:
    """To the staff member the audit is about (their login): it was submitted."""
    return _to_staff_member(audit, "audit_submitted", "was submitted")


def audit_amended(audit: Audit, *, resolved_dispute: bool) -> list[MailMessage]:
    """To the staff member: the audit was amended (which answered their open dispute, if
    `resolved_dispute`)."""
    if resolved_dispute:
        return _to_staff_member(audit, "dispute_resolved", "was amended", resolved=True)
    return _to_staff_member(audit, "audit_amended", "was amended")


def dispute_rejected(audit: Audit, reason: str) -> list[MailMessage]:
    """To the staff member: a supervisor kept the audit as it is, and why."""
    return _to_staff_member(audit, "dispute_resolved", "stays as it was", reason=reason)


def _to_staff_member(audit: Audit, kind: str, what: str, **extra: Any) -> list[MailMessage]:
    login = staff_login(audit.staff_member_id)
    if login is None:
        return []
    checklist = audit.checklist_version.title
    subject = (
        f"Your dispute was answered: the audit on {checklist} {what}"
        if kind == "dispute_resolved"
        else f"Your audit on {checklist} {what}"
    )

    def build(user: User) -> MailMessage:
        context = {**_audit_context(audit, user), **extra}
        if not context["visible"]:
            context.pop("reason", None)  # the supervisor's words are about the audit
        return message(user, kind, subject, f"/audits/{audit.id}", "audit", what=what, **context)

    return to_each([login], kind, build)


def dispute_opened(audit: Audit, comment: str) -> list[MailMessage]:
    """To the supervisor who scored the audit (every active supervisor if they left)."""
    supervisor = audit.supervisor
    if supervisor.active and supervisor.role == "supervisor":
        recipients = [supervisor]
    else:
        recipients = list(
            db.session.scalars(select(User).where(User.role == "supervisor", User.active))
        )
    staff_name = audit.staff_member.name
    checklist = audit.checklist_version.title

    def build(user: User) -> MailMessage:
        context = _audit_context(audit, user)
        return message(
            user,
            "dispute_opened",
            f"{staff_name} disputed an audit on {checklist}",
            f"/audits/{audit.id}",
            "dispute_opened",
            staff_name=staff_name,
            comment=comment if context["visible"] else None,
            **context,
        )

    return to_each(recipients, "dispute_opened", build)


# --- calibration ------------------------------------------------------------------------


def calibration_invited(session: CalibrationSession, by: User) -> list[MailMessage]:
    """To each invited rater but the one who made the session."""
    raters = db.session.scalars(
        select(User).where(User.id.in_([r.user_id for r in session.raters]), User.id != by.id)
    ).all()
    return to_each(
        raters,
        "calibration_invitation",
        lambda user: calibration_message(user, session, "calibration_invitation", by=by),
    )


def calibration_message(
    user: User, session: CalibrationSession, kind: str, once_key=None, by: User | None = None
) -> MailMessage:
    deadline = clock.local(session.deadline).strftime("%d %b %Y %H:%M")
    subject = (
        f"Calibration session: {session.title} (score it by {deadline})"
        if kind == "calibration_invitation"
        else f"Reminder: score “{session.title}” by {deadline}"
    )
    return message(
        user,
        kind,
        subject,
        f"/calibration/{session.id}",
        "calibration",
        once_key=once_key,
        session=session,
        checklist=session.checklist_version.title,
        deadline=deadline,
        by=by,
        reminder=kind == "calibration_reminder",
    )
