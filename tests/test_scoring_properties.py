"""Property-based tests of the scoring engine (auditapp.scoring.score).

Hypothesis builds random valid checklists as plain data (1-4 weighted sections of 1-5 items
on the yes_no, rating_1_5 or a custom scale, do/don't, critical, N/A allowed or not, optional
bands and pass mark), validates them with `checklist_from_data`, and answers them at random.
The tests check what must hold for every checklist: scores stay within 0-100, N/A items and
the order of items change nothing, the best and worst answers give the extreme scores,
numbers and text answers are the same, pass/band follow the reported score (also when it is
exactly on the pass mark), and answers off the scale are refused item by item.

test_80_percent_passes_the_default_pass_mark pins the first bug these properties found:
decimal weights such as 0.3 entering the exact sums as their binary floats, so that a score
reported as 80.0 failed a pass mark of 80 and fell in the band below.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from auditapp.checklists import NA, Checklist, Item, checklist_from_data
from auditapp.scoring import ScoreResult, ScoringError, normalise_answer, score

PROPERTY = settings(max_examples=200, deadline=None)

BUILTIN = ("yes_no", "rating_1_5")
CUSTOM = "custom"
# Words and whole numbers (as int in the data, so the scale stores them as text).
CUSTOM_VALUES = ("never", "rarely", "often", "always", 0, 1, 2, 3, 10)
NOT_ON_ANY_SCALE = ("maybe-not", "yes please", "6", "-1", "N/A", "4.0")

# Weights as a checklist author writes them: whole numbers or one decimal (0.1 .. 5.0).
weights = st.integers(1, 5) | st.integers(1, 50).map(lambda n: n / 10)
points = st.integers(0, 10) | st.integers(0, 20).map(lambda n: n / 2)
percents = st.integers(0, 100) | st.integers(0, 1000).map(lambda n: n / 10)


@st.composite
def custom_scales(draw: st.DrawFn) -> list[dict[str, Any]]:
    """2-4 answers with unique values; the lowest earns 0 and at least one earns more."""
    values = draw(st.lists(st.sampled_from(CUSTOM_VALUES), min_size=2, max_size=4, unique_by=str))
    rest = draw(st.lists(points, min_size=len(values) - 2, max_size=len(values) - 2))
    shuffled = draw(st.permutations([0, draw(st.integers(1, 10)), *rest]))
    return [
        {"value": value, "label": f"Answer {value}", "points": p}
        for value, p in zip(values, shuffled, strict=True)
    ]


@st.composite
def items(draw: st.DrawFn, item_id: str, scales: tuple[str, ...]) -> dict[str, Any]:
    scale = draw(st.sampled_from(scales))
    # A don't needs an answer worth 0 points: every scale but rating_1_5 has one.
    kind = "do" if scale == "rating_1_5" else draw(st.sampled_from(["do", "dont"]))
    return {
        "id": item_id,
        "text": f"Behaviour {item_id}",
        "scale": scale,
        "kind": kind,
        "weight": draw(weights),
        "critical": draw(st.booleans()),
        "allow_na": draw(st.booleans()),
    }


@st.composite
def bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Bands from the highest min down to a last band at 0."""
    mins = draw(st.lists(percents.filter(lambda p: p > 0), unique=True, max_size=4))
    ordered = [*sorted(mins, reverse=True), 0]
    return [{"min": m, "label": f"band-{i}"} for i, m in enumerate(ordered)]


@st.composite
def checklist_data(draw: st.DrawFn, scales: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Valid checklist data; `scales` restricts the scales the items use."""
    data: dict[str, Any] = {"id": "property-check", "title": "Property check", "version": 1}
    if scales is None:
        scales = BUILTIN
        if draw(st.booleans()):
            data["scales"] = {CUSTOM: draw(custom_scales())}
            scales = (*BUILTIN, CUSTOM)
    data["sections"] = [
        {
            "id": f"s{s}",
            "title": f"Section {s}",
            "weight": draw(weights),
            "items": [draw(items(f"s{s}-i{i}", scales)) for i in range(draw(st.integers(1, 5)))],
        }
        for s in range(draw(st.integers(1, 4)))
    ]
    if draw(st.booleans()):
        data["bands"] = draw(bands())
    if draw(st.booleans()):
        data["pass_mark"] = draw(percents)
    return data


def values(checklist: Checklist, item: Item) -> list[str]:
    return [option.value for option in checklist.scale_for(item)]


def answers_for(checklist: Checklist) -> st.SearchStrategy[dict[str, str]]:
    """An answer for every item: a value on its scale, or 'na' where N/A is allowed."""

    def answer(item: Item) -> st.SearchStrategy[str]:
        on_scale = st.sampled_from(values(checklist, item))
        return on_scale | st.just(NA) if item.allow_na else on_scale

    return st.fixed_dictionaries({item.id: answer(item) for _, item in checklist.iter_items()})


def extreme_answers(checklist: Checklist, best: bool) -> dict[str, str]:
    """The best (or worst) answer to every item: most points for a do, fewest for a don't."""
    answers = {}
    for _, item in checklist.iter_items():
        scale = checklist.scale_for(item)
        most = (item.kind == "do") == best
        pick = max if most else min
        answers[item.id] = pick(scale, key=lambda option: option.points).value
    return answers


def lowest_possible(checklist: Checklist) -> tuple[Fraction, dict[str, Fraction]]:
    """The overall and section percentages of the worst answers, worked out here."""
    sections = {}
    for section in checklist.sections:
        earned = total = Fraction(0)
        for item in section.items:
            scale_points = [option.points for option in checklist.scale_for(item)]
            lowest, highest = Fraction(min(scale_points)), Fraction(max(scale_points))
            worst = 0 if item.kind == "dont" else lowest / highest
            earned += Fraction(item.weight) * worst
            total += Fraction(item.weight)
        sections[section.id] = 100 * earned / total
    weight = {section.id: Fraction(section.weight) for section in checklist.sections}
    overall = sum(weight[k] * sections[k] for k in sections) / sum(weight.values())
    return overall, sections


def outcome(result: ScoreResult) -> tuple[Any, ...]:
    """What a reader of the result sees, independent of the order of items."""
    return (
        result.overall,
        result.sections,
        result.band,
        result.passed,
        sorted(result.critical_failures),
    )


def approx(value: Fraction) -> Any:
    return pytest.approx(float(value), rel=1e-12, abs=1e-9)


# 1 -------------------------------------------------------------------------------------------
@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_percentages_are_between_0_and_100(raw: dict[str, Any], data: st.DataObject) -> None:
    checklist = checklist_from_data(raw)
    result = score(checklist, data.draw(answers_for(checklist)))

    assert set(result.sections) == {section.id for section in checklist.sections}
    for percentage in [result.overall, *result.sections.values()]:
        assert percentage is None or 0 <= percentage <= 100
    all_na = all(p is None for p in result.sections.values())
    assert (result.overall is None) == all_na
    if all_na:
        assert result.band is None and result.passed is None


# 2 -------------------------------------------------------------------------------------------
@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_an_extra_item_answered_na_changes_nothing(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    checklist = checklist_from_data(raw)
    answers = data.draw(answers_for(checklist))

    raw = copy.deepcopy(raw)
    scales = (*BUILTIN, *raw.get("scales", {}))
    extra = {**data.draw(items("extra-na", scales)), "allow_na": True}
    section = data.draw(st.sampled_from(raw["sections"]))
    position = data.draw(st.integers(0, len(section["items"])))
    section["items"].insert(position, extra)
    bigger = checklist_from_data(raw)

    assert outcome(score(bigger, {**answers, "extra-na": NA})) == outcome(score(checklist, answers))


# 3 -------------------------------------------------------------------------------------------
@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_order_of_sections_and_items_changes_nothing(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    checklist = checklist_from_data(raw)
    answers = data.draw(answers_for(checklist))

    raw = copy.deepcopy(raw)
    sections = data.draw(st.permutations(raw["sections"]))
    raw["sections"] = [{**s, "items": data.draw(st.permutations(s["items"]))} for s in sections]
    reordered = checklist_from_data(raw)

    before, after = score(checklist, answers), score(reordered, answers)
    # Exact fractions: equal floats, not merely close ones. Critical failures are listed in
    # checklist order, so only their set is compared.
    assert outcome(after) == outcome(before)
    assert after.items == before.items
    assert after.section_results == before.section_results


# 4 -------------------------------------------------------------------------------------------
@PROPERTY
@given(raw=checklist_data())
def test_best_answers_score_100(raw: dict[str, Any]) -> None:
    checklist = checklist_from_data(raw)
    result = score(checklist, extreme_answers(checklist, best=True))

    assert result.overall == 100
    assert result.sections == {section.id: 100 for section in checklist.sections}
    assert result.critical_failures == []
    assert result.passed is True
    assert result.band == (checklist.bands[0].label if checklist.bands else None)
    assert all(item.met for item in result.items.values())


# 5 -------------------------------------------------------------------------------------------
def check_worst_answers(checklist: Checklist) -> ScoreResult:
    result = score(checklist, extreme_answers(checklist, best=False))

    overall, sections = lowest_possible(checklist)
    assert result.overall == approx(overall)
    assert result.sections == {k: approx(v) for k, v in sections.items()}

    critical = {item.id for _, item in checklist.iter_items() if item.critical}
    assert set(result.critical_failures) == critical
    if critical:
        assert result.passed is False
    return result


@PROPERTY
@given(raw=checklist_data())
def test_worst_answers_give_the_lowest_score_the_scales_allow(raw: dict[str, Any]) -> None:
    checklist = checklist_from_data(raw)
    result = check_worst_answers(checklist)

    if all(item.scale == "yes_no" for _, item in checklist.iter_items()):
        assert result.overall == 0


@PROPERTY
@given(raw=checklist_data(scales=("yes_no",)))
def test_worst_yes_no_answers_score_0(raw: dict[str, Any]) -> None:
    checklist = checklist_from_data(raw)
    result = check_worst_answers(checklist)

    assert result.overall == 0
    assert set(result.sections.values()) == {0}
    assert result.passed is (checklist.pass_mark == 0 and not result.critical_failures)


# 6 -------------------------------------------------------------------------------------------
def as_number(answer: str) -> str | int:
    """'4' -> 4 and '-1' -> -1; any other answer unchanged."""
    return int(answer) if answer.lstrip("-").isdigit() else answer


@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_numbers_and_text_are_the_same_answer(raw: dict[str, Any], data: st.DataObject) -> None:
    checklist = checklist_from_data(raw)
    answers = data.draw(answers_for(checklist))
    numeric = {key: as_number(answer) for key, answer in answers.items()}

    assert score(checklist, numeric) == score(checklist, answers)


# 7 -------------------------------------------------------------------------------------------
@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_pass_and_band_follow_the_reported_score(raw: dict[str, Any], data: st.DataObject) -> None:
    checklist = checklist_from_data(raw)
    result = score(checklist, data.draw(answers_for(checklist)))

    assert result.pass_mark == checklist.pass_mark
    if result.overall is None:
        assert result.passed is None and result.band is None
        return
    expected_pass = not result.critical_failures and result.overall >= checklist.pass_mark
    assert result.passed is expected_pass
    assert result.passed is not bool(result.failure_reasons)
    first = next((band.label for band in checklist.bands if band.min <= result.overall), None)
    assert result.band == first


@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_a_score_exactly_on_the_pass_mark_passes(raw: dict[str, Any], data: st.DataObject) -> None:
    """With the pass mark and a band min set to the reported score, the audit passes."""
    checklist = checklist_from_data(raw)
    answers = data.draw(answers_for(checklist))
    overall = score(checklist, answers).overall
    # Only scores an author could write as a pass mark or band min (at most one decimal).
    assume(overall is not None and round(overall, 1) == overall)

    bands = [{"min": overall, "label": "on"}]
    if overall > 0:
        bands.append({"min": 0, "label": "below"})
    result = score(checklist_from_data({**raw, "pass_mark": overall, "bands": bands}), answers)

    assert result.overall == overall
    assert result.passed is (not result.critical_failures)
    assert result.band == "on"


def test_80_percent_passes_the_default_pass_mark() -> None:
    """The smallest case hypothesis found: one section, items weighted 0.3 and 0.1."""
    checklist = checklist_from_data(
        {
            "id": "on-the-mark",
            "title": "On the mark",
            "version": 1,
            "sections": [
                {
                    "id": "greeting",
                    "title": "Greeting",
                    "items": [
                        {"id": "greets", "text": "Greets the customer", "weight": 0.3},
                        {
                            "id": "tone",
                            "text": "Tone of voice",
                            "scale": "rating_1_5",
                            "weight": 0.1,
                        },
                    ],
                }
            ],
        }
    )
    # (0.3 * 1 + 0.1 * 1/5) / 0.4 = 80%, shown as 80.0 against the default pass mark of 80.
    result = score(checklist, {"greets": "yes", "tone": "1"})

    assert result.overall == 80.0 == result.pass_mark
    assert result.critical_failures == []
    assert result.passed is True, result.failure_reasons


# 8 -------------------------------------------------------------------------------------------
@PROPERTY
@given(raw=checklist_data(), data=st.data())
def test_an_answer_off_the_scale_is_refused(raw: dict[str, Any], data: st.DataObject) -> None:
    checklist = checklist_from_data(raw)
    answers = data.draw(answers_for(checklist))
    item_id = data.draw(st.sampled_from(sorted(answers)))
    on_scale = values(checklist, checklist.item(item_id))
    bad = data.draw(
        st.sampled_from(NOT_ON_ANY_SCALE).filter(lambda a: normalise_answer(a) not in on_scale)
    )

    with pytest.raises(ScoringError) as caught:
        score(checklist, {**answers, item_id: bad})
    assert set(caught.value.problems) == {item_id}
    assert bad in caught.value.problems[item_id]
