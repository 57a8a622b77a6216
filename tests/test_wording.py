"""People read titles and wording, never machine ids: checklists and items by their titles
on the home page, the coaching list and the insights tables."""

from __future__ import annotations

import re
from datetime import date

from conftest import text_of

from auditapp.services import coaching
from auditapp.services.checklists import available

TITLE = "Counter basics"  # tests/data/valid/counter-basics.yaml
MISSED = {"greeted": "no", "warmth": "2", "smiled": "never", "thanked": "no", "argued": "yes"}


def test_a_draft_on_the_home_page_names_its_checklist_by_title(client, login_as, make_audit):
    supervisor = login_as("supervisor")
    make_audit(supervisor=supervisor, submit=False)
    page = text_of(client.get("/"))
    assert TITLE in page and "counter-basics" not in page


def test_coaching_actions_name_the_checklist_and_items_in_words(client, login_as, make_audit):
    trainer = login_as("trainer")
    audit = make_audit()
    coaching.record(
        trainer=trainer,
        staff=audit.staff_member,
        target=coaching.Target(available()["counter-basics"], ("greeted", "thanked")),
        note="Greet first",
        follow_up_on=date(2030, 1, 1),
        audit=audit,
    )
    page = text_of(client.get("/coaching"))
    assert f"{TITLE}" in page
    assert "Greeted the customer; Thanked the customer" in page
    assert "counter-basics" not in page and "greeted, thanked" not in page


def test_the_insights_tables_name_checklists_by_title(client, login_as, make_audit):
    login_as("trainer")
    for _ in range(3):
        make_audit(answers=MISSED)
    page = text_of(client.get("/insights"))
    assert TITLE in page
    assert "counter-basics" not in page


def test_the_roster_box_shows_its_example_on_two_lines(client, login_as):
    login_as("admin")
    page = client.get("/staff").get_data(as_text=True)
    assert 'placeholder="name,team,code\nAna Lopez,Front desk,E101"' in page
    assert "&amp;#10;" not in page


def test_the_score_card_counts_na_and_not_asked_in_the_rows_own_words(client, login_as, make_audit):
    login_as("trainer")
    answers = {"greeted": "yes", "warmth": "na", "thanked": "yes", "argued": "no"}
    audit = make_audit(answers=answers, channel="phone")  # "smiled" is asked in person only
    page = text_of(client.get(f"/audits/{audit.id}"))
    assert "Answered 3 scored, 1 N/A, 1 not asked on this channel" in page
    assert "Not asked on this channel" in page  # the row, in the same words


def test_the_event_log_names_people_checklists_and_filters_in_words(client, login_as, make_audit):
    admin = login_as("admin")
    audit = make_audit()
    client.get("/audits/export.csv")
    client.get(f"/audits/export.csv?staff={audit.staff_member_id}")
    page = text_of(client.get("/admin/log"))
    assert f"Audit #{audit.id}" in page
    assert (
        f"Staff member: {audit.staff_member.name}" in page and "Checklist: Counter basics" in page
    )
    assert "Filters: none (everything the person may see)" in page
    assert f"Filters: staff member {audit.staff_member.name}" in page
    assert "filters: {}" not in page and "staff_member:" not in page
    assert admin.email in page


def test_an_incomplete_submit_counts_what_is_missing_and_links_to_the_first(
    client, login_as, make_staff
):
    from conftest import form_data

    login_as("supervisor")
    staff = make_staff()
    answers = {"greeted": "yes", "smiled": "often", "argued": "no"}  # warmth, thanked missing
    url = f"/audits/new?staff={staff.id}&checklist=counter-basics"
    response = client.post(url, data=form_data(answers))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved: 2 fields below need your attention." in text_of(response)
    first = re.search(r'<a class="alert-link" href="#([^"]+)">Go to the first</a>', page)[1]
    assert first == "item_warmth"  # the first missing item, in the form's order
    assert f'id="{first}"' in page  # and the link lands on it
