"""`auditapp checklists ...`: validate, list and show checklist files."""

from __future__ import annotations

from pathlib import Path

import click

from auditapp.checklists import (
    Checklist,
    Problem,
    default_checklists_dir,
)
from auditapp.checklists.errors import display_path
from auditapp.checklists.loader import checklist_files, load_each


@click.group()
def checklists() -> None:
    """Check and inspect the checklist files (folder: AUDITAPP_CHECKLISTS_DIR or checklists/)."""


def _load_all(paths: tuple[str, ...]) -> tuple[list[Checklist], list[Problem], int]:
    """Checklists from files and folders (default: the configured folder), plus problems."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in [Path(p) for p in paths] or [default_checklists_dir()]:
        if path.is_dir():
            files += checklist_files(path)
        elif path.exists() or paths:
            files.append(path)
        else:
            problems.append(Problem(display_path(path), 1, 1, "", "checklists folder not found"))
    loaded, more_problems = load_each(files)
    return list(loaded.values()), problems + more_problems, len(files)


@checklists.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check checklist files; report every problem as file:line:column: message."""
    _loaded, problems, count = _load_all(paths)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        bad = len({p.file for p in problems})
        s = "" if len(problems) == 1 else "s"
        where = f"{bad} of {count} files" if count else "the checklists folder"
        click.echo(f"Found {len(problems)} problem{s} in {where}.", err=True)
        raise SystemExit(1)
    if count == 0:
        click.echo("No checklist files found.", err=True)
        raise SystemExit(1)
    click.echo(f"All {count} checklist files are valid.")


@checklists.command("list")
def list_() -> None:
    """List the checklists: id, version, title and number of items."""
    loaded, problems, _ = _load_all(())
    if loaded:
        width = max(len(c.id) for c in loaded)
        click.echo(f"{'ID':<{width}}  VERSION  ITEMS  TITLE")
        for c in sorted(loaded, key=lambda c: c.id):
            click.echo(f"{c.id:<{width}}  {c.version:>7}  {c.item_count:>5}  {c.title}")
    elif not problems:
        click.echo(
            "No checklists yet: add a YAML file to the checklists folder (docs/checklists.md)."
        )
    _report_broken(problems)


@checklists.command()
@click.argument("checklist_id")
def show(checklist_id: str) -> None:
    """Show one checklist's sections and items as a tree."""
    loaded, problems, _ = _load_all(())
    found = {c.id: c for c in loaded}
    if checklist_id not in found:
        known = ", ".join(sorted(found)) or "none"
        _report_broken(problems)
        raise click.ClickException(f"no valid checklist '{checklist_id}'; checklists: {known}")
    click.echo(render_tree(found[checklist_id]))


def _report_broken(problems: list[Problem]) -> None:
    if problems:
        files = sorted({p.file for p in problems})
        click.echo(
            f"Skipped {len(files)} invalid file(s): {', '.join(files)} "
            "(run 'auditapp checklists validate' for details).",
            err=True,
        )
        raise SystemExit(1)


def render_tree(checklist: Checklist) -> str:
    """A checklist as readable text: header, then each section with its items."""
    lines = [
        f"{checklist.title} ({checklist.id}, version {checklist.version}, "
        f"fingerprint {checklist.short_fingerprint})",
        f"Pass mark {checklist.pass_mark:g}%"
        + (f"; channels: {', '.join(checklist.channels)}" if checklist.channels else ""),
    ]
    if checklist.bands:
        lines.append("Bands: " + ", ".join(f"{b.label} from {b.min:g}%" for b in checklist.bands))
    for source in checklist.source:
        lines.append(
            f"Source: {source.document}" + (f' "{source.passage}"' if source.passage else "")
        )
    for section in checklist.sections:
        lines += ["", f"{section.title} [{section.id}] weight {section.weight:g}"]
        for index, item in enumerate(section.items):
            last = index == len(section.items) - 1
            branch, stem = ("└─", "   ") if last else ("├─", "│  ")
            mark = "DON'T" if item.kind == "dont" else "DO"
            lines.append(f"{branch} {mark}: {item.text} [{item.id}]")
            answers = "/".join(o.value for o in checklist.scale_for(item))
            facts = [f"{item.scale} ({answers})", f"weight {item.weight:g}"]
            facts += ["CRITICAL"] if item.critical else []
            facts += ["N/A allowed"] if item.allow_na else ["always answered"]
            facts += [f"only {', '.join(item.channels)}"] if item.channels else []
            lines.append(f"{stem}  " + " · ".join(facts))
    return "\n".join(lines)
