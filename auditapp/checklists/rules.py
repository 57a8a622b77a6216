"""Checks across fields that a per-field schema cannot make: ids, scales, bands, don'ts.

They read the raw parsed YAML and skip whatever has the wrong shape (the schema reports
that), so that one run reports every problem in the file.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .schema import BUILTIN_SCALES, NA

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class RuleProblem:
    path: Path_
    message: str
    at_key: bool = False


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def did_you_mean(word: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_rules(data: Any, expected_id: str | None) -> list[RuleProblem]:
    """Every cross-field problem in a checklist's raw data."""
    if not isinstance(data, dict):
        return []
    problems: list[RuleProblem] = []
    if expected_id is not None:
        checklist_id = _text(data.get("id"))
        if checklist_id is not None and checklist_id != expected_id:
            problems.append(
                RuleProblem(
                    ("id",),
                    f"id '{checklist_id}' must equal the file name '{expected_id}'; "
                    f"rename the file to {checklist_id}.yaml or change the id",
                )
            )
    scales = _scale_points(data, problems)
    problems += _check_bands(data.get("bands"))
    problems += _check_ids(data)
    problems += _check_items(data, scales)
    return problems


def _scale_points(data: dict[Any, Any], problems: list[RuleProblem]) -> dict[str, dict[str, float]]:
    """Points by value for every known scale; reports problems in the custom ones."""
    known = {name: {o.value: o.points for o in options} for name, options in BUILTIN_SCALES.items()}
    for name, options in _dict(data.get("scales")).items():
        path: Path_ = ("scales", name)
        if name in BUILTIN_SCALES:
            problems.append(
                RuleProblem(path, f"'{name}' is a built-in scale and cannot be redefined", True)
            )
            continue
        points: dict[str, float] = {}
        for index, option in enumerate(_list(options)):
            value = _text(_dict(option).get("value"))
            if value is None:
                continue
            if value.lower() == NA:
                problems.append(
                    RuleProblem((*path, index, "value"), "'na' is reserved for not applicable")
                )
            elif value in points:
                problems.append(
                    RuleProblem((*path, index, "value"), f"duplicate value '{value}' in this scale")
                )
            option_points = _number(_dict(option).get("points"))
            points[value] = option_points if option_points is not None else float("nan")
        numeric = [p for p in points.values() if p == p]  # NaN marks points the schema rejects
        if numeric and len(numeric) == len(points) and max(numeric) <= 0:
            problems.append(
                RuleProblem(path, "at least one answer must earn more than 0 points", True)
            )
        known[str(name)] = points
    return known


def _check_bands(bands: Any) -> Iterator[RuleProblem]:
    mins = [(index, _number(_dict(band).get("min"))) for index, band in enumerate(_list(bands))]
    mins = [(index, value) for index, value in mins if value is not None]
    for (_, before), (index, after) in itertools.pairwise(mins):
        if after >= before:
            yield RuleProblem(
                ("bands", index, "min"),
                f"bands go from the highest min to the lowest; {after:g} comes after {before:g}",
            )
    if mins and mins[-1][1] != 0:
        index = mins[-1][0]
        yield RuleProblem(
            ("bands", index, "min"),
            f"the last band must have min: 0 so that every score has a band, got {mins[-1][1]:g}",
        )


def _check_ids(data: dict[Any, Any]) -> Iterator[RuleProblem]:
    sections: dict[str, int] = {}
    items: dict[str, tuple[int, int]] = {}
    for s_index, section in enumerate(_list(data.get("sections"))):
        section_id = _text(_dict(section).get("id"))
        if section_id is not None:
            if section_id in sections:
                yield RuleProblem(
                    ("sections", s_index, "id"),
                    f"duplicate section id '{section_id}' (also sections[{sections[section_id]}])",
                )
            sections.setdefault(section_id, s_index)
        for i_index, item in enumerate(_list(_dict(section).get("items"))):
            item_id = _text(_dict(item).get("id"))
            if item_id is None:
                continue
            if item_id in items:
                first = "sections[{}].items[{}]".format(*items[item_id])
                yield RuleProblem(
                    ("sections", s_index, "items", i_index, "id"),
                    f"duplicate item id '{item_id}' (also {first}); item ids are unique "
                    "in a checklist",
                )
            items.setdefault(item_id, (s_index, i_index))


def _check_items(
    data: dict[Any, Any], scales: dict[str, dict[str, float]]
) -> Iterator[RuleProblem]:
    checklist_channels = data.get("channels")
    for s_index, section in enumerate(_list(data.get("sections"))):
        for i_index, item in enumerate(_list(_dict(section).get("items"))):
            item = _dict(item)
            path: Path_ = ("sections", s_index, "items", i_index)
            scale_name = _text(item.get("scale", "yes_no"))
            if scale_name is not None and scale_name not in scales:
                hint = did_you_mean(scale_name, sorted(scales))
                yield RuleProblem(
                    (*path, "scale"),
                    f"unknown scale '{scale_name}'{hint}; "
                    f"known scales: {', '.join(sorted(scales))}",
                )
                continue
            points = scales.get(scale_name or "", {})
            if item.get("kind") == "dont" and points and min(points.values()) != 0:
                yield RuleProblem(
                    (*path, "kind"),
                    f"kind: dont makes no sense on scale '{scale_name}': a don't needs an "
                    "answer worth 0 points for 'not observed' (use yes_no or a custom scale)",
                )
            for key in _dict(item.get("anchors")):
                value = _text(key)
                if value is not None and points and value not in points:
                    yield RuleProblem(
                        (*path, "anchors", key),
                        f"anchor '{value}' is not an answer on scale '{scale_name}'; "
                        f"answers: {', '.join(points)}",
                        at_key=True,
                    )
            yield from _check_item_channels(path, item.get("channels"), checklist_channels)


def _check_item_channels(
    path: Path_, channels: Any, checklist_channels: Any
) -> Iterator[RuleProblem]:
    if not isinstance(checklist_channels, list):
        return
    for index, channel in enumerate(_list(channels)):
        if isinstance(channel, str) and channel not in checklist_channels:
            yield RuleProblem(
                (*path, "channels", index),
                f"channel '{channel}' is not one of the checklist's channels "
                f"({', '.join(map(str, checklist_channels))})",
            )
