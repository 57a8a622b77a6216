"""Which audits a user may see, and the filtered, paginated list of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from auditapp.extensions import db
from auditapp.models import Audit, StaffMember, User
from auditapp.models._time import utcnow
from auditapp.models.calibration import CalibrationAnswer, CalibrationRater, CalibrationSession


@dataclass(frozen=True)
class AuditFilters:
    staff_id: int | None = None
    team_id: int | None = None
    checklist_id: str | None = None
    supervisor_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    result: str | None = None  # "passed" or "failed"
    status: str | None = None  # "draft" or "submitted"


def visible_to(user: User | None):
    """SQL condition for the audits `user` may read (None: the command line, which prints
    submitted audits only).

    Staff members see only their own submitted audits. Drafts are private to the supervisor
    who is writing them: other supervisors, trainers and admins see submitted audits only.
    """
    submitted = Audit.status == "submitted"
    if user is None:
        return submitted
    if user.role == "staff":
        return and_(submitted, Audit.staff_member_id == user.staff_member_id)
    unblinding = Audit.form_token.not_in(blind_tokens(user))
    if user.role == "supervisor":
        mine = and_(Audit.status == "draft", Audit.supervisor_id == user.id)
        return or_(and_(submitted, unblinding), mine)
    return and_(submitted, unblinding)


def blind_tokens(user: User) -> Select:
    """The form tokens of audits `user` may not see yet: the lead rater's audit of a live
    calibration session, while `user` is another of its raters who has not submitted and
    the session is open (it would show them the lead's answers)."""
    submitted = select(CalibrationAnswer.session_id).where(
        CalibrationAnswer.user_id == user.id,
        CalibrationAnswer.kind == "rater",
        CalibrationAnswer.status == "submitted",
    )
    return (
        select(CalibrationAnswer.form_token)
        .join(CalibrationSession, CalibrationSession.id == CalibrationAnswer.session_id)
        .join(
            CalibrationRater,
            and_(
                CalibrationRater.session_id == CalibrationSession.id,
                CalibrationRater.user_id == user.id,
            ),
        )
        .where(
            CalibrationSession.material_kind == "live",
            CalibrationSession.status == "open",
            CalibrationSession.deadline > utcnow(),
            CalibrationAnswer.user_id == CalibrationSession.lead_rater_id,
            CalibrationAnswer.user_id != user.id,
            CalibrationSession.id.not_in(submitted),
        )
    )


def can_view(user: User, audit: Audit) -> bool:
    if audit.status == "draft":
        return user.role == "supervisor" and audit.supervisor_id == user.id
    if user.role == "staff":
        return audit.staff_member_id == user.staff_member_id
    hidden = db.session.scalar(
        select(func.count()).select_from(
            blind_tokens(user).where(CalibrationAnswer.form_token == audit.form_token).subquery()
        )
    )
    return not hidden


def can_edit_draft(user: User, audit: Audit) -> bool:
    return audit.status == "draft" and user.role == "supervisor" and audit.supervisor_id == user.id


def can_amend(user: User, audit: Audit) -> bool:
    """Any supervisor may amend a submitted audit (the one who scored it may have left)."""
    return audit.status == "submitted" and user.role == "supervisor"


def audits_query(user: User | None, filters: AuditFilters) -> Select:
    """Audits visible to `user` matching `filters`, newest observation first."""
    query = (
        select(Audit)
        .options(joinedload(Audit.staff_member).joinedload(StaffMember.team))
        .options(joinedload(Audit.supervisor), joinedload(Audit.checklist_version))
        .where(visible_to(user))
    )
    if filters.staff_id:
        query = query.where(Audit.staff_member_id == filters.staff_id)
    if filters.team_id:
        query = query.where(
            Audit.staff_member_id.in_(
                select(StaffMember.id).where(StaffMember.team_id == filters.team_id)
            )
        )
    if filters.checklist_id:
        query = query.where(Audit.checklist_id == filters.checklist_id)
    if filters.supervisor_id:
        query = query.where(Audit.supervisor_id == filters.supervisor_id)
    if filters.date_from:
        query = query.where(Audit.observed_at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        query = query.where(Audit.observed_at < end)
    if filters.result in ("passed", "failed"):
        query = query.where(Audit.passed.is_(filters.result == "passed"))
    if filters.status in ("draft", "submitted"):
        query = query.where(Audit.status == filters.status)
    return query.order_by(Audit.observed_at.desc(), Audit.id.desc())


def list_audits(user: User, filters: AuditFilters, page: int, per_page: int):
    """One page of audits; 404 for a page number that does not exist."""
    return db.paginate(audits_query(user, filters), page=page, per_page=per_page, max_per_page=100)


def drafts_of(user: User) -> list[Audit]:
    """The supervisor's own unfinished drafts, newest first."""
    return list(
        db.session.execute(
            select(Audit)
            .options(joinedload(Audit.staff_member))
            .where(Audit.status == "draft", Audit.supervisor_id == user.id)
            .order_by(Audit.updated_at.desc())
            .limit(20)
        ).scalars()
    )


def recent_submitted(user: User, limit: int = 8) -> list[Audit]:
    """The newest submitted audits the user may see."""
    query = audits_query(user, AuditFilters(status="submitted")).limit(limit)
    return list(db.session.execute(query).scalars())


def headline_counts() -> dict[str, int]:
    """Active staff members and submitted audits, for the start page."""
    return {
        "staff": db.session.scalar(select(func.count(StaffMember.id)).where(StaffMember.active)),
        "audits": db.session.scalar(
            select(func.count(Audit.id)).where(Audit.status == "submitted")
        ),
    }


def count_of(query: Select) -> int:
    """How many audits `query` (from audits_query) finds."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def ids_of(query: Select) -> list[int]:
    """The ids of the audits `query` (from audits_query) finds, in its order."""
    ids = query.with_only_columns(Audit.id, maintain_column_froms=True)
    return list(db.session.scalars(ids))


def all_of(query: Select) -> list[Audit]:
    """Every audit `query` (from audits_query) finds, with what it loads eagerly."""
    return list(db.session.execute(query).unique().scalars())
