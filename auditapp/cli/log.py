"""`auditapp log verify|show`: check the event log's hash chain, read its newest entries."""

from __future__ import annotations

import json

import click

from .app import app_context


@click.group()
def log() -> None:
    """The event log of who did what and when."""


@log.command("verify")
def log_verify() -> None:
    """Check every entry's hash and link; exit 1 naming the first entry that was altered."""
    from auditapp.services import event_log

    with app_context():
        broken = event_log.verify()
        total = event_log.count()
    if broken is None:
        click.echo(f"Event log intact: {total} entr{'y' if total == 1 else 'ies'}.")
        return
    click.echo(
        f"Event log altered at entry #{broken.id} ({broken.at:%Y-%m-%d %H:%M:%S} UTC, "
        f"{broken.action}): {broken.problem}."
    )
    raise SystemExit(1)


@log.command("show")
@click.option(
    "--last",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="How many of the newest entries to show.",
)
def log_show(last: int) -> None:
    """Print the newest entries, oldest of them first."""
    from auditapp.services import event_log

    with app_context():
        for entry in event_log.newest(last):
            details = json.dumps(entry.details, ensure_ascii=False) if entry.details else ""
            click.echo(
                f"#{entry.id}  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.action}  "
                f"{entry.subject}  {details}".rstrip()
            )
