"""Checklists: the YAML format, its validation and loading. Pure Python: no Flask, no database."""

from .errors import ChecklistError, Problem
from .loader import (
    checklist_from_data,
    default_checklists_dir,
    load_checklist,
    load_checklists,
    parse_checklist,
)
from .schema import (
    BUILTIN_SCALES,
    CHANNEL_LABELS,
    CHANNELS,
    NA,
    Band,
    Checklist,
    Item,
    ScaleOption,
    Section,
    Source,
)

__all__ = [
    "BUILTIN_SCALES",
    "CHANNELS",
    "CHANNEL_LABELS",
    "NA",
    "Band",
    "Checklist",
    "ChecklistError",
    "Item",
    "Problem",
    "ScaleOption",
    "Section",
    "Source",
    "checklist_from_data",
    "default_checklists_dir",
    "load_checklist",
    "load_checklists",
    "parse_checklist",
]
