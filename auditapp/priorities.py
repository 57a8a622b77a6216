""" "Three things to coach next": the items a group misses most beyond the rest of the
organisation (or a staff member beyond the rest of their team).

Pure: the database counts, per item, how often it was scored and missed in the group and
in the rest, and how many people in the group missed it; this module ranks.

    weight = gap × miss rate × people missing

- gap: the group's miss rate minus the rest's, in points (how far below the others);
- miss rate: the group's miss rate as a fraction (how often it happens at all);
- people missing: how many people in the group missed it at least once (one person's
  habit is a conversation, the same miss across a team is a training session).

Only items the group missed more often than the rest, on at least MIN_AUDITS_TO_JUDGE
scored audits, are ranked. With no rest to compare with (the whole organisation), the
gap is the miss rate itself. Ties: more people, then the item id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditapp.stats import enough_to_judge

TOP = 3


@dataclass(frozen=True)
class ItemMisses:
    """One item's counts in the group (and in the rest of the organisation or team)."""

    checklist_id: str
    item_id: str
    scored: int
    missed: int
    people_missing: int
    rest_scored: int = 0
    rest_missed: int = 0


@dataclass(frozen=True)
class Priority:
    checklist_id: str
    item_id: str
    miss_rate: float  # percent, the group's
    rest_rate: float | None  # percent, the rest's; None when there is no rest
    gap: float  # points
    people_missing: int
    scored: int
    missed: int
    weight: float
    text: str = ""
    good: str = ""  # the item's anchor: what good looks like


def priority(counts: ItemMisses) -> Priority | None:
    """The item's place in the ranking, or None when it is not worth ranking (too few
    scored audits, never missed, or missed no more often than by the rest)."""
    if not enough_to_judge(counts.scored) or counts.missed == 0:
        return None
    rate = 100 * counts.missed / counts.scored
    rest = 100 * counts.rest_missed / counts.rest_scored if counts.rest_scored else None
    gap = rate - (rest or 0.0)
    if gap <= 0:
        return None
    weight = gap * (rate / 100) * counts.people_missing
    return Priority(
        counts.checklist_id,
        counts.item_id,
        rate,
        rest,
        gap,
        counts.people_missing,
        counts.scored,
        counts.missed,
        weight,
    )


def rank(items: Iterable[ItemMisses], limit: int = TOP) -> list[Priority]:
    """The `limit` items with the largest weight, largest first."""
    ranked = [p for p in map(priority, items) if p is not None]
    ranked.sort(key=lambda p: (-p.weight, -p.people_missing, p.checklist_id, p.item_id))
    return ranked[:limit]


def good_anchor(item: dict) -> str:
    """What good looks like for a stored checklist item: the anchor of its best answer
    ('no' for a don't, 'yes', else the highest rating)."""
    anchors = {str(k): v for k, v in (item.get("anchors") or {}).items()}
    if item.get("kind") == "dont":
        return anchors.get("no", "")
    if "yes" in anchors:
        return anchors["yes"]
    numeric = sorted((int(k), v) for k, v in anchors.items() if k.isdigit())
    return numeric[-1][1] if numeric else ""
