"""The audit filters shared by `auditapp report audits` and `auditapp export ...`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import click


def filter_options(command: Callable) -> Callable:
    """--staff, --team, --checklist, --from, --to, --result and -o/--output."""
    for option in reversed(
        (
            click.option("--staff", help="Staff member's name or employee code."),
            click.option("--team", help="Team name."),
            click.option("--checklist", "checklist_id", help="Checklist id."),
            click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First day."),
            click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last day."),
            click.option("--result", type=click.Choice(["passed", "failed"]), help="Result."),
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                required=True,
                help="The file to write.",
            ),
        )
    ):
        command = option(command)
    return command


def build_filters(staff, team, checklist_id, date_from, date_to, result):
    """(AuditFilters, the filters in words) from the options; a bad value exits clearly."""
    from auditapp.services import people
    from auditapp.services.audit_queries import AuditFilters

    first, last = _day(date_from, "--from"), _day(date_to, "--to")
    if first and last and last < first:
        fail("--to is before --from")
    member = found = None
    words = []
    if staff:
        member = people.find_staff(staff) or fail(f"no staff member named or coded {staff!r}")
        words.append(f"Staff member: {member.name}")
    if team:
        found = people.team_named(team) or fail(f"no team named {team!r}")
        words.append(f"Team: {found.name}")
    if checklist_id:
        words.append(f"Checklist: {checklist_id}")
    if result:
        words.append(f"Result: {result}")
    if first:
        words.append(f"from {first:%d %b %Y}")
    if last:
        words.append(f"to {last:%d %b %Y}")
    filters = AuditFilters(
        staff_id=member.id if member else None,
        team_id=found.id if found else None,
        checklist_id=checklist_id or None,
        date_from=first,
        date_to=last,
        result=result,
    )
    return filters, "; ".join(words)


def _day(text: str | None, option: str) -> date | None:
    """The date an option names, within the app's window of dates (as the web filters)."""
    from auditapp.validators import FIRST_DAY, LAST_DAY, in_date_window

    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, say 2026-11-02")
    if not in_date_window(day):
        fail(
            f"{option} {text!r} is outside the dates this app keeps; "
            f"give one from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
        )
    return day


def fail(message: str):
    raise click.ClickException(message)


def write_atomically(path: Path, chunks: Iterable[bytes | str]) -> None:
    """All the chunks into `path`, or nothing: a temporary file renamed when complete."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        fail(f"cannot write {path}: {exc.strerror}")
    except BaseException:
        os.unlink(tmp)
        raise
