"""Teams and staff members: creating, changing and importing them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import StaffMember, Team
from auditapp.validators import bad_character


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


def team_named(name: str, *, create: bool = False) -> Team | None:
    """The team with this name (case-insensitive); created when asked and missing."""
    _check_text(name, "team name", "name")
    name = " ".join(name.split())
    team = db.session.execute(
        select(Team).where(func.lower(Team.name) == name.lower())
    ).scalar_one_or_none()
    if team is None and create:
        if not name:
            raise PeopleError("A team needs a name.", "name")
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def create_team(name: str) -> Team:
    if team_named(name):
        raise PeopleError(f"A team called '{name.strip()}' already exists.", "name")
    team = team_named(name, create=True)
    db.session.commit()
    return team


def rename_team(team: Team, name: str) -> None:
    other = team_named(name)
    if other is not None and other.id != team.id:
        raise PeopleError(f"A team called '{name.strip()}' already exists.", "name")
    team.name = " ".join(name.split())
    db.session.commit()


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
    code = (code or "").strip() or None
    if code is None:
        return None
    other = db.session.execute(
        select(StaffMember).where(StaffMember.employee_code == code)
    ).scalar_one_or_none()
    if other is not None and other.id != staff_id:
        raise PeopleError(f"The employee code {code} is already used by {other.name}.", "code")
    return code


def add_staff(name: str, team: str | None, code: str | None = None, *, commit: bool = True):
    """Add a staff member to a team (created if new)."""
    _check_text(name, "name", "name")
    _check_text(code, "employee code", "code")
    name = " ".join(name.split())
    if not name:
        raise PeopleError("A staff member needs a name.", "name")
    staff = StaffMember(
        name=name,
        employee_code=_check_code(code),
        team=team_named(team, create=True) if team and team.strip() else None,
    )
    db.session.add(staff)
    if commit:
        db.session.commit()
    return staff


def update_staff(
    staff: StaffMember, name: str, team_id: int | None, code: str | None, active: bool
):
    name = " ".join(name.split())
    if not name:
        raise PeopleError("A staff member needs a name.", "name")
    staff.employee_code = _check_code(code, staff.id)
    staff.name = name
    staff.team_id = team_id
    staff.active = active
    db.session.commit()


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


ROSTER_COLUMNS = ("name", "team", "code")


def import_roster(text: str) -> list[StaffMember]:
    """Add every staff member of a CSV roster (header: name, team, code), or none of them.

    Raises RosterError listing every bad row by its line number in the file.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header:
        raise RosterError(
            [RowError(1, "the header row must have a 'name' column (columns: name, team, code)")]
        )
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        raise RosterError(
            [RowError(1, f"unknown column(s) {', '.join(unknown)}; columns: name, team, code")]
        )
    reader.fieldnames = header
    errors: list[RowError] = []
    rows: list[tuple[int, dict[str, str]]] = []
    codes: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(RowError(line, "more values than columns in the header"))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        for column, value in values.items():
            if reason := bad_character(value):
                errors.append(RowError(line, f"the {column} {reason}"))
        if not values.get("name"):
            errors.append(RowError(line, "the name is empty"))
        code = values.get("code") or ""
        if code:
            if code in codes:
                errors.append(RowError(line, f"employee code {code} repeats line {codes[code]}"))
            codes.setdefault(code, line)
            try:
                _check_code(code)
            except PeopleError as exc:
                errors.append(RowError(line, str(exc)))
        rows.append((line, values))
    if errors:
        raise RosterError(errors)
    if not rows:
        raise RosterError([RowError(1, "the file has no staff members after the header")])
    try:
        added = [add_staff(v["name"], v.get("team"), v.get("code"), commit=False) for _, v in rows]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return added


class RosterError(ValueError):
    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
