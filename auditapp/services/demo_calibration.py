"""Demo calibration sessions: written accounts of interactions from the source documents'
situations, scored by the demo's trainer and two supervisors, with realistic disagreement:
Sam scores leniently, and nobody agrees on "relaxed manner", whose scale has no anchors."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from auditapp import clock
from auditapp.checklists import NA, Checklist
from auditapp.models import User

from . import audits, calibration_answers, calibration_sessions, checklists

CHECKLIST = "service-basics"
VAGUE_ITEM = "relaxed-manner"  # its 1-5 scale has no anchors: everyone reads it differently
VAGUE = {"expert": "3", "lenient": "5", "strict": "1"}

# (title, channel, account, reference, days ago, answers where the expert differs from
#  full marks, what becomes of the session)
SESSIONS = [
    (
        "Counter: a customer collecting a repair",
        "in_person",
        "A customer comes to the counter to collect a repaired kettle. The clerk finishes "
        "typing before looking up, then says “Yes?”. She finds the ticket quickly, counts "
        "the change twice and hands it over, and asks whether the kettle was for the office "
        "or home. As the customer leaves she says “Thanks for coming in”, not looking up.",
        "expert",
        40,
        {"greeting-genuine": "2", "smiled": "sometimes", "thanked-customer": "no"},
        "closed",
    ),
    (
        "Phone: a customer chasing a late delivery",
        "phone",
        "The caller's order is three days late. The agent answers by name, lets the caller "
        "explain without interrupting, repeats the order number back and says what she CAN "
        "do: a courier tomorrow morning. She types the new address wrong and has to correct "
        "it while the caller waits. She thanks the caller for their patience at the end.",
        "consensus",
        20,
        {"data-entry-accurate": "no", "tasks-efficient": "no", "greeting-genuine": "4"},
        "closed",
    ),
    (
        "Counter: a first-time buyer asking about the warranty",
        "in_person",
        "A first-time buyer asks what the warranty covers. The clerk greets him warmly, "
        "smiles often, and offers to print the terms. He answers a second question with "
        "“it's all in the leaflet” and turns to the next customer while the buyer is still "
        "reading. He does not thank him.",
        "expert",
        6,
        {"open-to-conversation": "no", "thanked-customer": "no", "tasks-efficient": "no"},
        "review",
    ),
]


def add(trainer: User, lenient: User, strict: User, now: datetime) -> int:
    """Add the demo's sessions; returns how many. Sam (`lenient`) marks generously."""
    checklist = checklists.available().get(CHECKLIST)
    if checklist is None:
        return 0
    raters = {"expert": trainer, "lenient": lenient, "strict": strict}
    for title, channel, account, reference, days, expert, fate in SESSIONS:
        session = calibration_sessions.create(
            trainer,
            calibration_sessions.NewSession(
                title=title,
                checklist=checklist,
                channel=channel,
                material_kind="text",
                material_text=account,
                rater_ids=tuple(u.id for u in raters.values()),
                reference_mode=reference,
                expert_id=trainer.id if reference == "expert" else None,
                deadline=now + timedelta(days=2),
            ),
        )
        # Made days ago, as the accounts were: stored with the raters' first answers.
        session.created_at = clock.to_utc(now - timedelta(days=days))
        truth = _full_marks(checklist, channel) | expert
        interaction = audits.Interaction(channel=channel, observed_at=now - timedelta(days=days))
        for who, user in raters.items():
            answers = dict(truth)
            if who == "lenient":
                answers = _lenient(checklist, answers)
            if VAGUE_ITEM in answers:
                answers[VAGUE_ITEM] = VAGUE[who]
            calibration_answers.save_answers(
                session,
                user,
                token=secrets.token_urlsafe(16),
                interaction=interaction,
                entry=audits.Answers.clean(answers, {}),
                submit=True,
            )
        if reference == "consensus":
            agreed = {**truth, VAGUE_ITEM: "3"}
            calibration_answers.record_consensus(
                session,
                trainer,
                token=secrets.token_urlsafe(16),
                interaction=interaction,
                entry=audits.Answers.clean(agreed, {}),
            )
        if fate == "closed":
            calibration_sessions.close(session, trainer)
    return len(SESSIONS)


def _full_marks(checklist: Checklist, channel: str) -> dict[str, str]:
    answers = {}
    for _, item in checklist.iter_items():
        options = sorted(checklist.scale_for(item), key=lambda o: o.points)
        if not item.applies_to(channel):
            answers[item.id] = NA
        else:
            answers[item.id] = (options[0] if item.kind == "dont" else options[-1]).value
    return answers


def _lenient(checklist: Checklist, answers: dict[str, str]) -> dict[str, str]:
    """One step kinder on every item the expert marked down."""
    kinder = {}
    for _, item in checklist.iter_items():
        value = answers[item.id]
        options = [o.value for o in sorted(checklist.scale_for(item), key=lambda o: o.points)]
        if value in options and item.kind == "do":
            value = options[min(len(options) - 1, options.index(value) + 1)]
        kinder[item.id] = value
    return kinder
