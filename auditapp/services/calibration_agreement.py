"""The agreement figures of a calibration session, from auditapp.agreement: each statistic
with its 95% bootstrap interval (or no value and the reason in words), over every item, by
level of measurement, for one item, and a rater's Cohen's κ against the reference.

A table holds the raters' answers, one row per item and one column per rater; None is a
missing rating.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from auditapp import agreement
from auditapp.checklists import Checklist, Item

SAMPLES = 1000  # bootstrap resamples for each interval


@dataclass(frozen=True)
class Stat:
    """One statistic with its interval, or no value and the reason in words."""

    label: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_units: int
    n_raters: int
    reason: str | None = None
    reading: str | None = None  # for alpha: reliable, tentative or unreliable

    def as_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("value", "ci_low", "ci_high", "n_units", "n_raters")}
        if self.value is None:
            data["reason"] = self.reason
        return data


def scale_words(scale: str) -> str:
    """A scale's id as people say it: rating_1_5 is the 1–5 rating."""
    if found := re.fullmatch(r"rating_(\d+)_(\d+)", scale):
        return f"{found[1]}–{found[2]} rating"
    return scale.replace("_", " ")


def level_of(checklist: Checklist, item: Item) -> str:
    return "nominal" if len(checklist.scale_for(item)) <= 2 else "ordinal"


def stat(label: str, name: str, table, **options) -> Stat:
    if not table or not table[0]:
        return Stat(label, None, None, None, 0, 0, "fewer than two raters")
    e = agreement.estimate(name, table, samples=SAMPLES, **options)
    reading = agreement.alpha_reading(e.value) if name == "krippendorff_alpha" else None
    return Stat(label, e.value, e.ci_low, e.ci_high, e.n_units, e.n_raters, e.reason, reading)


def named_stats(table) -> dict[str, Stat]:
    return {
        "krippendorff_alpha": stat(
            "Krippendorff's α (nominal, every item)", "krippendorff_alpha", table
        ),
        "gwet_ac1": stat("Gwet's AC1", "gwet_ac1", table),
        "fleiss_kappa": stat("Fleiss' κ", "fleiss_kappa", table),
        "percent_agreement": stat("Percent agreement", "percent_agreement", table),
    }


def alpha_by_level(checklist, items, table) -> list[Stat]:
    groups: dict[tuple[str, str], list[int]] = {}
    for n, (_, item) in enumerate(items):
        level = level_of(checklist, item)
        groups.setdefault((level, "yes/no" if level == "nominal" else item.scale), []).append(n)
    found = []
    for (level, scale), rows in groups.items():
        options: dict[str, Any] = {"level": level}
        if level == "ordinal":
            item = items[rows[0]][1]
            options["order"] = [
                o.value for o in sorted(checklist.scale_for(item), key=lambda o: o.points)
            ]
        what = "yes/no items" if level == "nominal" else f"items on the {scale_words(scale)} scale"
        found.append(
            stat(
                f"Krippendorff's α ({level}), {what}",
                "krippendorff_alpha",
                [table[n] for n in rows],
                **options,
            )
        )
    return found


def one_unit_agreement(row) -> Stat:
    given = [v for v in row if v is not None]
    if len(given) < 2:
        return Stat(
            "Percent agreement",
            None,
            None,
            None,
            int(bool(given)),
            len(given),
            "fewer than two raters answered this item",
        )
    value = agreement.percent_agreement([row])
    return Stat(
        "Percent agreement", None if math.isnan(value) else value, None, None, 1, len(given), None
    )


def cohen_vs_reference(checklist, items, mine, ref_values) -> list[Stat]:
    groups: dict[str, list[int]] = {}
    for n, (_, item) in enumerate(items):
        groups.setdefault(
            "yes/no" if level_of(checklist, item) == "nominal" else item.scale, []
        ).append(n)
    found = []
    for scale, rows in groups.items():
        pairs = [[mine[n], ref_values[n]] for n in rows]
        if scale == "yes/no":
            found.append(stat("Cohen's κ vs the reference, yes/no items", "cohen_kappa", pairs))
        else:
            item = items[rows[0]][1]
            order = [o.value for o in sorted(checklist.scale_for(item), key=lambda o: o.points)]
            found.append(
                stat(
                    f"Cohen's κ (quadratic) vs the reference, {scale_words(scale)} items",
                    "cohen_kappa",
                    pairs,
                    weights="quadratic",
                    order=order,
                )
            )
    return found
