"""The scoring engine: answers to a checklist in, percentages, band and pass/fail out.

Pure Python (no Flask, no database). Sums use exact fractions so that the order of items
or sections can never change a result, and a score exactly on the pass mark passes.
The rules are documented, with a worked example, in docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from auditapp.checklists import CHANNELS, NA, Checklist, Item

Status = Literal["scored", "na", "not_asked", "unanswered"]


class ScoringError(ValueError):
    """Answers that cannot be scored; `problems` maps each item id (or '') to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.problems.items()))


@dataclass(frozen=True)
class ItemResult:
    """How one item was answered and what it earned."""

    item_id: str
    section_id: str
    status: Status
    answer: str | None
    weight: float
    kind: str
    critical: bool
    possible: float
    earned: float | None = None
    fraction: float | None = None
    critical_failed: bool = False
    exact: Fraction | None = field(default=None, repr=False, compare=False)

    @property
    def met(self) -> bool | None:
        """True when the item earned full marks; None when it was not scored."""
        return None if self.fraction is None else self.fraction == 1


@dataclass(frozen=True)
class SectionResult:
    """A section's percentage (None when all its items are N/A) and its counts."""

    section_id: str
    weight: float
    percentage: float | None
    scored_count: int
    na_count: int


@dataclass(frozen=True)
class ScoreResult:
    """The outcome of scoring one audit."""

    overall: float | None
    band: str | None
    passed: bool | None
    pass_mark: float
    critical_failures: list[str]
    sections: dict[str, float | None]
    section_results: dict[str, SectionResult]
    items: dict[str, ItemResult]
    channel: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def answered_count(self) -> int:
        return self.counts.get("scored", 0) + self.counts.get("na", 0)

    @property
    def na_count(self) -> int:
        return self.counts.get("na", 0) + self.counts.get("not_asked", 0)

    @property
    def failure_reasons(self) -> list[str]:
        """Why the audit failed, in words: critical items first, then the pass mark."""
        reasons = [f"critical item '{item_id}' failed" for item_id in self.critical_failures]
        if self.overall is not None and self.overall < self.pass_mark:
            reasons.append(f"{self.overall:.1f}% is below the pass mark of {self.pass_mark:g}%")
        return reasons


def _exact(number: float) -> Fraction:
    # The decimal the author wrote (0.3), not the nearest binary float to it
    # (0.299999999999999988...): otherwise 80% could land a hair under a pass mark of 80.
    return Fraction(repr(float(number)))


def normalise_answer(answer: Any) -> str | None:
    """An answer as text ('4' for 4); None for no answer; 'na' in lower case."""
    if answer is None or isinstance(answer, bool):
        return None if answer is None else str(answer).lower()
    text = str(answer).strip()
    if not text:
        return None
    return NA if text.lower() == NA else text


def score(
    checklist: Checklist,
    answers: Mapping[str, Any],
    channel: str | None = None,
    *,
    allow_missing: bool = False,
) -> ScoreResult:
    """Score answers (item id -> answer) to a checklist for an audit on `channel`.

    Raises ScoringError naming every item with an answer that is not on its scale, an N/A
    where N/A is not allowed, an unknown item id, or (unless allow_missing) no answer.
    """
    problems = _check_channel(checklist, channel)
    problems.update(
        {key: "no such item on this checklist" for key in answers if key not in _ids(checklist)}
    )
    items: dict[str, ItemResult] = {}
    for section, item in checklist.iter_items():
        answer = normalise_answer(answers.get(item.id))
        result = _score_item(checklist, item, section.id, answer, channel)
        if isinstance(result, str):
            problems[item.id] = result
        elif result.status == "unanswered" and not allow_missing:
            problems[item.id] = "no answer given"
        else:
            items[item.id] = result
    if problems:
        raise ScoringError(problems)
    return _summarise(checklist, items, channel)


def _ids(checklist: Checklist) -> set[str]:
    return {item.id for _, item in checklist.iter_items()}


def _check_channel(checklist: Checklist, channel: str | None) -> dict[str, str]:
    if channel is None:
        return {}
    if channel not in CHANNELS:
        return {"": f"unknown channel '{channel}'; channels: {', '.join(CHANNELS)}"}
    if checklist.channels is not None and channel not in checklist.channels:
        return {"": f"checklist '{checklist.id}' is not used on the {channel} channel"}
    return {}


def _score_item(
    checklist: Checklist, item: Item, section_id: str, answer: str | None, channel: str | None
) -> ItemResult | str:
    """The item's result, or a message saying why the answer is not acceptable."""
    scale = checklist.scale_for(item)
    points = {option.value: option.points for option in scale}
    possible = max(points.values())
    base = dict(
        item_id=item.id,
        section_id=section_id,
        answer=answer,
        weight=item.weight,
        kind=item.kind,
        critical=item.critical,
        possible=possible,
    )
    if answer == NA and not item.allow_na and item.applies_to(channel):
        return "N/A is not allowed for this item"
    if answer is not None and answer != NA and answer not in points:
        return f"'{answer}' is not an answer on this item's scale ({', '.join(points)})"
    if not item.applies_to(channel):
        return ItemResult(**base, status="not_asked")
    if answer is None:
        return ItemResult(**base, status="unanswered")
    if answer == NA:
        return ItemResult(**base, status="na")
    fraction = _exact(points[answer]) / _exact(possible)
    if item.kind == "dont":
        fraction = 1 - fraction
    worst = max(points.values()) if item.kind == "dont" else min(points.values())
    return ItemResult(
        **base,
        status="scored",
        earned=float(fraction * _exact(possible)),
        fraction=float(fraction),
        exact=fraction,
        critical_failed=item.critical and points[answer] == worst,
    )


def _summarise(
    checklist: Checklist, items: dict[str, ItemResult], channel: str | None
) -> ScoreResult:
    section_results: dict[str, SectionResult] = {}
    exact: dict[str, Fraction] = {}
    for section in checklist.sections:
        scored = [items[i.id] for i in section.items if items[i.id].status == "scored"]
        total_weight = sum(_exact(r.weight) for r in scored)
        if scored:
            earned = sum(_exact(r.weight) * (r.exact or 0) for r in scored)
            exact[section.id] = 100 * earned / total_weight
        section_results[section.id] = SectionResult(
            section_id=section.id,
            weight=section.weight,
            percentage=float(exact[section.id]) if section.id in exact else None,
            scored_count=len(scored),
            na_count=len(section.items) - len(scored),
        )
    overall_exact = None
    if exact:
        weights = {s.id: _exact(s.weight) for s in checklist.sections if s.id in exact}
        overall_exact = sum(weights[k] * exact[k] for k in exact) / sum(weights.values())
    critical = [r.item_id for r in items.values() if r.critical_failed]
    counts: dict[str, int] = {}
    for r in items.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    return ScoreResult(
        overall=None if overall_exact is None else float(overall_exact),
        band=_band(checklist, overall_exact),
        passed=None
        if overall_exact is None
        else (not critical and overall_exact >= _exact(checklist.pass_mark)),
        pass_mark=checklist.pass_mark,
        critical_failures=critical,
        sections={k: r.percentage for k, r in section_results.items()},
        section_results=section_results,
        items=items,
        channel=channel,
        counts=counts,
    )


def _band(checklist: Checklist, overall: Fraction | None) -> str | None:
    if overall is None:
        return None
    for band in checklist.bands:
        if _exact(band.min) <= overall:
            return band.label
    return None
