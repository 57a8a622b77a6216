"""`auditapp export audits|answers`: the CSV downloads of /audits, from a terminal."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import click

from .app import app_context


@click.group()
def export() -> None:
    """Write audits or their item answers to CSV files (submitted audits only)."""


def _filter_options(command):
    """The filters of `auditapp report audits`, plus --result, and the output file."""
    for option in reversed(
        (
            click.option("--staff", help="Staff member's name or employee code."),
            click.option("--team", help="Team name."),
            click.option("--checklist", "checklist_id", help="Checklist id."),
            click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First day."),
            click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last day."),
            click.option("--result", type=click.Choice(["passed", "failed"]), help="Result."),
            click.option(
                "-o", "--output", type=click.Path(path_type=Path), required=True, help="CSV file."
            ),
        )
    ):
        command = option(command)
    return command


@export.command("audits")
@_filter_options
def export_audits(output: Path, **filters) -> None:
    """One row per submitted audit."""
    _export("audit_rows", "audits", output, **filters)


@export.command("answers")
@_filter_options
def export_answers(output: Path, **filters) -> None:
    """One row per item answer of each submitted audit."""
    _export("answer_rows", "item answers", output, **filters)


def _export(rows_of: str, what: str, output: Path, **options) -> None:
    from auditapp.services import exports

    with app_context():
        chunks = getattr(exports, rows_of)(None, _filters(**options))
        _write(output, chunks)
    note = "" if chunks.rows else " (no submitted audits match these filters)"
    click.echo(f"Wrote {chunks.rows} {what} to {output}{note}.")


def _filters(staff, team, checklist_id, date_from, date_to, result):
    from auditapp.services import people
    from auditapp.services.audit_queries import AuditFilters

    first, last = _day(date_from, "--from"), _day(date_to, "--to")
    if first and last and last < first:
        _fail("--to is before --from")
    member = found = None
    if staff:
        member = people.find_staff(staff) or _fail(f"no staff member named or coded {staff!r}")
    if team:
        found = people.team_named(team) or _fail(f"no team named {team!r}")
    return AuditFilters(
        staff_id=member.id if member else None,
        team_id=found.id if found else None,
        checklist_id=checklist_id or None,
        date_from=first,
        date_to=last,
        result=result,
    )


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, say 2026-11-02")


def _fail(message: str):
    raise click.ClickException(message)


def _write(path: Path, chunks) -> None:
    """All the chunks into `path`, or nothing: a temporary file renamed when complete."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        _fail(f"cannot write {path}: {exc.strerror}")
    except BaseException:
        os.unlink(tmp)
        raise
