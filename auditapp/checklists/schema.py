"""The checklist format as strict, immutable models: unknown keys and wrong types are errors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictStr,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

CHANNELS: tuple[str, ...] = ("in_person", "phone", "email", "chat", "video", "site_visit")
CHANNEL_LABELS: dict[str, str] = {
    "in_person": "In person",
    "phone": "Phone",
    "email": "Email",
    "chat": "Chat",
    "video": "Video call",
    "site_visit": "Site visit",
}
NA = "na"
DEFAULT_PASS_MARK = 80.0
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SCALE_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


def _answer_value(value: Any) -> Any:
    # Answers are compared as text, so the scale value 4 and the answer "4" are the same.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PydanticCustomError(
            "answer_value", "must be text or a whole number, got {got}", {"got": repr(value)}
        )
    return str(value).strip()


Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[StrictStr, StringConstraints(pattern=SLUG_PATTERN)]
ScaleName = Annotated[StrictStr, StringConstraints(pattern=SCALE_NAME_PATTERN)]
ScaleValue = Annotated[str, BeforeValidator(_answer_value), StringConstraints(min_length=1)]
Weight = Annotated[float, Strict(), Field(gt=0)]
Points = Annotated[float, Strict(), Field(ge=0)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100)]
Channel = Literal["in_person", "phone", "email", "chat", "video", "site_visit"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where in the source documents a checklist comes from."""

    document: Text
    passage: Text | None = None


class ScaleOption(_Model):
    """One answer on a scale: the stored value, the label shown, the points it earns."""

    value: ScaleValue
    label: Text
    points: Points


class Band(_Model):
    """A named range of overall scores starting at `min`."""

    min: Percent
    label: Text


BUILTIN_SCALES: dict[str, tuple[ScaleOption, ...]] = {
    "yes_no": (
        ScaleOption(value="yes", label="Yes", points=1),
        ScaleOption(value="no", label="No", points=0),
    ),
    "rating_1_5": tuple(
        ScaleOption(value=str(n), label=f"{n} – {label}", points=n)
        for n, label in enumerate(("Poor", "Fair", "Good", "Very good", "Excellent"), start=1)
    ),
}


class Item(_Model):
    """One observable behaviour, scored on a scale."""

    id: Slug
    text: Text
    guidance: Text | None = None
    kind: Literal["do", "dont"] = "do"
    scale: ScaleName = "yes_no"
    weight: Weight = 1.0
    critical: StrictBool = False
    allow_na: StrictBool = True
    channels: Annotated[tuple[Channel, ...], Field(min_length=1)] | None = None
    anchors: dict[ScaleValue, Text] = Field(default_factory=dict)

    def applies_to(self, channel: str | None) -> bool:
        """Whether the item is asked on an audit of this channel (all items when unknown)."""
        return channel is None or self.channels is None or channel in self.channels


class Section(_Model):
    """A titled group of items with a weight in the overall score."""

    id: Slug
    title: Text
    weight: Weight = 1.0
    items: Annotated[tuple[Item, ...], Field(min_length=1)]


class Checklist(_Model):
    """A validated checklist; build it with `load_checklist` or `Checklist.from_snapshot`."""

    id: Slug
    title: Text
    # Stored in an integer column: PostgreSQL's integer stops at 2**31 - 1.
    version: Annotated[int, Strict(), Field(ge=1, le=2**31 - 1)]
    description: Text | None = None
    source: tuple[Source, ...] = ()
    channels: Annotated[tuple[Channel, ...], Field(min_length=1)] | None = None
    pass_mark: Percent = DEFAULT_PASS_MARK
    bands: tuple[Band, ...] = ()
    scales: dict[ScaleName, Annotated[tuple[ScaleOption, ...], Field(min_length=2)]] = Field(
        default_factory=dict
    )
    sections: Annotated[tuple[Section, ...], Field(min_length=1)]

    def scale_for(self, item: Item) -> tuple[ScaleOption, ...]:
        """The answer options of an item, from the checklist's own scales or the built-ins."""
        return self.scales.get(item.scale) or BUILTIN_SCALES[item.scale]

    def iter_items(self) -> Iterator[tuple[Section, Item]]:
        """Every item with its section, in the order of the file."""
        for section in self.sections:
            for item in section.items:
                yield section, item

    def item(self, item_id: str) -> Item:
        """The item with this id; KeyError if there is none."""
        return self._items_by_id[item_id]

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:
        return {item.id: item for _, item in self.iter_items()}

    @property
    def item_count(self) -> int:
        return len(self._items_by_id)

    def to_snapshot(self) -> dict[str, Any]:
        """The full normalised content as plain JSON-able data, for storing with an audit."""
        return self.model_dump(mode="json")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Checklist:
        """Rebuild and re-check a checklist exactly as it was stored with an audit."""
        from .loader import checklist_from_data  # the loader imports this module

        return checklist_from_data(data)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the normalised content: key order, comments and defaults do not matter."""
        canonical = json.dumps(
            self.to_snapshot(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]
