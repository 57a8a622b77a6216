"""Loading and validating checklists: every validation rule has a broken file here."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditapp.checklists import (
    BUILTIN_SCALES,
    Checklist,
    ChecklistError,
    load_checklist,
    load_checklists,
    parse_checklist,
)

DATA = Path(__file__).parent / "data"


def problems_of(text: str, expected_id: str | None = "t") -> list[str]:
    """Every problem reported for checklist YAML text, as 'line:col: path: message'."""
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(textwrap.dedent(text), "t.yaml", expected_id=expected_id)
    return [str(p).removeprefix("t.yaml:") for p in caught.value.problems]


def test_valid_file_loads_with_defaults_filled_in():
    checklist = load_checklist(DATA / "valid" / "counter-basics.yaml")
    assert checklist.id == "counter-basics"
    assert checklist.version == 2
    assert checklist.pass_mark == 75
    assert [s.id for s in checklist.sections] == ["greeting", "closing"]
    thanked = checklist.item("thanked")
    assert (thanked.kind, thanked.scale, thanked.weight) == ("do", "yes_no", 1.0)
    assert (thanked.critical, thanked.allow_na, thanked.channels) == (False, True, None)
    assert checklist.item("greeted").anchors == {
        "yes": "Greeted within seconds",
        "no": "Did not greet",
    }
    assert [o.points for o in checklist.scale_for(checklist.item("smiled"))] == [0, 1, 3]
    assert checklist.scale_for(thanked) == BUILTIN_SCALES["yes_no"]
    assert checklist.item_count == 5


def test_missing_defaults_use_documented_values():
    checklist = parse_checklist(
        "id: t\ntitle: T\nversion: 1\nsections: [{id: s, title: S, items: [{id: a, text: A}]}]"
    )
    assert checklist.pass_mark == 80
    assert checklist.bands == ()
    assert checklist.channels is None
    assert checklist.sections[0].weight == 1


def test_yes_and_no_stay_text_not_booleans():
    checklist = parse_checklist(
        "id: t\ntitle: T\nversion: 1\nsections:\n  - id: s\n    title: S\n    items:\n"
        "      - id: a\n        text: A\n        anchors: {yes: good, no: bad}\n"
    )
    assert checklist.item("a").anchors == {"yes": "good", "no": "bad"}


BASE = """\
id: t
title: T
version: 1
sections:
  - id: s
    title: S
    items:
      - id: a
        text: A
"""

# (YAML text, expected problem as 'line:col: path: message' substring)
BROKEN = {
    "yaml syntax": ("id: t\ntitle: [oops\n", "3:1: YAML syntax error"),
    "empty file": ("", "1:1: the file is empty"),
    "not a mapping": ("- a\n- b\n", "1:1: must be a mapping"),
    "duplicate key": (
        BASE + "title: Again\n",
        "10:1: duplicate key 'title' (first given on line 2)",
    ),
    "missing title": (BASE.replace("title: T\n", ""), "1:1: missing required key 'title'"),
    "missing version": (BASE.replace("version: 1\n", ""), "missing required key 'version'"),
    "missing sections": ("id: t\ntitle: T\nversion: 1\n", "missing required key 'sections'"),
    "missing item text": (
        BASE.replace("        text: A\n", ""),
        "8:9: sections[0].items[0]: missing",
    ),
    "unknown key": (
        BASE + "        critcal: true\n",
        "10:9: sections[0].items[0].critcal: unknown key 'critcal' (did you mean 'critical'?)",
    ),
    "unknown top key": (BASE + "pass_mrk: 80\n", "10:1: pass_mrk: unknown key"),
    "version not whole": (
        BASE.replace("version: 1", "version: 1.5"),
        "3:10: version: must be a whole",
    ),
    "version text": (BASE.replace("version: 1", "version: '2'"), "3:10: version: must be a whole"),
    "version zero": (
        BASE.replace("version: 1", "version: 0"),
        "version: must be at least 1, got 0",
    ),
    "weight text": (
        BASE + "        weight: heavy\n",
        "10:17: sections[0].items[0].weight: must be a number, got 'heavy'",
    ),
    "weight zero": (BASE + "        weight: 0\n", "weight: must be greater than 0, got 0"),
    "section weight negative": (
        BASE.replace("    title: S\n", "    title: S\n    weight: -2\n"),
        "7:13: sections[0].weight: must be greater than 0, got -2",
    ),
    "critical not bool": (BASE + "        critical: maybe\n", "critical: must be true or false"),
    "kind unknown": (BASE + "        kind: never\n", "kind: must be one of 'do' or 'dont'"),
    "title empty": (BASE.replace("title: T", "title: ''"), "2:8: title: must not be empty"),
    "pass mark over 100": (BASE + "pass_mark: 120\n", "pass_mark: must be at most 100, got 120"),
    "bad channel": (BASE + "channels: [fax]\n", "channels[0]: must be one of"),
    "no items": (
        "id: t\ntitle: T\nversion: 1\nsections:\n  - {id: s, title: S, items: []}\n",
        "sections[0].items: needs at least one item",
    ),
    "no sections": ("id: t\ntitle: T\nversion: 1\nsections: []\n", "sections: needs at least one"),
    "malformed item id": (
        BASE.replace("id: a", "id: Greet_Customer"),
        "8:13: sections[0].items[0].id: an id uses lowercase letters",
    ),
    "malformed checklist id": (BASE.replace("id: t", "id: T t"), "1:5: id: an id uses lowercase"),
    "id not file name": (BASE.replace("id: t", "id: other"), "1:5: id: id 'other' must equal"),
    "duplicate item id": (
        BASE + "      - id: a\n        text: B\n",
        "10:13: sections[0].items[1].id: duplicate item id 'a' (also sections[0].items[0])",
    ),
    "duplicate item id across sections": (
        BASE + "  - id: s2\n    title: S2\n    items:\n      - {id: a, text: B}\n",
        "sections[1].items[0].id: duplicate item id 'a'",
    ),
    "duplicate section id": (
        BASE + "  - id: s\n    title: S2\n    items:\n      - {id: b, text: B}\n",
        "10:9: sections[1].id: duplicate section id 's'",
    ),
    "unknown scale": (
        BASE + "        scale: frequncy\n",
        "10:16: sections[0].items[0].scale: unknown scale 'frequncy'",
    ),
    "scale duplicate values": (
        BASE
        + "scales:\n  f:\n    - {value: x, label: X, points: 0}\n"
        + "    - {value: x, label: Y, points: 1}\n",
        "13:15: scales.f[1].value: duplicate value 'x' in this scale",
    ),
    "scale non-numeric points": (
        BASE
        + "scales:\n  f:\n    - {value: x, label: X, points: 0}\n"
        + "    - {value: y, label: Y, points: lots}\n",
        "13:36: scales.f[1].points: must be a number, got 'lots'",
    ),
    "scale negative points": (
        BASE + "scales:\n  f:\n    - {value: x, label: X, points: -1}\n"
        "    - {value: y, label: Y, points: 1}\n",
        "scales.f[0].points: must be at least 0",
    ),
    "scale all zero": (
        BASE + "scales:\n  f:\n    - {value: x, label: X, points: 0}\n"
        "    - {value: y, label: Y, points: 0}\n",
        "scales.f: at least one answer must earn more than 0 points",
    ),
    "scale one answer": (
        BASE + "scales:\n  f:\n    - {value: x, label: X, points: 1}\n",
        "scales.f: a scale needs at least 2 answers",
    ),
    "scale na value": (
        BASE + "scales:\n  f:\n    - {value: na, label: X, points: 0}\n"
        "    - {value: y, label: Y, points: 1}\n",
        "scales.f[0].value: 'na' is reserved",
    ),
    "scale redefines builtin": (
        BASE + "scales:\n  yes_no:\n    - {value: x, label: X, points: 0}\n"
        "    - {value: y, label: Y, points: 1}\n",
        "11:3: scales.yes_no: 'yes_no' is a built-in scale",
    ),
    "scale name malformed": (
        BASE + "scales:\n  Freq:\n    - {value: x, label: X, points: 0}\n"
        "    - {value: y, label: Y, points: 1}\n",
        "11:3: scales.Freq: a scale name uses lowercase",
    ),
    "bands out of order": (
        BASE + "bands:\n  - {min: 50, label: Low}\n  - {min: 90, label: High}\n"
        "  - {min: 0, label: Zero}\n",
        "12:11: bands[1].min: bands go from the highest min to the lowest; 90 comes after 50",
    ),
    "bands without zero": (
        BASE + "bands:\n  - {min: 90, label: High}\n  - {min: 50, label: Low}\n",
        "12:11: bands[1].min: the last band must have min: 0",
    ),
    "dont on rating scale": (
        BASE + "        kind: dont\n        scale: rating_1_5\n",
        "10:15: sections[0].items[0].kind: kind: dont makes no sense on scale 'rating_1_5'",
    ),
    "anchor not on scale": (
        BASE + "        anchors: {maybe: Unsure}\n",
        "10:19: sections[0].items[0].anchors.maybe: anchor 'maybe' is not an answer",
    ),
    "item channel outside checklist channels": (
        BASE + "        channels: [email]\nchannels: [phone]\n",
        "10:20: sections[0].items[0].channels[0]: channel 'email' is not one of the checklist's",
    ),
    "python tag refused": (BASE + "description: !!python/name:os.system\n", "YAML syntax error"),
}


@pytest.mark.parametrize("text, expected", BROKEN.values(), ids=BROKEN.keys())
def test_broken_checklist_reports_problem_with_position(text, expected):
    found = problems_of(text)
    assert any(expected in problem for problem in found), found


def test_every_problem_reported_in_one_run():
    text = BASE.replace("version: 1", "version: zero") + (
        "        critcal: true\n        weight: -1\n      - id: a\n        text: B\n"
        "bands:\n  - {min: 10, label: X}\n"
    )
    found = problems_of(text)
    assert len(found) == 5, found
    assert [p.split(":")[0] for p in found] == ["3", "10", "11", "12", "15"]


def test_problem_names_file_line_and_column():
    with pytest.raises(ChecklistError) as caught:
        load_checklist(DATA / "broken" / "typo-key.yaml")
    (problem,) = caught.value.problems
    assert str(problem).endswith(
        "typo-key.yaml:10:9: sections[0].items[0].critcal: unknown key 'critcal' "
        "(did you mean 'critical'?); allowed keys: allow_na, anchors, channels, critical, "
        "guidance, id, kind, scale, text, weight"
    )
    assert (problem.line, problem.column) == (10, 9)


def test_file_name_must_match_id():
    with pytest.raises(ChecklistError, match="id 'not-the-file-name' must equal the file name"):
        load_checklist(DATA / "broken" / "wrong-name.yaml")


def test_file_that_is_not_utf8_is_reported():
    with pytest.raises(ChecklistError, match=r"latin1\.yaml:1:1: not UTF-8"):
        load_checklist(DATA / "broken" / "latin1.yaml")


def test_missing_file_is_reported():
    with pytest.raises(ChecklistError, match="cannot read the file"):
        load_checklist(DATA / "nope.yaml")


def test_yml_suffix_is_reported(tmp_path):
    path = tmp_path / "t.yml"
    path.write_text(BASE)
    with pytest.raises(ChecklistError, match=r"checklist files end in \.yaml"):
        load_checklist(path)


def test_folder_loads_every_valid_file_by_id():
    checklists = load_checklists(DATA / "valid")
    assert list(checklists) == ["counter-basics"]
    assert isinstance(checklists["counter-basics"], Checklist)


def test_folder_reports_problems_of_every_broken_file():
    with pytest.raises(ChecklistError) as caught:
        load_checklists(DATA / "broken")
    files = {Path(p.file).name for p in caught.value.problems}
    assert files == {"typo-key.yaml", "wrong-name.yaml", "bad-syntax.yaml", "latin1.yaml"}


def test_configured_folder_comes_from_environment(tmp_path, monkeypatch):
    (tmp_path / "t.yaml").write_text(BASE)
    monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(tmp_path))
    assert list(load_checklists()) == ["t"]


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(ChecklistError, match="checklists folder not found"):
        load_checklists(tmp_path / "absent")


# Fingerprints and snapshots


def test_fingerprint_ignores_comments_key_order_and_spelt_out_defaults():
    plain = parse_checklist(BASE)
    reordered = parse_checklist(
        "# a comment\nversion: 1\nsections:\n  - title: S\n    id: s\n    weight: 1\n    items:\n"
        "      - {text: A, id: a, kind: do, scale: yes_no, allow_na: true}\n"
        "title: T\nid: t\npass_mark: 80\n"
    )
    assert plain.fingerprint == reordered.fingerprint
    assert len(plain.fingerprint) == 64
    assert plain.short_fingerprint == plain.fingerprint[:12]


def test_fingerprint_changes_when_content_changes_without_version_bump():
    before = parse_checklist(BASE)
    after = parse_checklist(BASE.replace("text: A", "text: A, reworded"))
    assert before.version == after.version
    assert before.fingerprint != after.fingerprint


def test_snapshot_round_trips_exactly():
    checklist = load_checklist(DATA / "valid" / "counter-basics.yaml")
    restored = Checklist.from_snapshot(checklist.to_snapshot())
    assert restored == checklist
    assert restored.fingerprint == checklist.fingerprint


def test_tampered_snapshot_is_rejected():
    snapshot = load_checklist(DATA / "valid" / "counter-basics.yaml").to_snapshot()
    snapshot["sections"][0]["items"][0]["scale"] = "missing-scale"
    with pytest.raises(ChecklistError, match="unknown scale 'missing-scale'"):
        Checklist.from_snapshot(snapshot)


def test_checklist_is_immutable():
    checklist = parse_checklist(BASE)
    with pytest.raises(ValueError, match="frozen"):
        checklist.title = "changed"
