"""A staff member's progress report as a PDF, for a review meeting."""

from __future__ import annotations

from auditapp.models import StaffMember
from auditapp.pdf import render_pdf

from .glance_staff import staff_glance
from .progress import Period, staff_progress
from .reports import printable_html


def progress_pdf(staff: StaffMember, period: Period) -> bytes:
    """A first page of pictures (glance_staff), then the same per-checklist blocks and
    charts as the progress page."""
    report = staff_progress(staff, period)
    glance = staff_glance(staff, report)
    return render_pdf(printable_html("pdf/staff_report.html", report=report, glance=glance))
