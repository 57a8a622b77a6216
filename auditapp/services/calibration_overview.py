"""Agreement across calibration sessions: each rater's agreement with the reference over
time, agreement per checklist and per item pooled over sessions, unreliable items, drifting
raters and ICC(A,1) on overall scores. Only sessions whose answers the reader may see count
(blind until submitted holds here too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from auditapp import clock
from auditapp.charts import Words, score_chart
from auditapp.checklists import NA
from auditapp.models import User

from . import calibration_access as access
from . import calibration_agreement
from . import calibration_results as results

DRIFT_POINTS = 15.0  # the latest session this far below a rater's earlier average: drifting
MIN_SESSIONS = 2  # sessions an item needs before it is judged unreliable


@dataclass(frozen=True)
class Filters:
    checklist_id: str | None = None
    rater_id: int | None = None


def filters_from(args: Mapping[str, str]) -> Filters | None:
    """The URL's filters; None when one cannot be read."""
    checklist = (args.get("checklist") or "").strip() or None
    rater = (args.get("rater") or "").strip()
    if checklist is not None and (len(checklist) > 100 or not checklist.replace("-", "").isalnum()):
        return None
    if rater and not (rater.isascii() and rater.isdigit() and len(rater) < 10):
        return None
    return Filters(checklist, int(rater) if rater else None)


@dataclass(frozen=True)
class RaterTrend:
    name: str
    points: list[tuple[date, str, float]]  # (day, session title, % matching the reference)
    drifting: bool

    @property
    def chart(self) -> Markup:
        """The points as the staff progress chart draws scores, without a pass mark."""
        return score_chart(
            [(day, value) for day, _, value in self.points],
            None,
            f"{self.name}: items matching the reference",
            AGREEMENT,
        )


AGREEMENT = Words(
    point="Items matching the reference",
    axis="Matching",
    one="session",
    latest="latest",
    empty="No session with a reference yet",
    when="Session created",
)


@dataclass(frozen=True)
class ItemAgreement:
    checklist_title: str
    item_text: str
    sessions: int
    alpha: calibration_agreement.Stat
    unreliable: bool


@dataclass(frozen=True)
class Overview:
    sessions: int
    checklists: list[tuple[str, str]]  # (id, title) to filter by
    raters: list[tuple[int, str]]
    trends: list[RaterTrend]
    per_checklist: list[tuple[str, calibration_agreement.Stat]]
    items: list[ItemAgreement]
    icc: calibration_agreement.Stat


def overview(user: User, filters: Filters) -> Overview:
    """The sessions `user` may see the answers of, pooled."""
    seen = [s for s in access.sessions_for(user) if access.can_see_answers(user, s)]
    checklists = sorted({(s.checklist_id, s.checklist_version.title) for s in seen})
    if filters.checklist_id:
        seen = [s for s in seen if s.checklist_id == filters.checklist_id]
    sessions = sorted(seen, key=lambda s: s.created_at)
    names: dict[int, str] = {}
    trends: dict[int, list[tuple[date, str, float]]] = {}
    by_checklist: dict[str, tuple[str, list[list], list[int]]] = {}
    by_item: dict[tuple[str, str], dict] = {}
    overall: dict[int, dict[int, float]] = {}
    for s in sessions:
        done = access.submitted(s)
        for uid, a in done.items():
            names[uid] = a.user.name
        found = results.results_of(s, with_stats=False)
        day = clock.local(s.created_at).date()
        for row in found.raters:
            uid = row.user_id
            if row.pct_matching is not None:
                trends.setdefault(uid, []).append((day, s.title, row.pct_matching))
            if row.overall is not None:
                overall.setdefault(s.id, {})[uid] = row.overall
        checklist = access.checklist_of(s)
        title, units, raters = by_checklist.setdefault(s.checklist_id, (checklist.title, [], []))
        for uid in done:
            if uid not in raters:
                raters.append(uid)
                for unit in units:
                    unit.append(None)
        for _, item in checklist.iter_items():
            if not item.applies_to(s.channel):
                continue
            values = {uid: _value(a.answers.get(item.id)) for uid, a in done.items()}
            units.append([values.get(uid) for uid in raters])
            entry = by_item.setdefault(
                (s.checklist_id, item.id),
                {
                    "title": title,
                    "text": item.text,
                    "level": calibration_agreement.level_of(checklist, item),
                    "order": [
                        o.value for o in sorted(checklist.scale_for(item), key=lambda o: o.points)
                    ],
                    "rows": {},
                },
            )
            entry["rows"][s.id] = values
    if filters.rater_id is not None:
        trends = {k: v for k, v in trends.items() if k == filters.rater_id}
    rater_trends = [
        RaterTrend(names[uid], points, _drifting([p[2] for p in points]))
        for uid, points in sorted(trends.items(), key=lambda kv: names[kv[0]])
    ]
    per_checklist = [
        (
            title,
            calibration_agreement.stat(
                "Krippendorff's α (nominal), every item of every session",
                "krippendorff_alpha",
                units,
            ),
        )
        for title, units, _ in by_checklist.values()
    ]
    items = []
    for entry in by_item.values():
        raters = sorted({uid for row in entry["rows"].values() for uid in row})
        table = [[row.get(uid) for uid in raters] for row in entry["rows"].values()]
        options = {"level": entry["level"]}
        if entry["level"] == "ordinal":
            options["order"] = entry["order"]
        stat = calibration_agreement.stat(
            "Krippendorff's α", "krippendorff_alpha", table, **options
        )
        unreliable = len(table) >= MIN_SESSIONS and (stat.value is not None and stat.value < 0.667)
        items.append(ItemAgreement(entry["title"], entry["text"], len(table), stat, unreliable))
    items.sort(key=lambda i: (not i.unreliable, i.alpha.value if i.alpha.value is not None else 2))
    return Overview(
        len(sessions),
        checklists,
        sorted(names.items(), key=lambda kv: kv[1]),
        rater_trends,
        per_checklist,
        items,
        _icc(overall),
    )


def _value(answer: str | None) -> str | None:
    return None if answer in (None, NA) else answer


def _drifting(values: list[float]) -> bool:
    """The latest agreement well below the rater's own earlier average."""
    if len(values) < 3:
        return False
    earlier = sum(values[:-1]) / (len(values) - 1)
    return values[-1] <= earlier - DRIFT_POINTS


def _icc(overall: dict[int, dict[int, float]]) -> calibration_agreement.Stat:
    """ICC(A,1) over sessions (units) and the raters who scored every one of them."""
    label = "ICC(A,1) on overall scores across sessions"
    if not overall:
        return calibration_agreement.Stat(
            label, None, None, None, 0, 0, "no session with two or more raters"
        )
    common = set.intersection(*(set(row) for row in overall.values()))
    if len(common) < 2:
        return calibration_agreement.Stat(
            label,
            None,
            None,
            None,
            len(overall),
            len(common),
            "fewer than two raters scored every session: ICC(A,1) needs complete data",
        )
    raters = sorted(common)
    table = [[row[uid] for uid in raters] for row in overall.values()]
    return calibration_agreement.stat(label, "icc_a1", table)
