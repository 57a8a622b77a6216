"""The examples in the docs are real: the format example validates, the worked example scores
exactly as the docs say."""

from __future__ import annotations

import json
import re
from pathlib import Path

from auditapp.checklists import parse_checklist
from auditapp.scoring import score

DOCS = Path(__file__).resolve().parents[1] / "docs"


def first_block(text: str, language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", text, re.S)
    assert match, f"no ```{language} block"
    return match.group(1)


def test_format_example_is_a_valid_checklist_using_every_key():
    text = first_block((DOCS / "checklists.md").read_text(), "yaml")
    checklist = parse_checklist(text, "docs example")
    for key in (
        "description:",
        "source:",
        "channels:",
        "pass_mark:",
        "bands:",
        "scales:",
        "guidance:",
        "kind: dont",
        "critical:",
        "allow_na:",
        "anchors:",
        "weight:",
    ):
        assert key in text, key
    assert checklist.scales, "the example shows a custom scale"


def test_worked_example_matches_the_engine():
    doc = (DOCS / "scoring.md").read_text()
    checklist = parse_checklist(first_block(doc, "yaml"), "docs worked example")
    answers = json.loads(first_block(doc, "json"))
    channel = re.search(r"^Channel: (\w+)$", doc, re.M).group(1)
    stated = re.search(r"^Result: overall ([\d.]+)%, band (.+), (passed|failed)$", doc, re.M)
    result = score(checklist, answers, channel)
    assert f"{result.overall:.1f}" == stated.group(1)
    assert result.band == stated.group(2)
    assert result.passed is (stated.group(3) == "passed")
