"""Loading checklist files and folders into validated `Checklist` objects."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import ChecklistError, Problem, display_path
from .rules import RuleProblem, check_rules, did_you_mean
from .schema import Band, Checklist, Item, ScaleOption, Section, Source
from .yamlsource import MAX_BYTES, Located, read_yaml

ENV_DIR = "AUDITAPP_CHECKLISTS_DIR"
PROJECT_DIR = Path(__file__).resolve().parents[2] / "checklists"
SUFFIXES = (".yaml", ".yml")


def default_checklists_dir() -> Path:
    """The folder set by AUDITAPP_CHECKLISTS_DIR, else the project's `checklists/`."""
    configured = os.environ.get(ENV_DIR)
    return Path(configured) if configured else PROJECT_DIR


def load_checklist(path: Path | str) -> Checklist:
    """Read and validate one checklist file; ChecklistError lists every problem in it."""
    path = Path(path)
    name = display_path(path)
    try:
        with path.open(encoding="utf-8") as file:
            text = file.read(MAX_BYTES + 1)  # characters: enough to tell a file is too large
    except UnicodeDecodeError as exc:
        raise ChecklistError([Problem(name, 1, 1, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ChecklistError(
            [Problem(name, 1, 1, "", f"cannot read the file: {exc.strerror}")]
        ) from None
    problems = []
    if path.suffix != ".yaml":
        problems.append(
            Problem(name, 1, 1, "", f"checklist files end in .yaml, not '{path.suffix}'")
        )
    try:
        checklist = parse_checklist(text, name, expected_id=path.stem)
    except ChecklistError as exc:
        raise ChecklistError(problems + exc.problems) from None
    if problems:
        raise ChecklistError(problems)
    return checklist


def parse_checklist(
    text: str, name: str = "<checklist>", expected_id: str | None = None
) -> Checklist:
    """Validate checklist YAML text; `name` is the file name used in error messages."""
    try:
        located, yaml_problems = read_yaml(text)
        problems = [
            Problem(name, p.line, p.column, format_path(p.path), p.message) for p in yaml_problems
        ]
        if located is None:
            raise ChecklistError(problems)
        return _validate(located, name, expected_id, problems)
    except (RecursionError, MemoryError):
        # read_yaml's limits keep both out of reach; should one still happen, it is this
        # file's problem, never a crash of the page or command that reads the folder.
        raise ChecklistError(
            [Problem(name, 1, 1, "", "the file is too large or too deeply nested to read")]
        ) from None


def checklist_from_data(data: dict[str, Any], name: str = "<snapshot>") -> Checklist:
    """Validate already-parsed checklist data, such as a snapshot stored with an audit."""
    return _validate(Located(data=data), name, None, [])


def _validate(
    located: Located, name: str, expected_id: str | None, problems: list[Problem]
) -> Checklist:
    checklist = None
    try:
        checklist = Checklist.model_validate(located.data)
    except ValidationError as exc:
        for error in exc.errors():
            if _spurious(error, located.data):
                continue
            path, message, at_key = _describe(error)
            problems.append(_problem(located, name, RuleProblem(path, message, at_key)))
    for rule in check_rules(located.data, expected_id):
        problems.append(_problem(located, name, rule))
    if problems or checklist is None:
        raise ChecklistError(list(dict.fromkeys(problems)))
    return checklist


def _spurious(error: dict[str, Any], data: Any) -> bool:
    # pydantic counts only the entries that validated, so a list whose one entry is broken
    # would also be reported as empty; the broken entry's own error is the one that helps.
    if error["type"] != "too_short":
        return False
    value = data
    for part in error["loc"]:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(value, list) and len(value) >= error["ctx"]["min_length"]


def load_checklists(directory: Path | str | None = None) -> dict[str, Checklist]:
    """Every checklist in a folder (default: the configured one), by id.

    ChecklistError lists every problem in every file, so one run shows all there is to fix.
    """
    folder = Path(directory) if directory is not None else default_checklists_dir()
    if not folder.is_dir():
        raise ChecklistError(
            [Problem(display_path(folder), 1, 1, "", "checklists folder not found; set " + ENV_DIR)]
        )
    checklists, problems = load_each(checklist_files(folder))
    if problems:
        raise ChecklistError(problems)
    return checklists


def load_each(paths: Iterable[Path]) -> tuple[dict[str, Checklist], list[Problem]]:
    """The valid checklists among `paths` by id, in the order of their titles (as people
    look for them), and every problem of the others."""
    checklists: dict[str, Checklist] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            checklist = load_checklist(path)
        except ChecklistError as exc:
            problems += exc.problems
        else:
            checklists[checklist.id] = checklist
    ordered = sorted(checklists.values(), key=lambda c: (c.title.casefold(), c.id))
    return {c.id: c for c in ordered}, problems


def checklist_files(folder: Path) -> list[Path]:
    """The checklist files in a folder, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def _problem(located: Located, name: str, rule: RuleProblem) -> Problem:
    line, column = located.locate(rule.path, key=rule.at_key)
    return Problem(name, line, column, format_path(rule.path), rule.message)


def format_path(path: Sequence[str | int]) -> str:
    """('sections', 2, 'items', 0, 'weight') -> 'sections[2].items[0].weight'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# Which model sits at a location, to name the allowed keys when an unknown one turns up.
_CHILDREN: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    Checklist: {"sections": Section, "source": Source, "bands": Band, "scales": ScaleOption},
    Section: {"items": Item},
}


def _model_at(path: Sequence[str | int]) -> type[BaseModel]:
    model: type[BaseModel] = Checklist
    for part in path:
        if isinstance(part, str):
            model = _CHILDREN.get(model, {}).get(part, model)
    return model


def _bound(ctx: dict[str, Any], key: str) -> str:
    # 2147483647 as written, not 2.14748e+09; 0.5 stays 0.5.
    value = ctx.get(key)
    return str(value) if isinstance(value, int) else f"{value:g}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_KIND_OF = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}


def _describe(error: dict[str, Any]) -> tuple[tuple[str | int, ...], str, bool]:
    """Turn one pydantic error into (path, message, points-at-key) for a checklist author."""
    loc = tuple(error["loc"])
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    at_key = bool(loc) and loc[-1] == "[key]"
    if at_key:
        loc = loc[:-1]
    field = loc[-1] if loc else "checklist"
    if kind == "missing":
        return loc[:-1], f"missing required key '{field}'", False
    if kind == "extra_forbidden":
        allowed = sorted(_model_at(loc[:-1]).model_fields)
        hint = did_you_mean(str(field), allowed)
        return loc, f"unknown key '{field}'{hint}; allowed keys: {', '.join(allowed)}", True
    messages = {
        "greater_than": lambda: f"must be greater than {_bound(ctx, 'gt')}, got {_shown(got)}",
        "greater_than_equal": lambda: f"must be at least {_bound(ctx, 'ge')}, got {_shown(got)}",
        "less_than_equal": lambda: f"must be at most {_bound(ctx, 'le')}, got {_shown(got)}",
        "int_type": lambda: f"must be a whole number, got {_shown(got)}",
        "int_from_float": lambda: f"must be a whole number, got {_shown(got)}",
        "float_type": lambda: f"must be a number, got {_shown(got)}",
        "string_type": lambda: f"must be text, got {_shown(got)}",
        "bool_type": lambda: f"must be true or false, got {_shown(got)}",
        "string_too_short": lambda: "must not be empty",
        "literal_error": lambda: f"must be one of {ctx.get('expected')}, got {_shown(got)}",
        "string_pattern_mismatch": lambda: _pattern_message(field, got),
        "too_short": lambda: _too_short_message(field, ctx),
    }
    if kind in messages:
        return loc, messages[kind](), at_key
    if kind in {"model_type", "model_attributes_type", "dict_type", "list_type", "tuple_type"}:
        wanted = "a list" if kind in {"list_type", "tuple_type"} else "a mapping of keys to values"
        found = _KIND_OF.get(type(got), type(got).__name__ if got is not None else "nothing")
        return loc, f"must be {wanted}, got {found}", at_key
    return loc, error["msg"][:1].lower() + error["msg"][1:], at_key


def _pattern_message(field: Any, got: Any) -> str:
    if field != "id":
        return f"a scale name uses lowercase letters, digits and '_', got {_shown(got)}"
    return (
        "an id uses lowercase letters and digits with single '-' between words "
        f"(like 'greet-customer'), got {_shown(got)}"
    )


def _too_short_message(field: Any, ctx: dict[str, Any]) -> str:
    wanted = {
        "sections": "at least one section",
        "items": "at least one item",
        "channels": "at least one channel",
    }
    if field in wanted:
        return f"needs {wanted[field]}"
    return f"a scale needs at least {ctx.get('min_length')} answers"
