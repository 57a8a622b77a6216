"""`auditapp report ...`: print audits and blank checklists to PDF files from a terminal."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click

from .app import app_context
from .filters import build_filters, fail, filter_options, write_atomically


@click.group()
def report() -> None:
    """Print PDF reports."""


@report.command("audits")
@filter_options
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=None, help="Processes (default: cores)."
)
@click.option("--fresh", is_flag=True, help="Render every audit anew instead of using the cache.")
def report_audits(output: Path, jobs: int | None, fresh: bool, **options) -> None:
    """Print any number of submitted audits into one PDF, a cover page first."""
    from auditapp.extensions import db
    from auditapp.services import event_log, reports
    from auditapp.services.audit_queries import all_of, audits_query

    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    with app_context():
        filters, described = build_filters(**options)
        audits = all_of(audits_query(None, filters))
        if not audits:
            fail("no submitted audits match these filters; nothing was written")
        ids = [a.id for a in audits]
        db.session.remove()
        db.engine.dispose()  # the worker processes open their own connections
        # The cover is one more piece of work for the pool, not a wait before it starts.
        parts = _render_all([("cover", ids, described), *ids], jobs, fresh)
        write_atomically(output, [reports.merge(parts)])
        event_log.record_now("printed", None, "audits PDF", filters=filters, audits=len(ids))
    seconds = time.perf_counter() - started
    click.echo(f"Wrote {len(ids)} audits to {output} in {seconds:.1f} s ({jobs} processes).")


@report.command("blank")
@click.argument("checklist_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The PDF file to write.",
)
def report_blank(checklist_id: str, output: Path) -> None:
    """Print the blank paper version of a checklist."""
    from auditapp.services import checklists, reports

    with app_context(need_schema=False):
        checklist = checklists.available().get(checklist_id)
        if checklist is None:
            known = ", ".join(checklists.available()) or "none"
            fail(f"no valid checklist {checklist_id!r}; checklists: {known}")
        write_atomically(output, [reports.blank_pdf(checklist)])
    click.echo(f"Wrote the blank {checklist_id} checklist to {output}.")


def _render_all(ids: list[int], jobs: int, fresh: bool) -> list[bytes]:
    """Each audit's PDF, in order, rendered by `jobs` processes with a progress bar."""
    if jobs == 1:  # in this process, inside the app context it already has
        _worker["fresh"] = fresh
        with click.progressbar(ids, label="Rendering audits") as bar:
            return [_render_one(audit_id) for audit_id in bar]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init_worker, initargs=(fresh,)
    ) as pool:
        results = pool.map(_render_one, ids, chunksize=max(1, min(8, len(ids) // (jobs * 4))))
        with click.progressbar(results, length=len(ids), label="Rendering audits") as bar:
            return list(bar)


_worker: dict = {}


def _init_worker(fresh: bool) -> None:
    from auditapp import create_app

    app = create_app()
    app.app_context().push()
    _worker.update(app=app, fresh=fresh)


def _render_one(task) -> bytes:
    """One audit's PDF (task: its id), or the cover page (task: ("cover", ids, filters))."""
    from auditapp.extensions import db
    from auditapp.services import reports

    try:
        if isinstance(task, tuple):
            _, ids, described = task
            by_id = {a.id: a for a in reports.load_audits(ids)}
            return reports.cover_pdf([by_id[i] for i in ids], described)
        return reports.audit_pdf(reports.load_audit(task), use_cache=not _worker["fresh"])
    finally:
        db.session.remove()
