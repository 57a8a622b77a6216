"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app

from auditapp.checklists import CHANNEL_LABELS
from auditapp.services.audits import CUSTOMER_TYPES, OUTCOMES


def pct(value: float | None) -> str:
    """A percentage with one decimal, or an em dash when there is no score."""
    return "—" if value is None else f"{value:.1f}%"


def when(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "—"
    return value.strftime("%d %b %Y %H:%M" if with_time else "%d %b %Y")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(pct=pct, when=when)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "organisation": current_app.config["ORGANISATION_NAME"],
            "CHANNEL_LABELS": CHANNEL_LABELS,
            "CUSTOMER_TYPES": CUSTOMER_TYPES,
            "OUTCOMES": OUTCOMES,
        }
