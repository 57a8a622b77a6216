"""A calibration session's results as plain data: every rater's answer beside the reference,
per item and per rater, with the agreement figures of calibration_agreement. Shared by the
results page, its PDF and its JSON (calibration_export).

N/A (and an item not asked on the session's channel) is a missing rating, never a category.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from auditapp import agreement
from auditapp.checklists import NA, Checklist, Item
from auditapp.models import CalibrationAnswer, CalibrationSession

from . import calibration_access as access
from .calibration_agreement import (
    Stat,
    alpha_by_level,
    cohen_vs_reference,
    level_of,
    named_stats,
    one_unit_agreement,
    stat,
)

LENIENCY_POINTS = 5.0  # a rater this many points above (below) the others is lenient (severe)


@dataclass(frozen=True)
class ItemAnswer:
    rater: str
    label: str  # the answer as shown ("N/A" included)
    value: str | None  # None: missing (N/A, not asked)
    matches_reference: bool | None


@dataclass(frozen=True)
class ItemRow:
    item: Item
    section_title: str
    level: str  # nominal or ordinal
    answers: list[ItemAnswer]
    reference: str | None  # label
    modal: list[str]  # labels of the most given answers
    pct_with_reference: float | None
    pct_with_each_other: float | None  # share of pairs of raters giving the same answer
    disagreement: bool
    anchors: dict[str, str]


@dataclass(frozen=True)
class RaterRow:
    user_id: int
    name: str
    is_reference: bool
    overall: float | None
    passed: bool | None
    difference: float | None  # points above (+) or below (-) the reference
    pct_matching: float | None
    critical_mismatches: list[str]  # item texts
    tendency: str  # "more lenient", "more severe" or "in line"
    cohen: list[Stat] = field(default_factory=list)


@dataclass(frozen=True)
class Results:
    session_id: int
    checklist: Checklist
    reference_mode: str
    reference_name: str | None  # "Consensus", the expert's name, or None
    reference_overall: float | None
    raters: list[RaterRow]
    items: list[ItemRow]
    stats: dict[str, Stat]  # the four named in the JSON, over every item
    by_level: list[Stat]  # alpha by level: nominal (yes/no) and ordinal per scale
    overall_alpha: Stat
    ac1_note: str | None
    item_stats: dict[str, dict[str, Stat]]


def results_of(session: CalibrationSession, *, with_stats: bool = True) -> Results:
    """Everything the results page, PDF and JSON show about a session; without the
    statistics (the overview pools its own) when `with_stats` is False."""
    checklist = access.checklist_of(session)
    done = access.submitted(session)
    order = [r.user_id for r in session.raters if r.user_id in done]
    answers = [done[i] for i in order]
    names = [a.user.name for a in answers]
    reference, reference_name = _reference(session, done)
    items = [(s, i) for s, i in checklist.iter_items() if i.applies_to(session.channel)]
    table = [[_value(a, i.id) for a in answers] for _, i in items]
    ref_values = [_value(reference, i.id) if reference else None for _, i in items]
    expert_column = (
        order.index(session.expert_id)
        if reference is not None and session.expert_id in order
        else None
    )

    rows = [
        _item_row(checklist, section, item, answers, names, row, ref, expert_column)
        for (section, item), row, ref in zip(items, table, ref_values, strict=True)
    ]
    rows.sort(key=lambda r: (not r.item.critical, not r.disagreement))

    raters = _rater_rows(
        checklist, items, answers, names, table, reference, ref_values, expert_column, with_stats
    )
    if not with_stats:
        skipped = stat("", "percent_agreement", [])
        return Results(
            session.id, checklist, session.reference_mode, reference_name,
            reference.overall if reference else None, raters, rows, {}, [], skipped, None, {},
        )  # fmt: skip
    stats = named_stats(table)
    by_level = alpha_by_level(checklist, items, table)
    overall_alpha = stat(
        "Krippendorff's α (interval) on the overall score",
        "krippendorff_alpha",
        [[a.overall for a in answers]],
        level="interval",
    )
    ac1_note = (
        agreement.ac1_kappa_note(stats["gwet_ac1"].value, stats["krippendorff_alpha"].value, table)
        if table
        else None
    )
    item_stats = {
        item.id: {"percent_agreement": one_unit_agreement(row)}
        for (_, item), row in zip(items, table, strict=True)
    }
    return Results(
        session.id,
        checklist,
        session.reference_mode,
        reference_name,
        reference.overall if reference else None,
        raters,
        rows,
        stats,
        by_level,
        overall_alpha,
        ac1_note,
        item_stats,
    )


def _reference(session, done) -> tuple[CalibrationAnswer | None, str | None]:
    if session.reference_mode == "expert" and session.expert_id in done:
        expert = done[session.expert_id]
        return expert, expert.user.name
    if session.reference_mode == "consensus":
        consensus = access.consensus_of(session)
        if consensus is not None:
            return consensus, "Consensus"
    return None, None


def _value(answer: CalibrationAnswer | None, item_id: str) -> str | None:
    if answer is None:
        return None
    value = answer.answers.get(item_id)
    return None if value in (None, NA) else value


def _label(checklist: Checklist, item: Item, answer: CalibrationAnswer | None) -> str:
    if answer is None:
        return "—"
    value = answer.answers.get(item.id)
    if value == NA:
        return "N/A"
    labels = {o.value: o.label for o in checklist.scale_for(item)}
    return labels.get(value or "", "—")


def _item_row(checklist, section, item, answers, names, row, ref, expert_column) -> ItemRow:
    labels = {o.value: o.label for o in checklist.scale_for(item)}
    shown = [
        ItemAnswer(
            names[n],
            _label(checklist, item, a),
            row[n],
            None if ref is None or row[n] is None or n == expert_column else row[n] == ref,
        )
        for n, a in enumerate(answers)
    ]
    given = [v for v in row if v is not None]
    counts = Counter(given)
    top = max(counts.values(), default=0)
    modal = [labels.get(v, v) for v, c in counts.items() if c == top]
    compared = [a.matches_reference for a in shown if a.matches_reference is not None]
    pairs = len(given) * (len(given) - 1)
    return ItemRow(
        item=item,
        section_title=section.title,
        level=level_of(checklist, item),
        answers=shown,
        reference=labels.get(ref, ref) if ref is not None else None,
        modal=modal,
        pct_with_reference=100 * sum(compared) / len(compared) if compared else None,
        pct_with_each_other=(
            100 * sum(c * (c - 1) for c in counts.values()) / pairs if pairs else None
        ),
        disagreement=len(counts) > 1 or (ref is not None and any(v != ref for v in given)),
        anchors=dict(item.anchors),
    )


def _rater_rows(
    checklist, items, answers, names, table, reference, ref_values, expert_column, with_stats
) -> list[RaterRow]:
    rows = []
    for n, answer in enumerate(answers):
        others = [a.overall for m, a in enumerate(answers) if m != n and a.overall is not None]
        tendency = "in line"
        if answer.overall is not None and others:
            gap = answer.overall - sum(others) / len(others)
            tendency = (
                "more lenient"
                if gap >= LENIENCY_POINTS
                else "more severe"
                if gap <= -LENIENCY_POINTS
                else "in line"
            )
        mine = [row[n] for row in table]
        difference = pct = None
        mismatches: list[str] = []
        cohen: list[Stat] = []
        if reference is not None and n != expert_column:
            if answer.overall is not None and reference.overall is not None:
                difference = answer.overall - reference.overall
            compared = [
                (a, r)
                for a, r in zip(mine, ref_values, strict=True)
                if a is not None and r is not None
            ]
            pct = 100 * sum(a == r for a, r in compared) / len(compared) if compared else None
            mismatches = _critical_mismatches(checklist, items, answer, reference)
            cohen = cohen_vs_reference(checklist, items, mine, ref_values) if with_stats else []
        rows.append(
            RaterRow(
                answer.user_id,
                names[n],
                n == expert_column,
                answer.overall,
                answer.passed,
                difference,
                pct,
                mismatches,
                tendency,
                cohen,
            )
        )
    return rows


def _critical_mismatches(checklist, items, answer, reference) -> list[str]:
    """Critical items one fails and the other passes."""
    failed, reference_failed = set(answer.critical_failures), set(reference.critical_failures)
    return [
        item.text
        for _, item in items
        if item.critical and (item.id in failed) != (item.id in reference_failed)
    ]
