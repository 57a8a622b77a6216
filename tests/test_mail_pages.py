"""The email pages: each user's choices on their account page, the admin's defaults, and the
admin's list of the messages sent, failed and waiting."""

from __future__ import annotations

import re

import pytest
from conftest import running_app, text_of

from auditapp.extensions import db
from auditapp.models import MailMessage
from auditapp.services import mail_preferences


def ticked(page: str) -> set[str]:
    """The values of the ticked email checkboxes on a page."""
    boxes = re.findall(r'<input[^>]*name="kinds"[^>]*>', page)
    return {re.search(r'value="([^"]+)"', b)[1] for b in boxes if "checked" in b}


def offered(page: str) -> set[str]:
    return set(re.findall(r'name="kinds"[^>]*value="([^"]+)"', page)) | set(
        re.findall(r'value="([^"]+)"[^>]*name="kinds"', page)
    )


def test_a_staff_member_sees_and_changes_their_own_kinds(client, login_as):
    user = login_as("staff")
    page = client.get("/account").get_data(as_text=True)
    staff_kinds = set(mail_preferences.kinds_for("staff"))
    assert offered(page) == staff_kinds and ticked(page) == staff_kinds
    assert "weekly_digest" not in page
    response = client.post("/account/email", data={"kinds": ["audit_submitted"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#email")
    shown = client.get("/account")
    assert "Your email choices are saved." in text_of(shown)
    assert ticked(shown.get_data(as_text=True)) == {"audit_submitted"}
    choices = mail_preferences.choices_of(user)
    assert choices["audit_submitted"] and not choices["audit_amended"]


def test_a_kind_of_another_role_is_refused_next_to_the_field(client, login_as):
    user = login_as("staff")
    response = client.post("/account/email", data={"kinds": ["weekly_digest"]})
    assert response.status_code == 400
    assert "Choose among the kinds of email listed here." in text_of(response)
    assert "Traceback" not in response.get_data(as_text=True)
    assert all(mail_preferences.choices_of(user).values()), "nothing was changed"


def test_a_trainer_is_offered_the_digest(client, login_as):
    login_as("trainer")
    assert "weekly_digest" in offered(client.get("/account").get_data(as_text=True))


def test_an_admin_is_pointed_to_the_defaults(client, login_as):
    login_as("admin")
    page = text_of(client.get("/account"))
    assert "No email is sent to your role" in page and "email defaults" in page


def test_the_admins_defaults_hold_for_who_did_not_choose(client, login_as, make_user, login):
    login_as("admin")
    every = set(mail_preferences.defaults())
    page = client.get("/admin/mail/defaults").get_data(as_text=True)
    assert ticked(page) == every
    kept = sorted(every - {"audit_amended"})
    response = client.post("/admin/mail/defaults", data={"kinds": kept})
    assert response.status_code == 302
    assert ticked(client.get("/admin/mail/defaults").get_data(as_text=True)) == set(kept)
    login(make_user("staff"))
    assert "audit_amended" not in ticked(client.get("/account").get_data(as_text=True))


def test_the_defaults_refuse_an_unknown_kind(client, login_as):
    login_as("admin")
    response = client.post("/admin/mail/defaults", data={"kinds": ["fax"]})
    assert response.status_code == 400
    assert "Choose among the kinds of email listed here." in text_of(response)
    assert all(mail_preferences.defaults().values())


@pytest.fixture
def some_messages(make_user):
    user = make_user("staff", email="ana@example.com")
    rows = []
    for n in range(30):
        status = "failed" if n % 10 == 0 else "sent"
        rows.append(
            MailMessage(
                user_id=user.id,
                to_address=user.email,
                kind="audit_submitted",
                subject=f"Message {n}",
                link=f"http://127.0.0.1:5000/audits/{n}",
                text_body="",
                html_body="",
                status=status,
                attempts=5 if status == "failed" else 1,
                last_error="ConnectionRefusedError: [Errno 111] Connection refused"
                if status == "failed"
                else None,
            )
        )
    db.session.add_all(rows)
    db.session.commit()  # test data, beside the services
    return rows


def test_the_admin_lists_the_messages_newest_first_and_by_outcome(client, login_as, some_messages):
    login_as("admin")
    page = text_of(client.get("/admin/mail"))
    assert "30 emails, newest first" in page
    assert page.index("Message 29") < page.index("Message 28")
    assert "Message 0" not in page  # on the second page
    assert "Message 0" in text_of(client.get("/admin/mail?page=2"))
    failed = text_of(client.get("/admin/mail?status=failed"))
    assert "3 emails" in failed
    assert "Message 10" in failed and "Message 11" not in failed
    assert "after 5 attempts" in failed and "Connection refused" in failed
    assert "An audit of me was submitted" in failed


def test_a_bad_filter_is_a_400_and_a_page_past_the_end_a_404(client, login_as, some_messages):
    login_as("admin")
    response = client.get("/admin/mail?status=lost")
    assert response.status_code == 400 and "Correct the filter" in text_of(response)
    assert client.get("/admin/mail?page=99").status_code == 404


@pytest.fixture
def csrf_client(database_url, checklists_dir):
    with running_app(database_url, checklists_dir, WTF_CSRF_ENABLED=True) as app:
        yield app.test_client()


def test_the_email_forms_need_the_csrf_token(csrf_client, make_user):
    from conftest import PASSWORD

    user = make_user("staff", email="ana@example.com")
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', login_page)[1]
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    assert csrf_client.post("/login", data=form).status_code == 302
    response = csrf_client.post("/account/email", data={"kinds": []})
    assert response.status_code == 400
    assert all(mail_preferences.choices_of(user).values())
