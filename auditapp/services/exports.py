"""CSV exports: one row per audit, or one row per item answer, streamed a chunk at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import aliased

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, ChecklistVersion, StaffMember, Team, User
from auditapp.services.audit_queries import AuditFilters, audits_query

CHUNK_ROWS = 2000

AUDIT_COLUMNS = (
    "audit_id",
    "observed_at",
    "submitted_at",
    "staff_member",
    "employee_code",
    "team",
    "supervisor",
    "checklist_id",
    "checklist_version",
    "checklist_fingerprint",
    "channel",
    "customer_type",
    "duration_minutes",
    "outcome",
    "monetary_value",
    "lead_captured",
    "overall",
    "band",
    "passed",
    "critical_failures",
    "revision",
    "amended_at",
    "notes",
)

ANSWER_COLUMNS = (
    "audit_id",
    "observed_at",
    "staff_member",
    "team",
    "supervisor",
    "checklist_id",
    "checklist_version",
    "section_id",
    "item_id",
    "kind",
    "critical",
    "answer",
    "status",
    "earned",
    "possible",
    "met",
    "critical_failed",
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = frozenset("=+-@\t\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; the rest as is."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


# Writes the CSV rows of one batch of the query's rows with a csv writer (and, for text
# already made CSV, the write of the file it writes to); returns how many it wrote.
WriteBatch = Callable[[Sequence[Row], Any, Callable[[str], int]], int]


class CsvExport:
    """CSV text chunks, header first, of one query's rows; `rows` counts the rows written.

    The query is streamed CHUNK_ROWS rows at a time, and `write_batch` writes each batch's
    CSV rows as one chunk."""

    def __init__(self, header: tuple[str, ...], statement: Select, write_batch: WriteBatch) -> None:
        self.header = header
        self.statement = statement
        self.write_batch = write_batch
        self.rows = 0

    def check(self) -> None:
        """Run the query for its first row, and drop it: the filters bind and the database
        answers. The web download calls this before logging itself, so that a query that
        fails leaves no "exported" entry for a file never made. (The rows themselves stream
        afterwards: holding a whole export back until it is complete would keep it all in
        memory.)"""
        db.session.connection().execute(self.statement.order_by(None).limit(1)).first()

    def __iter__(self) -> Iterator[str]:
        # Core rows straight from the connection: the ORM would wrap every row on its way.
        connection = db.session.connection()
        result = connection.execute(self.statement.execution_options(yield_per=CHUNK_ROWS))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        try:
            writer.writerow(self.header)
            yield buffer.getvalue()
            # A batch of rows at a time (fetchmany), rather than one call per row.
            for batch in result.partitions():
                buffer.seek(0)
                buffer.truncate()
                self.rows += self.write_batch(batch, writer, buffer.write)
                yield buffer.getvalue()
        finally:
            result.close()


def audit_rows(user: User | None, filters: AuditFilters) -> CsvExport:
    """The submitted audits `user` may see that match `filters`, one CSV row each."""
    people = staff, team, supervisor = _people()
    statement = _joined(
        select(
            Audit.id,
            Audit.observed_at,
            Audit.submitted_at,
            staff.name,
            staff.employee_code,
            team.name,
            supervisor.name,
            Audit.checklist_id,
            ChecklistVersion.version,
            ChecklistVersion.fingerprint,
            Audit.channel,
            Audit.customer_type,
            Audit.duration_minutes,
            Audit.outcome,
            Audit.monetary_value,
            Audit.lead_captured,
            Audit.overall,
            Audit.band,
            Audit.passed,
            Audit.critical_failures,
            Audit.revision,
            Audit.amended_at,
            Audit.notes,
        ).select_from(Audit),
        people,
        user,
        filters,
    ).order_by(Audit.observed_at.desc(), Audit.id.desc())
    return CsvExport(AUDIT_COLUMNS, statement, _write_audits)


def answer_rows(user: User | None, filters: AuditFilters) -> CsvExport:
    """Every item answer of the audits `audit_rows` exports, one CSV row per item."""
    people = staff, team, supervisor = _people()
    statement = _joined(
        select(
            Audit.id,
            Audit.observed_at,
            staff.name,
            team.name,
            supervisor.name,
            Audit.checklist_id,
            ChecklistVersion.version,
            AuditItem.section_id,
            AuditItem.item_id,
            AuditItem.kind,
            AuditItem.critical,
            AuditItem.answer,
            AuditItem.status,
            AuditItem.earned,
            AuditItem.possible,
            AuditItem.met,
            AuditItem.critical_failed,
        )
        .select_from(Audit)
        .join(AuditItem, AuditItem.audit_id == Audit.id),
        people,
        user,
        filters,
    ).order_by(Audit.observed_at.desc(), Audit.id.desc(), AuditItem.id)
    return CsvExport(ANSWER_COLUMNS, statement, _write_answers)


def _people():
    # Aliases, so that a subquery in the /audits conditions (the team filter selects from
    # staff_members) is not correlated with the tables joined here.
    return aliased(StaffMember), aliased(Team), aliased(User)


def _joined(statement: Select, people: tuple, user: User | None, filters: AuditFilters) -> Select:
    staff, team, supervisor = people
    # The very WHERE clause of the /audits list, so an export never shows more than the page;
    # drafts stay out of exports even for their author.
    return (
        statement.join(staff, staff.id == Audit.staff_member_id)
        .outerjoin(team, team.id == staff.team_id)
        .join(supervisor, supervisor.id == Audit.supervisor_id)
        .join(ChecklistVersion, ChecklistVersion.id == Audit.checklist_version_id)
        .where(audits_query(user, filters).whereclause, Audit.status == "submitted")
    )


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _write_audits(rows: Sequence[Row], writer, write_text) -> int:
    writer.writerows(_audit_tuples(rows))
    return len(rows)


def _audit_tuples(rows: Iterable) -> Iterator[tuple]:
    for (
        audit_id,
        observed_at,
        submitted_at,
        staff,
        code,
        team,
        supervisor,
        checklist_id,
        version,
        fingerprint,
        channel,
        customer_type,
        duration,
        outcome,
        money,
        lead,
        overall,
        band,
        passed,
        critical_failures,
        revision,
        amended_at,
        notes,
    ) in rows:
        yield (
            audit_id,
            _iso(observed_at),
            _iso(submitted_at),
            safe_cell(staff),
            safe_cell(code),
            safe_cell(team),
            safe_cell(supervisor),
            safe_cell(checklist_id),
            version,
            fingerprint[:12],
            safe_cell(channel),
            safe_cell(customer_type),
            duration,
            safe_cell(outcome),
            money,
            lead,
            overall,
            safe_cell(band),
            passed,
            safe_cell(";".join(critical_failures or ())),
            revision,
            _iso(amended_at),
            safe_cell(notes),
        )


HEAD = 7  # the audit's cells that lead each answer row: id, observed_at ... version


def _write_answers(rows: Sequence[Row], writer, write_text) -> int:
    """Rows come audit by audit. The audit's cells, the same in each of its rows, are made
    into CSV text once per audit: the csv module quotes each cell on its own, so that text
    is what writing them in every row would give. Each row is that text and its item's
    cells, written by the same writer."""
    write = writer.writerow
    head = io.StringIO()
    write_head = csv.writer(head).writerow
    last_id, text = None, ""
    for row in rows:
        audit_id = row[0]
        if audit_id != last_id:
            last_id = audit_id
            _, observed_at, staff, team, supervisor, checklist_id, version = row[:HEAD]
            head.seek(0)
            head.truncate()
            write_head(
                (
                    audit_id,
                    _iso(observed_at),
                    safe_cell(staff),
                    safe_cell(team),
                    safe_cell(supervisor),
                    safe_cell(checklist_id),
                    version,
                )
            )
            text = head.getvalue().removesuffix("\r\n") + ","
        write_text(text)
        # Inline rather than safe_cell(): this runs for every row of a large export.
        # Section and item ids are slugs ([a-z0-9-], starting with a letter or digit).
        answer = row[HEAD + 4]
        if answer and answer[0] in _FORMULA_START:
            write((*row[HEAD : HEAD + 4], "'" + answer, *row[HEAD + 5 :]))
        else:
            write(row[HEAD:])
    return len(rows)
