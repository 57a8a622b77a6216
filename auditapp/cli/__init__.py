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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """auditapp: score observed customer interactions against checklists of behaviours."""


for command in (init, serve, demo, checklists, users, staff, report, export, backup, restore, log):
    main.add_command(command)
