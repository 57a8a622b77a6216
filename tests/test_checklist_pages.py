"""The checklist pages: listed by title, and an invalid file named as invalid."""

from __future__ import annotations

import re

from conftest import text_of

NAMED = """\
id: {id}
title: {title}
version: 1
sections:
  - id: s
    title: S
    items:
      - id: a
        text: A
"""
LINK = r'href="/checklists/[a-z-]+">([^<]+)</a>'
OPTION = r'<option value="[a-z-]+">([^<]+)</option>'


def test_checklists_are_listed_and_offered_by_title(client, login_as, checklists_dir, make_staff):
    (checklists_dir / "aaa-last.yaml").write_text(NAMED.format(id="aaa-last", title="Zoo visits"))
    (checklists_dir / "zzz-first.yaml").write_text(NAMED.format(id="zzz-first", title="Answering"))
    make_staff()
    login_as("supervisor")
    listed = re.findall(LINK, client.get("/checklists").get_data(as_text=True))
    assert listed == ["Answering", "Counter basics", "Zoo visits"]
    form = client.get("/audits/new").get_data(as_text=True).split('name="checklist"', 1)[1]
    assert re.findall(OPTION, form)[:3] == ["Answering", "Counter basics", "Zoo visits"]


def test_an_invalid_checklist_file_is_named_as_invalid_with_what_to_fix(
    client, login_as, checklists_dir
):
    (checklists_dir / "broken.yaml").write_text("id: broken\ntitle: Broken\nversion: zero\n")
    login_as("trainer")
    response = client.get("/checklists/broken")
    assert response.status_code == 404
    page = text_of(response)
    assert "The checklist file “broken” is invalid" in page
    assert "broken.yaml:3:10: version: must be a whole number" in page
    # Its blank paper version says the same, not "page not found".
    response = client.get("/checklists/broken.pdf")
    assert response.status_code == 404
    assert "The checklist file “broken” is invalid" in text_of(response)


def test_a_checklist_that_does_not_exist_is_a_plain_404(client, login_as):
    login_as("trainer")
    response = client.get("/checklists/nothing-here")
    assert response.status_code == 404
    assert "invalid" not in text_of(response)
