"""Reading checklist YAML safely while remembering where every key and value sits in the file.

A checklist file is untrusted input, so before any node or object is built the event stream
is screened, one event at a time and without recursion, for what no checklist needs and
what makes a YAML file blow up: anchors and aliases (`&x`, `*x`: "billion laughs", a
self-referencing list) and nesting deeper than MAX_DEPTH (the composer and our own walk
recurse once per level). Files over MAX_BYTES are refused before parsing starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditapp.text import bad_character

Path_ = tuple[str | int, ...]
_BOOL_TAG = "tag:yaml.org,2002:bool"

# The shipped checklists are 3-5 KB and the longest sensible one might reach 30 KB. 256 KB
# leaves room for that many times over while keeping the worst file anyone can write to
# about a second of parsing and some tens of MB, once, when the file changes.
MAX_BYTES = 256 * 1024
# A checklist nests 6 levels at most (sections > items > anchors); 20 is far more than any
# checklist needs and far less than Python's recursion limit.
MAX_DEPTH = 20
TOO_LARGE = (
    f"the file is larger than {MAX_BYTES // 1024} KB, the most a checklist file may be; "
    "split it into several checklists"
)


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
    path: Path_ = ()


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _screen(text: str) -> YamlProblem | None:
    """The first anchor, alias or too deep nesting in `text`, read as a stream of events.

    The parser keeps its own stack, so this cannot recurse however deep the file nests, and
    it stops at the first offence: a billion-laughs file is refused after a few events.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            return YamlProblem(
                *_pos(event.start_mark),
                "YAML anchors and aliases ('&name', '*name') are not allowed in a checklist; "
                "write the value out in full",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return YamlProblem(
                    *_pos(event.start_mark),
                    f"lists and mappings nested more than {MAX_DEPTH} levels deep; "
                    "a checklist needs 6 at most",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _refused_text(text: str, mark: yaml.Mark, path: Path_, problems: list[YamlProblem]) -> None:
    reason = bad_character(text)
    if reason:
        problems.append(YamlProblem(*_pos(mark), f"{reason}; remove it", path))


def _walk(node: yaml.Node, path: Path_, located: Located, problems: list[YamlProblem]) -> None:
    # Recursive, but only over files that passed _screen: at most MAX_DEPTH levels.
    located.values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        _refused_text(node.value, node.start_mark, path, problems)
    elif isinstance(node, yaml.MappingNode):
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
            if isinstance(key_node, yaml.ScalarNode):
                _refused_text(key, key_node.start_mark, (*path, key), problems)
            _walk(value_node, (*path, key), located, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, (*path, index), located, problems)


def read_yaml(text: str) -> tuple[Located | None, list[YamlProblem]]:
    """Parse one YAML document; return the data with positions, or the problems found."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None, [YamlProblem(1, 1, TOO_LARGE)]
    try:
        refused = _screen(text)
        if refused:
            return None, [refused]
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        return None, [_unreadable_character(text, exc)]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc)]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, 1, f"YAML syntax error: {exc}")]
    problems: list[YamlProblem] = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [YamlProblem(1, 1, "the file is empty; expected a checklist")]
        located = Located(data=None)
        _walk(node, (), located, problems)
        located.data = _construct(loader, node)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc)]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, 1, f"YAML syntax error: {exc}")]
    finally:
        loader.dispose()
    return located, problems


class _ValueError(yaml.MarkedYAMLError):
    """A scalar the constructor could not turn into a value, such as `!!timestamp 2020-13-45`."""


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    try:
        return loader.construct_document(node)
    except yaml.YAMLError:
        raise
    except Exception as exc:
        # PyYAML's constructors let Python's own errors through: int() of more than 4,300
        # digits, datetime() of month 13, an explicit `!!bool maybe`. Find the culprit.
        culprit, error = _first_unreadable(node) or (node, exc)
        reason = str(error).split(":")[0].strip() or type(error).__name__
        raise _ValueError(
            problem=f"cannot read this value ({reason})", problem_mark=culprit.start_mark
        ) from None


def _first_unreadable(root: yaml.Node) -> tuple[yaml.Node, Exception] | None:
    probe = _Loader("")
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                probe.construct_object(node, deep=True)
            except Exception as exc:
                return node, exc
        elif isinstance(node, yaml.MappingNode):
            stack += reversed([child for pair in node.value for child in pair])
        elif isinstance(node, yaml.SequenceNode):
            stack += reversed(node.value)
    return None


def _syntax_problem(exc: yaml.MarkedYAMLError) -> YamlProblem:
    if isinstance(exc, _ValueError):
        return YamlProblem(*_pos(exc.problem_mark), str(exc.problem))
    mark = exc.problem_mark or exc.context_mark
    line, column = _pos(mark) if mark else (1, 1)
    what = exc.problem or "could not be read"
    context = f" ({exc.context})" if exc.context else ""
    return YamlProblem(line, column, f"YAML syntax error: {what}{context}")


def _unreadable_character(text: str, exc: yaml.reader.ReaderError) -> YamlProblem:
    """PyYAML refuses raw control characters in the stream; say where, as for any value."""
    position = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    reason = bad_character(char) or f"contains the character U+{ord(char):04X}, which YAML refuses"
    return YamlProblem(line, column, f"{reason}; remove it")
