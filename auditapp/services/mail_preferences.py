"""Which kinds of email each user receives: their own choice per kind where they made one,
else the organisation's default that an admin sets, else yes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import MailDefault, MailPreference, User
from auditapp.models.mail import KINDS

from . import event_log


class PreferenceError(ValueError):
    """A kind that is not one the user can receive (a forged form)."""


def kinds_for(role: str) -> list[str]:
    """The kinds a role can receive, in the order the pages show them."""
    return [kind for kind, about in KINDS.items() if role in about.roles]


def defaults() -> dict[str, bool]:
    """Every kind with the organisation's default."""
    stored = dict(db.session.execute(select(MailDefault.kind, MailDefault.enabled)).all())
    return {kind: stored.get(kind, True) for kind in KINDS}


def choices_of(user: User) -> dict[str, bool]:
    """The kinds `user` can receive, each with whether they receive it."""
    own = dict(
        db.session.execute(
            select(MailPreference.kind, MailPreference.enabled).where(
                MailPreference.user_id == user.id
            )
        ).all()
    )
    default = defaults()
    return {kind: own.get(kind, default[kind]) for kind in kinds_for(user.role)}


def wanting(users: Iterable[User], kind: str) -> list[User]:
    """Those of `users` (active, of a role the kind is for) who receive `kind`: two queries
    however many they are."""
    users = [u for u in users if u.active and u.role in KINDS[kind].roles]
    if not users:
        return []
    own = dict(
        db.session.execute(
            select(MailPreference.user_id, MailPreference.enabled).where(
                MailPreference.kind == kind, MailPreference.user_id.in_([u.id for u in users])
            )
        ).all()
    )
    default = defaults()[kind]
    return [u for u in users if own.get(u.id, default)]


def set_own(user: User, enabled: Iterable[str]) -> dict[str, bool]:
    """Store `user`'s choices: the kinds in `enabled` on, their other kinds off."""
    choices = _choices(kinds_for(user.role), enabled)
    before = choices_of(user)
    for kind, on in choices.items():
        db.session.merge(MailPreference(user_id=user.id, kind=kind, enabled=on))
    changed = {k: [before[k], on] for k, on in choices.items() if before[k] != on}
    event_log.record("mail_preferences_changed", user, user, changes=changed)
    event_log.commit()
    return choices


def set_defaults(by: User, enabled: Iterable[str]) -> dict[str, bool]:
    """Store the organisation's defaults: the kinds in `enabled` on, the others off. Users
    who chose for themselves keep their choice."""
    choices = _choices(list(KINDS), enabled)
    before = defaults()
    for kind, on in choices.items():
        db.session.merge(MailDefault(kind=kind, enabled=on))
    changed = {k: [before[k], on] for k, on in choices.items() if before[k] != on}
    event_log.record("mail_defaults_changed", by, "email defaults", changes=changed)
    event_log.commit()
    return choices


def _choices(allowed: list[str], enabled: Iterable[str]) -> dict[str, bool]:
    enabled = set(enabled)
    unknown = enabled - set(allowed)
    if unknown:
        raise PreferenceError(f"Not a kind of email you can choose: {', '.join(sorted(unknown))}.")
    return {kind: kind in enabled for kind in allowed}
