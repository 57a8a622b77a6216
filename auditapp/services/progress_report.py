"""A staff member's progress report as a PDF, for a review meeting."""

from __future__ import annotations

from auditapp.pdf import render_pdf

from .progress import StaffProgress
from .reports import printable_html


def progress_pdf(report: StaffProgress) -> bytes:
    """The same per-checklist blocks and charts as the progress page, on paper."""
    return render_pdf(printable_html("pdf/staff_report.html", report=report))
