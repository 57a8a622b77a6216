"""Reading checklist YAML safely while remembering where every key and value sits in the file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads only true/false as booleans.

    YAML 1.1 turns `yes`, `no`, `on` and `off` into booleans, which would silently turn the
    anchor keys `yes:`/`no:` of a yes_no item into True/False. Checklists use YAML 1.2's rule.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class Located:
    """Parsed YAML data plus the 1-based (line, column) of each key and value by path."""

    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
        """Position of the key (or value) at `path`, else of its nearest ancestor that exists."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while reading YAML, before any checking of the checklist format."""

    line: int
    column: int
    message: str


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _walk(node: yaml.Node, path: Path_, located: Located, problems: list[YamlProblem]) -> None:
    located.values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line, column = _pos(key_node.start_mark)
            if key in seen:
                problems.append(
                    YamlProblem(
                        line, column, f"duplicate key '{key}' (first given on line {seen[key]})"
                    )
                )
                continue
            seen[key] = line
            located.keys[(*path, key)] = (line, column)
            _walk(value_node, (*path, key), located, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, (*path, index), located, problems)


def read_yaml(text: str) -> tuple[Located | None, list[YamlProblem]]:
    """Parse one YAML document; return the data with positions, or the problems found."""
    loader = _Loader(text)
    problems: list[YamlProblem] = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [YamlProblem(1, 1, "the file is empty; expected a checklist")]
        located = Located(data=None)
        _walk(node, (), located, problems)
        located.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _pos(mark) if mark else (1, 1)
        what = exc.problem or "could not be read"
        context = f" ({exc.context})" if exc.context else ""
        return None, [YamlProblem(line, column, f"YAML syntax error: {what}{context}")]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, 1, f"YAML syntax error: {exc}")]
    finally:
        loader.dispose()
    return located, problems
