"""Event log entries in words for people: names and titles, never ids or raw JSON.

The log stores ids (a name may change; the entry's hash may not), so the page looks them up
when it shows a page of entries: one query per kind of record for the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import CoachingAction, LogEntry, StaffMember, Team, User
from auditapp.models.jobs import KINDS as JOB_KINDS
from auditapp.models.mail import KINDS as MAIL_KINDS
from auditapp.models.people import ROLE_LABELS

from .checklists import available, newest_versions

DETAIL_LABELS = {
    "staff_member": "Staff member",
    "checklist": "Checklist",
    "filters": "Filters",
    "period": "Period",
    "email": "Email",
    "role": "Role",
    "old": "From",
    "new": "To",
    "logins_ended": "Logins ended",
    "passed": "Passed",
    "revision": "Revision",
    "changed": "Changed",
    "changes": "Changes",
    "follow_up_on": "Follow-up on",
    "rows": "Rows",
    "audits": "Audits",
    "raters": "Raters",
    "reference": "Reference",
    "material": "Material",
    "audit": "Audit",
    "because": "Because",
    "team": "Team",
    "per_period": "Audits",
    "spread": "Shared among supervisors",
    "items": "Items",
    "met": "Met",
    "section": "Section",
    "size": "Size",
    "kind": "Kind",
}
# What a job or an email is, in the words of the pages that list them.
KIND_WORDS = {**JOB_KINDS, **{kind: k.label for kind, k in MAIL_KINDS.items()}}
ITEM_KEYS = {"items", "met"}  # lists of item ids of the entry's checklist
FILTER_LABELS = {
    "staff_id": "staff member",
    "team_id": "team",
    "checklist_id": "checklist",
    "supervisor_id": "supervisor",
    "date_from": "from",
    "date_to": "to",
    "start": "from",
    "end": "to",
    "result": "result",
    "status": "status",
    "channel": "channel",
}
ROLE_KEYS = {"role", "old", "new"}


@dataclass(frozen=True)
class EntryInWords:
    entry: LogEntry
    subject: str
    audit_id: int | None  # the audit the subject names, to link to
    details: list[tuple[str, str]]


def in_words(entries: list[LogEntry]) -> list[EntryInWords]:
    """`entries` with their subjects and details in words."""
    names = _Names(entries)
    return [
        EntryInWords(
            entry,
            *names.subject(entry.subject),
            names.details(entry.details or {}, names.checklist_of(entry)),
        )
        for entry in entries
    ]


class _Names:
    """The names of every record a page of entries mentions, looked up once."""

    def __init__(self, entries: list[LogEntry]) -> None:
        staff, teams, users, checklists = set(), set(), set(), set()
        for entry in entries:
            kind, _, number = entry.subject.rpartition(" ")
            if number.isdigit():
                kinds = {"staff report": staff, "staff member": staff, "team report": teams}
                kinds.update({"team": teams, "user": users})
                kinds.get(kind, set()).add(int(number))
            details = entry.details or {}
            if isinstance(details.get("staff_member"), int):
                staff.add(details["staff_member"])
            if isinstance(details.get("team"), int):
                teams.add(details["team"])
            if isinstance(details.get("checklist"), str):
                checklists.add(details["checklist"])
            for value in details.values():
                if isinstance(value, dict):
                    staff.update(_ids(value.get("staff_id")))
                    teams.update(_ids(value.get("team_id")))
                    users.update(_ids(value.get("supervisor_id")))
                    if isinstance(value.get("checklist_id"), str):
                        checklists.add(value["checklist_id"])
        # A coaching action's closing names the items it met, not their checklist.
        actions = {n for n in map(_coaching_action, entries) if n is not None}
        self.action_checklists = _lookup(CoachingAction.id, CoachingAction.checklist_id, actions)
        checklists.update(self.action_checklists.values())
        self.staff = _lookup(StaffMember.id, StaffMember.name, staff)
        self.teams = _lookup(Team.id, Team.name, teams)
        self.users = _lookup(User.id, User.name, users)
        current = available()
        stored = newest_versions(checklists - set(current))
        self.checklists = {c: current[c].title for c in checklists if c in current}
        self.checklists.update({c: v.title for c, v in stored.items()})
        # (checklist, item or section id) -> its wording, from the file, else the newest
        # stored version (a checklist whose file was removed).
        self.wording: dict[tuple[str, str], str] = {}
        for cid in checklists & set(current):
            for section, item in current[cid].iter_items():
                self.wording[(cid, section.id)] = section.title
                self.wording[(cid, item.id)] = item.text
        for cid, version in stored.items():
            for section in version.content["sections"]:
                self.wording[(cid, section["id"])] = section["title"]
                for item in section["items"]:
                    self.wording[(cid, item["id"])] = item["text"]

    def checklist_of(self, entry: LogEntry) -> str | None:
        """The checklist whose items and sections the entry's details name."""
        details = entry.details or {}
        if isinstance(details.get("checklist"), str):
            return details["checklist"]
        action = _coaching_action(entry)
        return None if action is None else self.action_checklists.get(action)

    def subject(self, subject: str) -> tuple[str, int | None]:
        kind, _, number = subject.rpartition(" ")
        if not number.isdigit():
            return subject, None
        n = int(number)
        if kind == "audit":
            return f"Audit #{n}", n
        if kind == "calibration session":
            return f"Calibration session #{n}", None
        if kind == "observation plan":
            return f"Observation plan #{n}", None
        known = {"staff report": self.staff, "team report": self.teams, "user": self.users}
        known.update({"staff member": self.staff, "team": self.teams})
        if kind in known:
            return f"{kind.capitalize()}: {known[kind].get(n, f'#{n} (removed)')}", None
        return subject, None

    def details(self, details: dict[str, Any], checklist: str | None) -> list[tuple[str, str]]:
        words = []
        for key, value in details.items():
            if key == "section" and value is None:
                continue  # an action on items, not a section: the items say which
            label = DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())
            words.append((label, self.value(key, value, checklist)))
        return words

    def value(self, key: str, value: Any, checklist: str | None = None) -> str:
        if value is None:
            return "the whole team" if key == "staff_member" else "any"
        if key in ITEM_KEYS and isinstance(value, list) and checklist:
            return "; ".join(self.wording.get((checklist, v), str(v)) for v in value) or "nothing"
        if key == "section" and checklist:
            return self.wording.get((checklist, value), str(value))
        if key == "kind":
            return KIND_WORDS.get(value, str(value).replace("_", " "))
        if key == "size" and isinstance(value, int):
            return f"{max(1, round(value / 1024)):,} KB"
        if key == "staff_member":
            return self.staff.get(value, f"#{value} (removed)")
        if key == "checklist":
            return self.checklists.get(value, value)
        if key == "team" and isinstance(value, int):
            return self.teams.get(value, f"#{value} (removed)")
        if key == "changes" and isinstance(value, dict):
            return "; ".join(
                f"{field.replace('_', ' ')}: {self.shown(old)} → {self.shown(new)}"
                for field, (old, new) in value.items()
            )
        if key in ROLE_KEYS:
            return ROLE_LABELS.get(value, str(value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, dict):
            return self.filters(value)
        if isinstance(value, list):
            return ", ".join(str(v).replace("_", " ") for v in value) or "nothing"
        return str(value)

    @staticmethod
    def shown(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    def filters(self, filters: dict[str, Any]) -> str:
        if not filters:
            return "none (everything the person may see)"
        parts = []
        for key, value in filters.items():
            shown = {
                "staff_id": lambda v: self.staff.get(v, f"#{v}"),
                "team_id": lambda v: self.teams.get(v, f"#{v}"),
                "supervisor_id": lambda v: self.users.get(v, f"#{v}"),
                "checklist_id": lambda v: self.checklists.get(v, v),
            }.get(key, lambda v: str(v).replace("_", " "))(value)
            parts.append(f"{FILTER_LABELS.get(key, key.replace('_', ' '))} {shown}")
        return "; ".join(parts)


def _coaching_action(entry: LogEntry) -> int | None:
    """The id of the coaching action the entry is about, if it is about one."""
    kind, _, number = entry.subject.rpartition(" ")
    return int(number) if kind == "coaching action" and number.isdigit() else None


def _ids(value: Any) -> set[int]:
    return {value} if isinstance(value, int) and not isinstance(value, bool) else set()


def _lookup(id_column, name_column, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(ids))).all())
