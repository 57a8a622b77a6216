"""The `auditapp` console script: one group, with commands in a module per area."""

from __future__ import annotations

import click

from .app import demo, init, serve
from .backup import backup, restore
from .checklists import checklists
from .exports import export
from .log import log
from .people import staff
from .reports import report
from .users import users
from .worker import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """auditapp: score observed customer interactions against checklists of behaviours."""


# The one-line descriptions `auditapp --help` lists: click would cut each command's own
# first sentence at the terminal's width with "...".
SUMMARIES = {
    "init": "Create or upgrade the database.",
    "serve": "Run the app (waitress; gunicorn with --workers).",
    "demo": "Load demo data (running it again adds nothing).",
    "checklists": "Validate, list and show the checklist files.",
    "users": "Add users, set passwords, deactivate logins.",
    "staff": "Add staff members or import a roster.",
    "report": "Print audits or a blank checklist as PDF.",
    "export": "Write audits or their answers to CSV.",
    "backup": "Copy the database while the app runs.",
    "restore": "Put a backup back into the database.",
    "log": "Verify or show the event log.",
    "worker": "Run background tasks (PDF batches, exports, email).",
}

for command in (
    init,
    serve,
    demo,
    checklists,
    users,
    staff,
    report,
    export,
    backup,
    restore,
    log,
    worker,
):
    command.short_help = SUMMARIES[command.name]
    main.add_command(command)
