"""`auditapp export audits|answers`: the CSV downloads of /audits, from a terminal."""

from __future__ import annotations

from pathlib import Path

import click

from .app import app_context
from .filters import build_filters, filter_options, write_atomically


@click.group()
def export() -> None:
    """Write audits or their item answers to CSV files (submitted audits only)."""


@export.command("audits")
@filter_options
def export_audits(output: Path, **filters) -> None:
    """One row per submitted audit."""
    _export("audit_rows", "audits", output, **filters)


@export.command("answers")
@filter_options
def export_answers(output: Path, **filters) -> None:
    """One row per item answer of each submitted audit."""
    _export("answer_rows", "item answers", output, **filters)


def _export(rows_of: str, what: str, output: Path, **options) -> None:
    from auditapp.services import event_log, exports

    with app_context():
        filters, _ = build_filters(**options)
        chunks = getattr(exports, rows_of)(None, filters)
        write_atomically(output, chunks)
        subject = f"{what.split()[-1]} CSV"
        event_log.record_now("exported", None, subject, filters=filters, rows=chunks.rows)
    note = "" if chunks.rows else " (no submitted audits match these filters)"
    click.echo(f"Wrote {chunks.rows} {what} to {output}{note}.")
