""" "Three things to coach next", ranked on a small set worked by hand.

weight = gap (points) × miss rate (fraction) × people missing:
  A: 6 of 10 missed (60%), rest 20 of 100 (20%), 3 people: 40 × 0.6 × 3 = 72
  B: 4 of 20 missed (20%), rest never, 4 people:              20 × 0.2 × 4 = 16
  C: 5 of 10 missed (50%), rest 1 of 10 (10%), 1 person:      40 × 0.5 × 1 = 20
  D: 3 of 10 missed (30%), rest 40%: below the rest, not ranked
  E: 3 of 4 missed: fewer than 5 scored audits, not ranked
  F: 0 of 10 missed: never missed, not ranked
  G: 1 of 10 missed (10%), rest never, 1 person:              10 × 0.1 × 1 = 1
"""

from __future__ import annotations

import pytest

from auditapp.priorities import ItemMisses, good_anchor, priority, rank

ITEMS = [
    ItemMisses("basics", "a", 10, 6, 3, 100, 20),
    ItemMisses("basics", "b", 20, 4, 4, 50, 0),
    ItemMisses("basics", "c", 10, 5, 1, 10, 1),
    ItemMisses("basics", "d", 10, 3, 2, 10, 4),
    ItemMisses("basics", "e", 4, 3, 2, 10, 0),
    ItemMisses("basics", "f", 10, 0, 0, 10, 5),
    ItemMisses("basics", "g", 10, 1, 1, 10, 0),
]


def test_the_three_with_the_largest_weight_in_order():
    top = rank(ITEMS)
    assert [p.item_id for p in top] == ["a", "c", "b"]
    assert [p.weight for p in top] == pytest.approx([72, 20, 16])
    a = top[0]
    assert (a.miss_rate, a.rest_rate, a.gap, a.people_missing) == pytest.approx((60, 20, 40, 3))


def test_items_not_worth_ranking():
    for item_id in "def":
        assert priority(next(i for i in ITEMS if i.item_id == item_id)) is None
    assert [p.item_id for p in rank(ITEMS, limit=10)] == ["a", "c", "b", "g"]


def test_without_a_rest_the_gap_is_the_miss_rate():
    p = priority(ItemMisses("basics", "x", 10, 5, 2))
    assert (p.rest_rate, p.gap, p.weight) == (None, 50, pytest.approx(50 * 0.5 * 2))


def test_more_people_break_a_tie():
    # 50 x 0.5 x 2 = 50 both ways: 2 people with 10 of 20, and 2 people with 5 of 10.
    tied = [ItemMisses("c", "z", 20, 10, 2), ItemMisses("c", "y", 10, 5, 2)]
    assert [p.item_id for p in rank(tied)] == ["y", "z"]  # then by id


@pytest.mark.parametrize(
    ("item", "good"),
    [
        (
            {"kind": "do", "anchors": {"yes": "Greeted within seconds", "no": "Did not"}},
            "Greeted within seconds",
        ),
        ({"kind": "dont", "anchors": {"yes": "Argued", "no": "Stayed calm"}}, "Stayed calm"),
        (
            {"kind": "do", "anchors": {"1": "Flat", "5": "Warm and personal", "3": "Routine"}},
            "Warm and personal",
        ),
        ({"kind": "do"}, ""),
    ],
)
def test_what_good_looks_like(item, good):
    assert good_anchor(item) == good
