"""The checklist snapshot: old audits keep what they were scored against."""

from __future__ import annotations

import os

import pytest
from audits_support import (
    THANKED_NO_OVERALL,
    audit_count,
    audit_id_from,
    checked_radio,
    fresh,
    hidden,
    load_checklist_fingerprint,
    new_url,
)
from conftest import GOOD_ANSWERS, form_data, text_of

# --- 9. the checklist snapshot -----------------------------------------------------------


def test_old_audits_keep_the_checklist_they_were_scored_against(
    client, supervisor, staff, checklists_dir
):
    answers = {**GOOD_ANSWERS, "thanked": "no"}
    response = client.post(new_url(staff.id), data=form_data(answers, token="tok-old"))
    assert response.status_code == 302
    old_id = audit_id_from(response.headers["Location"])
    old_version_id = fresh(old_id).checklist_version_id
    assert fresh(old_id).overall == pytest.approx(THANKED_NO_OVERALL)

    # Reword "thanked" and triple its weight, without bumping the version.
    path = checklists_dir / "counter-basics.yaml"
    original = path.read_text()
    changed = original.replace(
        "        text: Thanked the customer\n",
        "        text: Thanked the customer by name\n        weight: 3\n",
    )
    assert changed != original
    path.write_text(changed)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    shown = client.get(f"/audits/{old_id}")
    page = text_of(shown)
    assert "Thanked the customer" in page and "Thanked the customer by name" not in page
    assert "75.3%" in page  # with the new weight it would be (2*88 + 25) / 3 = 67.0%
    assert "67.0%" not in page
    old = fresh(old_id)
    assert old.overall == pytest.approx(THANKED_NO_OVERALL)
    assert old.checklist_version_id == old_version_id

    # A new audit is scored against the new wording and weight.
    form = client.get(new_url(staff.id))
    assert "Thanked the customer by name" in text_of(form)
    new_fingerprint = hidden(form, "fingerprint")
    assert new_fingerprint == load_checklist_fingerprint(checklists_dir)
    assert new_fingerprint != load_checklist_fingerprint()
    response = client.post(
        new_url(staff.id), data=form_data(answers, token="tok-new", fingerprint=new_fingerprint)
    )
    assert response.status_code == 302, text_of(response)
    new = fresh(audit_id_from(response.headers["Location"]))
    assert new.checklist_version_id != old_version_id
    assert new.checklist_version.fingerprint == new_fingerprint
    assert new.overall == pytest.approx((2 * 88 + 25) / 3)
    assert "Thanked the customer by name" in text_of(client.get(f"/audits/{new.id}"))
    assert "75.3%" in text_of(client.get(f"/audits/{old_id}"))

    checklists_page = text_of(client.get("/checklists"))
    assert "changed without their" in checklists_page
    assert "counter-basics version 2: 2 different contents" in checklists_page


def test_form_opened_before_the_checklist_changed_is_reshown(
    client, supervisor, staff, checklists_dir
):
    path = checklists_dir / "counter-basics.yaml"
    path.write_text(path.read_text().replace("text: Smiled\n", "text: Smiled warmly\n"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    response = client.post(new_url(staff.id), data=form_data())  # the old fingerprint
    assert response.status_code == 409
    page = text_of(response)
    assert "The checklist was updated while you were scoring" in page
    assert "Smiled warmly" in page
    assert checked_radio(response, "item_smiled") == "often"
    assert hidden(response, "fingerprint") == load_checklist_fingerprint(checklists_dir)
    assert audit_count() == 0
