"""`auditapp --help` and every command's help: whole descriptions, every option explained."""

from __future__ import annotations

import click
from click.testing import CliRunner

from auditapp.cli import main


def test_the_top_level_help_lists_every_command_with_a_whole_description():
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    listed = result.output.split("Commands:", 1)[1]
    for name in main.commands:
        line = next(line for line in listed.splitlines() if line.split()[:1] == [name])
        assert line.rstrip().endswith("."), line  # a whole sentence, not cut with "..."


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_and_option_has_help_text():
    missing = [
        f"auditapp {' '.join(path)} {param.opts[0]}"
        for path, command in _commands(main)
        for param in command.params
        if isinstance(param, click.Option) and not param.help
    ]
    missing += [f"auditapp {' '.join(p)}" for p, c in _commands(main) if not c.help]
    assert not missing, missing
