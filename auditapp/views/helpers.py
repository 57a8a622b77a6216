"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, g

from auditapp import clock, colour_scale
from auditapp.checklists import CHANNEL_LABELS
from auditapp.services.checklists import available, newest_versions
from auditapp.vocabulary import CUSTOMER_TYPES, OUTCOMES


def pct(value: float | None) -> str:
    """A percentage with one decimal, or an em dash when there is no score."""
    return "—" if value is None else f"{value:.1f}%"


def when(value: datetime | None, with_time: bool = True) -> str:
    """A recorded moment (stored as UTC) in the organisation's time zone."""
    return wall(None if value is None else clock.local(value), with_time)


def wall(value: datetime | None, with_time: bool = True) -> str:
    """Wall time as typed (when an interaction was observed): shown as it is."""
    if value is None:
        return "—"
    return value.strftime("%d %b %Y %H:%M" if with_time else "%d %b %Y")


def _known_checklist(checklist_id: str) -> tuple[str, dict[str, str]] | None:
    """(title, item texts by id) of a checklist: the file's, else its newest stored version
    (a checklist whose file was removed still has audits and coaching actions)."""
    checklist = available().get(checklist_id)
    if checklist is not None:
        return checklist.title, {item.id: item.text for _, item in checklist.iter_items()}
    known = g.setdefault("stored_checklists", {})  # one query per page and checklist at most
    if checklist_id not in known:
        stored = newest_versions({checklist_id}).get(checklist_id)
        known[checklist_id] = stored and (
            stored.title,
            {i["id"]: i["text"] for s in stored.content["sections"] for i in s["items"]},
        )
    return known[checklist_id]


def checklist_title(checklist_id: str) -> str:
    """A checklist's title for people to read (its id only if nothing else is known)."""
    checklist = available().get(checklist_id)
    if checklist is not None:  # without listing its items, as _known_checklist does
        return checklist.title
    known = _known_checklist(checklist_id)
    return known[0] if known else checklist_id


def item_text(item_id: str, checklist_id: str) -> str:
    """An item's wording for people to read (its id only if nothing else is known)."""
    known = _known_checklist(checklist_id)
    return known[1].get(item_id, item_id) if known else item_id


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(
        pct=pct,
        when=when,
        wall=wall,
        checklist_title=checklist_title,
        item_text=item_text,
        heat_step=colour_scale.step,
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "organisation": current_app.config["ORGANISATION_NAME"],
            "time_zone": str(clock.zone()),
            "CHANNEL_LABELS": CHANNEL_LABELS,
            "CUSTOMER_TYPES": CUSTOMER_TYPES,
            "OUTCOMES": OUTCOMES,
        }
