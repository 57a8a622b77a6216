"""The scoring rules, each with a case worked by hand (see docs/scoring.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.checklists import load_checklist, parse_checklist
from auditapp.scoring import ScoringError, normalise_answer, score

# counter-basics.yaml, in short:
#   greeting (weight 2): greeted yes_no critical no-N/A; warmth rating_1_5 weight 3;
#                        smiled frequency (never 0, sometimes 1, often 3), in_person only
#   closing  (weight 1): thanked yes_no; argued yes_no dont critical
#   pass mark 75; bands Excellent 90, Meets the standard 75, Needs coaching 0
COUNTER = load_checklist(Path(__file__).parent / "data" / "valid" / "counter-basics.yaml")
GOOD = {"greeted": "yes", "warmth": "5", "smiled": "often", "thanked": "yes", "argued": "no"}


def tiny(items: str, extra: str = "") -> object:
    """A one-section checklist of yes_no items from 'id,id,...' with optional extra YAML."""
    rows = "".join(f"      - {{id: {i}, text: {i}}}\n" for i in items.split(","))
    return parse_checklist(
        f"id: t\ntitle: T\nversion: 1\n{extra}sections:\n  - id: s\n    title: S\n"
        f"    items:\n{rows}"
    )


def test_worked_example_in_person():
    # greeting = 100 × (1×1 + 3×4/5 + 1×1/3) / 5 = 224/3 = 74.67; closing = 100
    # overall = (2 × 224/3 + 1 × 100) / 3 = 748/9 = 83.11 -> Meets the standard, passed
    answers = {**GOOD, "warmth": 4, "smiled": "sometimes"}
    result = score(COUNTER, answers, channel="in_person")
    assert result.sections == {"greeting": pytest.approx(224 / 3), "closing": 100.0}
    assert result.overall == pytest.approx(748 / 9)
    assert f"{result.overall:.1f}" == "83.1"
    assert result.band == "Meets the standard"
    assert result.passed is True
    assert result.critical_failures == []


def test_item_fraction_is_points_over_most_points_on_scale():
    result = score(COUNTER, {**GOOD, "warmth": "1", "smiled": "never"}, channel="in_person")
    assert result.items["warmth"].fraction == pytest.approx(0.2)
    assert (result.items["warmth"].earned, result.items["warmth"].possible) == (1, 5)
    assert result.items["smiled"].fraction == 0
    assert result.items["smiled"].possible == 3


def test_dont_item_fraction_is_one_minus():
    observed = score(COUNTER, {**GOOD, "argued": "yes"}, channel="in_person").items["argued"]
    avoided = score(COUNTER, {**GOOD, "argued": "no"}, channel="in_person").items["argued"]
    assert (observed.fraction, observed.earned, observed.possible) == (0, 0, 1)
    assert (avoided.fraction, avoided.earned, avoided.met) == (1, 1, True)


def test_dont_on_custom_scale():
    checklist = tiny(
        "a",
        "scales:\n  freq:\n    - {value: never, label: N, points: 0}\n"
        "    - {value: once, label: O, points: 1}\n    - {value: often, label: F, points: 4}\n",
    )
    data = checklist.to_snapshot()
    data["sections"][0]["items"][0].update(kind="dont", scale="freq")
    checklist = type(checklist).from_snapshot(data)
    assert score(checklist, {"a": "once"}).overall == pytest.approx(75)
    assert score(checklist, {"a": "never"}).overall == 100
    assert score(checklist, {"a": "often"}).overall == 0


def test_na_removes_item_from_its_section():
    # closing = thanked N/A, argued no -> 100; greeting = (1 + 3×1 + 0) / 5 = 80
    answers = {**GOOD, "thanked": "na", "smiled": "never"}
    result = score(COUNTER, answers, channel="in_person")
    assert result.sections == {"greeting": 80.0, "closing": 100.0}
    assert result.items["thanked"].status == "na"
    assert result.items["thanked"].fraction is None
    assert result.overall == pytest.approx((2 * 80 + 100) / 3)


def test_item_not_on_audit_channel_is_not_asked():
    # On the phone nobody sees a smile: smiled drops out even though it was answered "never".
    result = score(COUNTER, {**GOOD, "smiled": "never"}, channel="phone")
    assert result.items["smiled"].status == "not_asked"
    assert result.sections["greeting"] == 100
    assert score(COUNTER, {k: v for k, v in GOOD.items() if k != "smiled"}, "phone").overall == 100


def test_section_with_every_item_na_drops_out():
    result = score(COUNTER, {**GOOD, "warmth": 3, "thanked": "na", "argued": "na"}, "phone")
    # greeting on the phone: (1×1 + 3×3/5) / 4 = 70
    assert result.sections == {"greeting": pytest.approx(70), "closing": None}
    assert result.section_results["closing"].na_count == 2
    assert result.overall == pytest.approx(70)
    assert result.band == "Needs coaching"
    assert result.passed is False


def test_no_section_scored_means_no_score_band_or_pass():
    checklist = tiny("a,b", "bands: [{min: 0, label: Any}]\n")
    result = score(checklist, {"a": "na", "b": "na"})
    assert (result.overall, result.band, result.passed) == (None, None, None)
    assert result.sections == {"s": None}
    assert result.na_count == 2
    assert result.failure_reasons == []


def test_overall_is_weighted_mean_of_sections():
    # greeting 100 (weight 2), closing 50 (weight 1) -> 250/3
    result = score(COUNTER, {**GOOD, "thanked": "no"}, channel="in_person")
    assert result.sections == {"greeting": 100, "closing": 50}
    assert result.overall == pytest.approx(250 / 3)


def test_critical_dont_observed_fails_audit_but_keeps_percentage():
    result = score(COUNTER, {**GOOD, "argued": "yes"}, channel="in_person")
    assert result.overall == pytest.approx(250 / 3)  # 83.3, above the pass mark of 75
    assert result.band == "Meets the standard"
    assert result.passed is False
    assert result.critical_failures == ["argued"]
    assert result.items["argued"].critical_failed is True
    assert result.failure_reasons == ["critical item 'argued' failed"]


def test_critical_do_fails_on_its_worst_answer_only():
    failed = score(COUNTER, {**GOOD, "greeted": "no"}, channel="in_person")
    assert failed.critical_failures == ["greeted"]
    assert failed.passed is False
    # warmth is not critical: its worst answer lowers the score but fails nothing
    low = score(COUNTER, {**GOOD, "warmth": "1"}, channel="in_person")
    assert low.critical_failures == []


def test_critical_item_on_rating_scale_fails_on_lowest_rating():
    checklist = parse_checklist(
        "id: t\ntitle: T\nversion: 1\nsections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: a, text: A, scale: rating_1_5, critical: true}\n"
    )
    assert score(checklist, {"a": "1"}).critical_failures == ["a"]
    assert score(checklist, {"a": "2"}).critical_failures == []


def test_pass_mark_reached_exactly_passes():
    checklist = tiny("a,b,c,d", "pass_mark: 75\n")
    assert score(checklist, {"a": "yes", "b": "yes", "c": "yes", "d": "no"}).passed is True
    assert score(checklist, {"a": "yes", "b": "yes", "c": "no", "d": "no"}).passed is False


def test_band_is_first_whose_min_is_reached():
    checklist = tiny(
        "a,b,c,d,e,f,g,h,i,j",
        "bands:\n  - {min: 90, label: High}\n  - {min: 50, label: Mid}\n  - {min: 0, label: Low}\n",
    )
    ids = "abcdefghij"
    for yes_count, band in [
        (10, "High"),
        (9, "High"),
        (8, "Mid"),
        (5, "Mid"),
        (4, "Low"),
        (0, "Low"),
    ]:
        answers = {i: "yes" if n < yes_count else "no" for n, i in enumerate(ids)}
        assert score(checklist, answers).band == band, yes_count


def test_no_bands_means_no_band_label():
    assert score(tiny("a"), {"a": "yes"}).band is None


def test_full_precision_kept():
    result = score(tiny("a,b,c"), {"a": "yes", "b": "no", "c": "no"})
    assert result.overall == pytest.approx(100 / 3, abs=1e-12)
    assert result.overall != 33.3


def test_answers_compared_as_text():
    as_int = score(COUNTER, {**GOOD, "warmth": 4}, channel="in_person")
    as_text = score(COUNTER, {**GOOD, "warmth": " 4 "}, channel="in_person")
    assert as_int.overall == as_text.overall
    assert as_int.items["warmth"].answer == "4"


@pytest.mark.parametrize(
    "raw, expected",
    [(4, "4"), ("4", "4"), (" yes ", "yes"), ("NA", "na"), ("", None), (None, None)],
)
def test_normalise_answer(raw, expected):
    assert normalise_answer(raw) == expected


def test_counts_of_answered_and_na_items():
    result = score(COUNTER, {**GOOD, "thanked": "na"}, channel="phone")
    assert result.counts == {"scored": 3, "na": 1, "not_asked": 1}
    assert result.answered_count == 4
    assert result.na_count == 2


@pytest.mark.parametrize(
    "answers, channel, item_id, message",
    [
        ({**GOOD, "warmth": "6"}, None, "warmth", "'6' is not an answer on this item's scale"),
        ({**GOOD, "warmth": 4.0}, None, "warmth", "'4.0' is not an answer"),
        ({**GOOD, "greeted": "na"}, None, "greeted", "N/A is not allowed for this item"),
        ({**GOOD, "greet": "yes"}, None, "greet", "no such item on this checklist"),
        ({k: v for k, v in GOOD.items() if k != "thanked"}, None, "thanked", "no answer given"),
        (GOOD, "fax", "", "unknown channel 'fax'"),
        (GOOD, "email", "", "is not used on the email channel"),
    ],
)
def test_bad_answers_raise_error_naming_the_item(answers, channel, item_id, message):
    with pytest.raises(ScoringError) as caught:
        score(COUNTER, answers, channel=channel)
    assert message in caught.value.problems[item_id]


def test_every_bad_answer_reported_at_once():
    with pytest.raises(ScoringError) as caught:
        score(COUNTER, {"greeted": "na", "warmth": "9", "bogus": 1})
    assert set(caught.value.problems) == {
        "greeted",
        "warmth",
        "bogus",
        "smiled",
        "thanked",
        "argued",
    }


def test_allow_missing_scores_what_was_answered():
    result = score(COUNTER, {"greeted": "yes", "thanked": "no"}, allow_missing=True)
    assert result.counts == {"scored": 2, "unanswered": 3}
    assert result.sections == {"greeting": 100, "closing": 0}
