"""Demo data: an organisation with people, teams and a year of realistic audits.

Enough audits (about 2,400, most on the three checklists a team uses most) that every
trainer's page shows real figures out of the box: heat-map cells with colour, trends,
strengths and weak spots (each team shares a few weak items, each person has their own).
Seeded randomness, so every installation gets the same demo. Loading twice adds nothing.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from auditapp import clock
from auditapp.checklists import NA, Checklist
from auditapp.extensions import db
from auditapp.models import Audit, StaffMember, User

from . import (
    audits,
    checklists,
    coaching,
    demo_calibration,
    demo_mail,
    demo_plans,
    event_log,
    people,
    rollups,
    users,
)

COACHING_ACTIONS = 4
COACHING_NOTES = (
    "Talked it through after the shift; watch for it on the next observation.",
    "Role-played the opening with a colleague; try it at the counter this week.",
    "Shared the checklist's 'what good looks like' for these items.",
    "Paired with a colleague who does this well for two shifts.",
)
PASSWORD = "auditapp-demo"  # demo logins only; printed by `auditapp demo`
ADMIN = "admin@example.com"
SUPERVISORS = [
    ("sam.supervisor@example.com", "Sam Okafor"),
    ("priya.supervisor@example.com", "Priya Shah"),
]
TRAINER = ("tess.trainer@example.com", "Tess Lindqvist")
TEAMS = {
    "Front desk": [
        "Ana Lopez",
        "Ben Carter",
        "Chloe Nguyen",
        "Dev Patel",
        "Elif Demir",
        "Femi Ade",
    ],
    "Contact centre": [
        "Grace Kim",
        "Hugo Martin",
        "Isla Brown",
        "Jonas Weber",
        "Kira Sato",
        "Liam Walsh",
    ],
}
STAFF_LOGINS = ["Ana Lopez", "Grace Kim", "Hugo Martin"]
LOGINS = (
    [(ADMIN, "admin")]
    + [(email, "supervisor") for email, _ in SUPERVISORS]
    + [(TRAINER[0], "trainer")]
    + [(f"{n.split()[0].lower()}@example.com", "staff") for n in STAFF_LOGINS]
)
AUDIT_COUNT = 2400
DAYS = 365
BATCH = 200  # audits per commit: one commit (and fsync) each would take minutes
# How often each checklist is used: a team scores some behaviours far more than others.
CHECKLIST_WEIGHTS = {
    "service-basics": 30,
    "listening-follow-up": 20,
    "every-transaction": 15,
    "angry-customer": 8,
}
OTHER_WEIGHT = 5


class DemoError(RuntimeError):
    pass


def outbox() -> str:
    """Where the demo's example emails are."""
    return str(demo_mail.mail.outbox_dir())


def load(now: datetime | None = None, count: int = AUDIT_COUNT) -> int:
    """Create the demo organisation; returns the number of audits added (0 if already there)."""
    if users.find_user_by_email(ADMIN) is not None:
        return 0
    if db.session.scalar(select(func.count(StaffMember.id))) or db.session.scalar(
        select(func.count(User.id))
    ):
        raise DemoError(
            "this database already has users or staff members of its own; the demo loads only "
            "into an empty database (set AUDITAPP_DATABASE_URL to a new one)"
        )
    rng = random.Random(20261123)
    now = (now or clock.local_now()).replace(second=0, microsecond=0)
    users.create_user(ADMIN, "Alex Admin", "admin", PASSWORD, commit=False)
    supervisors = [
        users.create_user(email, name, "supervisor", PASSWORD, commit=False)
        for email, name in SUPERVISORS
    ]
    users.create_user(TRAINER[0], TRAINER[1], "trainer", PASSWORD, commit=False)
    staff = [
        people.add_staff(name, team, f"E{100 + i}", by=None, commit=False)
        for i, (team, name) in enumerate((t, n) for t, names in TEAMS.items() for n in names)
    ]
    db.session.flush()
    for member in staff:  # on the staff since the first demo audit, a year ago
        member.created_at = clock.to_utc(now) - timedelta(days=DAYS + 1)
    for name in STAFF_LOGINS:
        member = next(s for s in staff if s.name == name)
        email = f"{name.split()[0].lower()}@example.com"
        users.create_user(email, name, "staff", PASSWORD, member.id, commit=False)
    event_log.commit()
    available = list(checklists.available().values())
    weights = [CHECKLIST_WEIGHTS.get(c.id, OTHER_WEIGHT) for c in available]
    team_weak = {team: _weak_items(rng, available, 3) for team in TEAMS}
    profiles = {s.id: _profile(rng, available, team_weak[s.team.name]) for s in staff}
    for n in range(count):
        member = rng.choice(staff)
        checklist = rng.choices(available, weights)[0]
        day = now - timedelta(days=DAYS * (1 - n / count))
        when = day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
        progress = n / count  # 0 a year ago, 1 today: some people improve over it
        _add_audit(
            rng, rng.choice(supervisors), member, checklist, when, profiles[member.id], progress
        )
        if (n + 1) % BATCH == 0:
            event_log.commit()
    # The totals once for the whole load, in the transaction of its last audits.
    rollups.rebuild_all(db.session)
    event_log.commit()
    _add_drafts(rng, supervisors[0], staff, available, now)
    trainer = users.find_user_by_email(TRAINER[0])
    _add_coaching(rng, trainer, staff, now)
    demo_calibration.add(trainer, supervisors[0], supervisors[1], now)
    demo_plans.add(trainer, now)
    demo_mail.add(now)  # after the plans: the digest lists their shortfalls
    return count


def _add_coaching(rng, trainer: User, staff: list[StaffMember], now: datetime) -> None:
    """A trainer's coaching actions from the latest audits that missed something: some due
    soon, one already overdue, so the coaching page and staff pages show them."""
    today = now.date()
    recorded = 0
    for member in rng.sample(staff, len(staff)):
        latest = db.session.scalars(
            select(Audit)
            .where(Audit.staff_member_id == member.id, Audit.status == "submitted")
            .order_by(Audit.observed_at.desc())
            .limit(1)
        ).first()
        missed = coaching.missed_in(latest) if latest is not None else []
        if not missed:
            continue
        overdue = recorded == 0  # its follow-up date has passed
        coaching.record(
            trainer=trainer,
            staff=member,
            target=coaching.Target(audits.checklist_of(latest), tuple(missed[:2])),
            note=rng.choice(COACHING_NOTES),
            follow_up_on=today - timedelta(days=5) if overdue else today + timedelta(days=7),
            audit=latest,
            today=today - timedelta(days=14) if overdue else today,
        )
        recorded += 1
        if recorded == COACHING_ACTIONS:
            return


def _weak_items(rng: random.Random, available: list[Checklist], count: int) -> set[str]:
    """A few items of each checklist that someone tends to miss."""
    return {
        item.id
        for c in available
        for item in rng.sample([i for _, i in c.iter_items()], min(count, c.item_count))
        if item.kind == "do"
    }


def _profile(rng: random.Random, available: list[Checklist], team_weak: set[str]) -> dict:
    """How good a person is: a base level, a trend over the year, and weak items (some the
    whole team shares, which is what the heat map and item tables bring out)."""
    return {
        "base": rng.uniform(0.6, 0.93),
        "trend": rng.choice([0.0, 0.0, 0.15, 0.25, -0.1]),  # some improve, one or two slip
        "weak": set(rng.sample(sorted(team_weak), min(4, len(team_weak))))
        | _weak_items(rng, available, 1),
    }


def _answer(rng: random.Random, checklist: Checklist, item, skill: float, channel: str) -> str:
    if not item.applies_to(channel):
        return NA
    if item.allow_na and rng.random() < 0.12:
        return NA
    options = sorted(checklist.scale_for(item), key=lambda o: o.points)
    good = rng.random() < skill
    if item.kind == "dont":
        good = good or rng.random() < 0.5  # don'ts are seen less often than do's are missed
        return options[0].value if good else options[-1].value
    if len(options) == 2:
        return options[-1].value if good else options[0].value
    position = min(len(options) - 1, max(0, round(skill * (len(options) - 1) + rng.gauss(0, 0.8))))
    return options[position].value


def _interaction(rng: random.Random, checklist: Checklist, when: datetime) -> audits.Interaction:
    channel = rng.choice(checklist.channels or ("in_person", "phone"))
    outcome = rng.choice(
        [
            "resolved",
            "resolved",
            "resolved",
            "sale",
            "escalated",
            "unresolved",
            "referral_asked",
            "information",
        ]
    )
    return audits.Interaction(
        channel=channel,
        observed_at=when,
        customer_type=rng.choices(["first_time", "repeat", "advocate"], [5, 4, 1])[0],
        duration_minutes=rng.randint(2, 25),
        outcome=outcome,
        monetary_value=Decimal(rng.randint(20, 900)) if outcome == "sale" else None,
        lead_captured=rng.random() < 0.3,
        notes=rng.choice(
            [
                "",
                "",
                "Busy period at the counter.",
                "Customer was in a hurry.",
                "Good recovery after a slow start.",
            ]
        ),
    )


def _add_audit(rng, supervisor: User, staff, checklist: Checklist, when, profile, progress):
    interaction = _interaction(rng, checklist, when)
    answers, comments = {}, {}
    for _, item in checklist.iter_items():
        skill = (
            profile["base"]
            + profile["trend"] * progress
            - (0.35 if item.id in profile["weak"] else 0)
        )
        answers[item.id] = _answer(
            rng, checklist, item, min(0.98, max(0.05, skill)), interaction.channel
        )
        if item.id in profile["weak"] and rng.random() < 0.3:
            comments[item.id] = "Talked this through after the interaction."
    # No flush per audit: the batch's commit then inserts its rows many at a time. Nothing
    # here needs to see an earlier audit of the batch (each token is new).
    with db.session.no_autoflush:
        audit, _ = audits.start(
            supervisor=supervisor,
            staff=staff,
            checklist=checklist,
            token=secrets.token_urlsafe(16),
            interaction=interaction,
            entry=audits.Answers.clean(answers, comments),
            submit=True,
            bulk=True,
        )
    # Entered shortly after the observation, as a supervisor would, not all today.
    # `when` is wall time, as a supervisor types it; the recorded moments are UTC.
    entered = clock.to_utc(when + timedelta(minutes=rng.randint(5, 90)))
    entered = min(entered, clock.utcnow())
    audit.created_at = audit.updated_at = audit.submitted_at = entered
    for event in audit.events:
        event.created_at = entered


def _add_drafts(rng, supervisor: User, staff: list[StaffMember], available, now: datetime) -> None:
    for member in rng.sample(staff, 2):
        checklist = rng.choice(available)
        interaction = _interaction(rng, checklist, now - timedelta(hours=2))
        answers = {
            item.id: _answer(rng, checklist, item, 0.8, interaction.channel)
            for item in checklist.sections[0].items
        }
        audits.start(
            supervisor=supervisor,
            staff=member,
            checklist=checklist,
            token=secrets.token_urlsafe(16),
            interaction=interaction,
            entry=audits.Answers.clean(answers, {}),
            submit=False,
        )
