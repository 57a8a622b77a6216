"""Teams and staff members: creating, changing and importing them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import StaffMember, Team, User
from auditapp.validators import bad_character

from . import event_log

# The most characters each can hold: the lengths of the columns they are stored in, so that
# the web forms, the CSV roster, the CLI and any later caller refuse the same text.
NAME_MAX = StaffMember.__table__.c.name.type.length
TEAM_NAME_MAX = Team.__table__.c.name.type.length
CODE_MAX = StaffMember.__table__.c.employee_code.type.length


class PeopleError(ValueError):
    """Input that cannot be saved; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _check_text(value: str | None, what: str, field: str | None) -> None:
    # The forms refuse these too; this covers the CLI (and PostgreSQL refuses NUL outright).
    reason = bad_character(value or "")
    if reason:
        raise PeopleError(f"The {what} {reason}.", field)


def _too_long(text: str, limit: int) -> str | None:
    # Counted on the text as stored (spaces collapsed), in characters as the column counts.
    return f"is longer than {limit} characters" if len(text) > limit else None


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _clean(value: str | None, what: str, field: str, limit: int) -> str:
    """A name as stored: whitespace collapsed; PeopleError if a character or its length is
    refused."""
    _check_text(value, what, field)
    text = _one_line(value)
    if reason := _too_long(text, limit):
        raise PeopleError(f"The {what} {reason}.", field)
    return text


def team_named(
    name: str, *, create: bool = False, field: str = "name", by: User | None = None
) -> Team | None:
    """The team with this name (case-insensitive); created (by `by`) when asked and missing."""
    name = _clean(name, "team name", field, TEAM_NAME_MAX)
    team = db.session.execute(
        select(Team).where(func.lower(Team.name) == name.lower())
    ).scalar_one_or_none()
    if team is None and create:
        if not name:
            raise PeopleError("A team needs a name.", "name")
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
        event_log.record("team_created", by, team, name=name)
    return team


def create_team(name: str, *, by: User | None) -> Team:
    """A new team; PeopleError if the name is taken or cannot be stored."""
    if team_named(name):
        raise PeopleError(f"A team called '{name.strip()}' already exists.", "name")
    team = team_named(name, create=True, by=by)
    event_log.commit()
    return team


def rename_team(team: Team, name: str, *, by: User | None) -> None:
    """Give a team a new name, unless another team has it."""
    other = team_named(name)
    if other is not None and other.id != team.id:
        raise PeopleError(f"A team called '{name.strip()}' already exists.", "name")
    old, team.name = team.name, _one_line(name)
    if team.name == old:
        return
    event_log.record("team_renamed", by, team, changes={"name": [old, team.name]})
    event_log.commit()


def active_staff_member(staff_id: int) -> StaffMember | None:
    """The staff member with this id if they can be observed, else None."""
    staff = db.session.get(StaffMember, staff_id)
    return staff if staff is not None and staff.active else None


def find_staff(name_or_code: str) -> StaffMember | None:
    """The staff member with this employee code, else the only one with this name."""
    text = name_or_code.strip()
    by_code = db.session.execute(
        select(StaffMember).where(StaffMember.employee_code == text)
    ).scalar_one_or_none()
    if by_code is not None:
        return by_code
    found = (
        db.session.execute(select(StaffMember).where(func.lower(StaffMember.name) == text.lower()))
        .scalars()
        .all()
    )
    return found[0] if len(found) == 1 else None


def _check_code(code: str | None, staff_id: int | None = None) -> str | None:
    _check_text(code, "employee code", "code")
    code = (code or "").strip() or None
    if code is None:
        return None
    if reason := _too_long(code, CODE_MAX):
        raise PeopleError(f"The employee code {reason}.", "code")
    other = db.session.execute(
        select(StaffMember).where(StaffMember.employee_code == code)
    ).scalar_one_or_none()
    if other is not None and other.id != staff_id:
        raise PeopleError(f"The employee code {code} is already used by {other.name}.", "code")
    return code


def add_staff(
    name: str, team: str | None, code: str | None = None, *, by: User | None, commit: bool = True
):
    """Add a staff member to a team (created if new); `by` is who adds them."""
    name = _clean(name, "name", "name", NAME_MAX)
    if not name:
        raise PeopleError("A staff member needs a name.", "name")
    staff = StaffMember(
        name=name,
        employee_code=_check_code(code),
        # The web form picks the team from a list (team_id); the CLI and roster name it.
        team=(
            team_named(team, create=True, field="team_id", by=by) if team and team.strip() else None
        ),
    )
    db.session.add(staff)
    db.session.flush()  # the id the log entry names
    event_log.record(
        "staff_added", by, staff, name=name, team=staff.team.name if staff.team else None
    )
    if commit:
        event_log.commit()
    return staff


def update_staff(
    staff: StaffMember,
    name: str,
    team_id: int | None,
    code: str | None,
    active: bool,
    *,
    by: User | None,
):
    """Change a staff member's name, team, employee code and active flag."""
    name = _clean(name, "name", "name", NAME_MAX)
    if not name:
        raise PeopleError("A staff member needs a name.", "name")
    new = {"name": name, "employee_code": _check_code(code, staff.id), "team_id": team_id}
    new["active"] = active
    changes = {
        field: [getattr(staff, field), value]
        for field, value in new.items()
        if getattr(staff, field) != value
    }
    if not changes:
        return
    old_team = staff.team.name if staff.team else None
    for field, (_, value) in changes.items():
        setattr(staff, field, value)
    if "team_id" in changes:  # logged by name: ids mean nothing to the reader
        del changes["team_id"]
        team = db.session.get(Team, team_id) if team_id is not None else None
        changes["team"] = [old_team, team.name if team else None]
    event_log.record("staff_changed", by, staff, changes=changes)
    event_log.commit()


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


# The roster's columns and the most characters each may hold.
ROSTER_LIMITS = {"name": NAME_MAX, "team": TEAM_NAME_MAX, "code": CODE_MAX}
ROSTER_COLUMNS = tuple(ROSTER_LIMITS)
BOM = "\ufeff"  # Excel's "CSV UTF-8" starts with one


def import_roster(text: str, *, by: User | None) -> list[StaffMember]:
    """Add every staff member of a CSV roster (header: name, team, code), or none of them.

    Raises RosterError listing every bad row by its line number in the file.
    """
    # newline="": line breaks as the csv module expects them, so a file with bare CR line
    # ends or a quoted line break reads like any other.
    reader = csv.DictReader(io.StringIO(text.removeprefix(BOM), newline=""))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise RosterError([_unreadable(reader, exc)]) from None
    if "name" not in header:
        raise RosterError(
            [RowError(1, "the header row must have a 'name' column (columns: name, team, code)")]
        )
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        raise RosterError(
            [RowError(1, f"unknown column(s) {_listed(unknown)}; columns: name, team, code")]
        )
    reader.fieldnames = header
    errors: list[RowError] = []
    rows: list[tuple[int, dict[str, str]]] = []
    codes: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                errors.append(RowError(line, "more values than columns in the header"))
                continue
            values = {k: (v or "").strip() for k, v in row.items()}
            if not any(values.values()):
                continue
            errors.extend(RowError(line, m) for m in _row_problems(values))
            code = values.get("code") or ""
            if code and not (bad_character(code) or _too_long(code, CODE_MAX)):  # else above
                if code in codes:
                    errors.append(
                        RowError(line, f"employee code {code} repeats line {codes[code]}")
                    )
                codes.setdefault(code, line)
                try:
                    _check_code(code)
                except PeopleError as exc:
                    errors.append(RowError(line, str(exc)))
            rows.append((line, values))
    except csv.Error as exc:
        errors.append(_unreadable(reader, exc))
    if errors:
        raise RosterError(errors)
    if not rows:
        raise RosterError([RowError(1, "the file has no staff members after the header")])
    try:
        added = [
            add_staff(v["name"], v.get("team"), v.get("code"), by=by, commit=False) for _, v in rows
        ]
        event_log.commit()
    except Exception:
        event_log.rollback()
        raise
    return added


def _listed(names: list[str]) -> str:
    # A header cell can be as long as the file: echo only the start of each.
    return ", ".join(n if len(n) <= 40 else n[:40] + "…" for n in names)


def _row_problems(values: dict[str, str]) -> list[str]:
    """What is wrong with one roster row's values, each as "the <column> ..."."""
    problems = []
    for column, value in values.items():
        stored = value if column == "code" else _one_line(value)  # as add_staff stores it
        if reason := bad_character(value) or _too_long(stored, ROSTER_LIMITS[column]):
            problems.append(f"the {column} {reason}")
    if not values.get("name"):
        problems.append("the name is empty")
    return problems


def _unreadable(reader: csv.DictReader, exc: csv.Error) -> RowError:
    # The csv module gives up on a value past its field_size_limit (131,072 characters) or a
    # malformed line; what follows it cannot be split into rows reliably, so reading stops.
    # reader.reader: DictReader's own line_num still names the last row read.
    line = max(reader.reader.line_num, 1)
    if "field larger than field limit" in str(exc):
        longest = max(ROSTER_LIMITS.values())
        problem = f"a value is far longer than the {longest} characters a name or team may have"
    else:
        problem = f"this line cannot be read as CSV ({exc})"
    return RowError(line, f"{problem}; the lines after it were not read")


class RosterError(ValueError):
    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
