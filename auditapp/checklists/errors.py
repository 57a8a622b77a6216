"""Problems found in checklist files, reported all at once with file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a checklist file, pointing at the offending key or value."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return _printable(f"{self.file}:{self.line}:{self.column}: {where}{self.message}")


def _printable(text: str) -> str:
    # A key or value quoted in a message may hold a line break, a control or a bidi
    # override; shown as an escape (\u202e) it cannot split the line or reorder the text.
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ChecklistError(Exception):
    """Raised when one or more checklist files are invalid; holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
