"""PDF reports: one audit (cached once submitted), batches with a cover page, blank checklists."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from flask import current_app, render_template
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from auditapp import PROJECT_ROOT, clock, queue
from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.models import Audit, StaffMember
from auditapp.pdf import StaticOnlyFetcher, page_size, render_pdf

from . import audit_history
from .results import result_view

# The templates a report is made from: a change to any of them makes new cache entries.
REPORT_TEMPLATES = ("pdf/*", "audits/_*.html", "_macros.html")


@cache
def _templates_digest() -> str:
    digest = hashlib.sha256()
    folder = PROJECT_ROOT / "templates"
    for pattern in REPORT_TEMPLATES:
        for path in sorted(folder.glob(pattern)):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def printable_html(template: str, **context) -> str:
    """A print template as HTML, with the paper size and the time it was printed."""
    context.setdefault("paper", page_size(current_app.config["PAPER_SIZE"]))
    context.setdefault("printed_at", clock.local_now().strftime("%d %b %Y %H:%M"))
    # Needs only the app: the CLI and workers render with no request. A printed page has
    # no links into the app (`printing` tells the partials shared with the web pages).
    return render_template(template, printing=True, **context)


# Everything a report shows about an audit, loaded with it in a few queries.
REPORT_LOADS = (
    joinedload(Audit.staff_member).joinedload(StaffMember.team),
    joinedload(Audit.supervisor),
    joinedload(Audit.checklist_version),
)


def load_audit(audit_id: int) -> Audit | None:
    """An audit with everything its report shows."""
    return db.session.execute(
        select(Audit).where(Audit.id == audit_id).options(*REPORT_LOADS)
    ).scalar_one_or_none()


def load_audits(ids: Sequence[int]) -> list[Audit]:
    """These audits with everything their reports show, in one round of queries."""
    query = select(Audit).where(Audit.id.in_(ids)).options(*REPORT_LOADS)
    return list(db.session.execute(query).unique().scalars())


def cache_path(audit: Audit) -> Path | None:
    """Where a submitted audit's PDF is kept; None for drafts, which change."""
    if audit.status != "submitted":
        return None
    folder = Path(current_app.instance_path) / "cache" / "pdf"
    paper = page_size(current_app.config["PAPER_SIZE"]).lower()
    # The last-change time too, so that a restored or rebuilt database whose ids start
    # again can never be served another audit's cached report.
    stamp = f"{audit.updated_at:%Y%m%d%H%M%S%f}"
    name = f"audit-{audit.id}-r{audit.revision}-{stamp}-{paper}-{_templates_digest()}.pdf"
    return folder / name


def audit_html(audit: Audit) -> str:
    """The HTML WeasyPrint lays out as the audit's report."""
    return printable_html(
        "pdf/audit.html",
        audit=audit,
        view=result_view(audit),
        history=audit_history.latest(audit.id),
        labels=audit_history.field_labels(audit),
    )


def audit_pdf(
    audit: Audit, fetcher: StaticOnlyFetcher | None = None, *, use_cache: bool = True
) -> bytes:
    """The audit's report. Submitted audits change only by amendment (a new revision), so
    each revision is rendered once and served from the cache after that."""
    path = cache_path(audit)
    if path is not None and use_cache and fetcher is None and path.exists():
        return path.read_bytes()
    pdf = render_pdf(audit_html(audit), fetcher)
    if path is not None:
        _write_atomically(path, pdf)
    return pdf


@queue.task()
def render_in_background(audit_id: int) -> None:
    """Render a submitted audit's report into the cache (enqueued when it is submitted or
    amended), so that opening it is reading a file."""
    audit = load_audit(audit_id)
    if audit is not None and audit.status == "submitted":
        audit_pdf(audit)


def _write_atomically(path: Path, data: bytes) -> None:
    # A half-written file must never be served: write beside it, then rename over it.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def cover_pdf(audits: Sequence[Audit], filters_text: str = "") -> bytes:
    return render_pdf(
        printable_html("pdf/batch_cover.html", audits=audits, filters_text=filters_text)
    )


def merge(parts: Iterable[bytes]) -> bytes:
    """One PDF of the given PDFs in order; each keeps its own page numbering."""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf(checklist: Checklist) -> bytes:
    """The paper version of a checklist, in the order of the scoring form."""
    return render_pdf(printable_html("pdf/blank.html", checklist=checklist))
