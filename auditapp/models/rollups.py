"""Totals kept beside the audits so that the insight pages count days and months, not
item rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.extensions import db


class _ItemCounts:
    checklist_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    critical: Mapped[bool]
    asked: Mapped[int]  # scored or N/A
    scored: Mapped[int]
    met: Mapped[int]
    na: Mapped[int]
    critical_failed: Mapped[int]


class ItemDayTotal(_ItemCounts, db.Model):
    """One item's counts over the submitted audits of one day, checklist and channel.

    Kept up to date on every submit and amendment (services/rollups.py), and rebuilt from
    the item rows, never edited by hand: a row can always be recomputed from audit_items.
    """

    __tablename__ = "item_day_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ItemMonthTotal(_ItemCounts, db.Model):
    """The same counts over a calendar month (`month` is its first day), summed from the
    day totals, so that the whole months of a period are read as one row per item."""

    __tablename__ = "item_month_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
