"""The staff member's side of an audit: acknowledging it, disputing it, a supervisor
rejecting the dispute or amending the audit, and every step in the history (page and PDF),
checked against the pages and the database rows."""

from __future__ import annotations

import io
import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from conftest import GOOD_ANSWERS, PASSWORD, form_data, running_app, text_of
from pypdf import PdfReader
from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import Audit, AuditEvent
from auditapp.services import audits as audit_service
from auditapp.services import people, reports, responses, users
from auditapp.services.checklists import available

COMMENT = "I did thank the customer, at the door as they left."
REASON = "The recording shows no thanks at the door."


# --- helpers -----------------------------------------------------------------------------


def fresh(audit_id: int) -> Audit:
    db.session.expire_all()
    return db.session.get(Audit, audit_id)


def events_of(audit_id: int, action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.audit_id == audit_id).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.execute(query).scalars())


def actions_of(audit_id: int) -> list[str]:
    return [event.action for event in events_of(audit_id)]


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pages))


def assert_field_error(response, field_id: str, message: str) -> None:
    """The message sits in the invalid-feedback right after the field it is about."""
    html = response.get_data(as_text=True)
    pattern = (
        rf'<textarea[^>]*id="{field_id}"[^>]*>.*?</textarea>\s*'
        rf'<div class="invalid-feedback[^"]*"[^>]*>\s*{re.escape(message)}'
    )
    assert re.search(pattern, html, re.S), text_of(response)
    assert re.search(rf'<textarea[^>]*class="[^"]*is-invalid[^"]*"[^>]*id="{field_id}"', html)


def post(client, audit_id: int, step: str, **data):
    paths = {"acknowledge": "acknowledge", "dispute": "dispute", "reject": "dispute/reject"}
    return client.post(f"/audits/{audit_id}/{paths[step]}", data=data)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def app(database_url, checklists_dir, tmp_path, monkeypatch):
    """The conftest app with an instance folder (and so a PDF cache) of this test's own."""
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    with running_app(database_url, checklists_dir) as app:
        yield app


@pytest.fixture
def world(app, make_staff, make_user, make_audit):
    """Ana (with a staff login) and her submitted audit, scored by Sam Carter."""
    ana = make_staff("Ana Lopez", team="Front desk")
    sam = users.create_user("sam.carter@example.com", "Sam Carter", "supervisor", PASSWORD)
    return SimpleNamespace(
        ana=ana,
        sam=sam,
        ana_login=make_user("staff", email="ana@example.com", staff=ana),
        audit=make_audit(staff=ana, supervisor=sam),
    )


@pytest.fixture
def disputed(client, login, world):
    """Ana disputed her audit through the page; the client is logged in as Ana."""
    login(world.ana_login)
    response = post(client, world.audit.id, "dispute", comment=COMMENT)
    assert response.status_code == 302, text_of(response)
    return world


# --- 1. acknowledging --------------------------------------------------------------------


def test_staff_member_acknowledges_their_audit(client, login, world):
    login(world.ana_login)
    page = client.get(f"/audits/{world.audit.id}")
    assert 'value="Acknowledge"' in page.get_data(as_text=True)
    assert "Not acknowledged by the staff member yet." in text_of(page)
    before = fresh(world.audit.id).updated_at

    response = post(client, world.audit.id, "acknowledge")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{world.audit.id}"

    audit = fresh(world.audit.id)
    assert audit.acknowledged_at is not None
    assert audit.dispute_status is None
    assert audit.updated_at > before  # so the PDF cache makes a new report
    (event,) = events_of(audit.id, "acknowledged")
    assert event.user_id == world.ana_login.id and event.reason is None

    shown = client.get(response.headers["Location"])
    page = text_of(shown)
    assert f"Audit #{audit.id} acknowledged." in page
    assert f"Acknowledged by the staff member on {audit.acknowledged_at:%d %b %Y %H:%M}" in page
    assert f"Acknowledged by {world.ana_login.name}" in page  # the history
    assert 'value="Acknowledge"' not in shown.get_data(as_text=True)
    assert 'value="Dispute this audit"' not in shown.get_data(as_text=True)

    again = post(client, audit.id, "acknowledge")
    assert again.status_code == 302
    refusal = text_of(client.get(again.headers["Location"]))
    assert f"You already acknowledged this audit on {audit.acknowledged_at:%d %b %Y}" in refusal
    assert len(events_of(audit.id, "acknowledged")) == 1
    assert fresh(audit.id).acknowledged_at == audit.acknowledged_at


def test_another_staff_member_cannot_respond(client, login, make_user, make_staff, world):
    login(make_user("staff", email="bo@example.com", staff=make_staff("Bo", team="Front desk")))
    assert post(client, world.audit.id, "acknowledge").status_code == 403
    assert post(client, world.audit.id, "dispute", comment=COMMENT).status_code == 403
    audit = fresh(world.audit.id)
    assert audit.acknowledged_at is None and audit.dispute_status is None
    assert actions_of(audit.id) == ["created", "submitted"]


@pytest.mark.parametrize("role", ["trainer", "admin", "supervisor"])
def test_other_roles_cannot_respond_on_the_staff_members_behalf(client, login_as, world, role):
    login_as(role)
    assert post(client, world.audit.id, "acknowledge").status_code == 403
    assert post(client, world.audit.id, "dispute", comment=COMMENT).status_code == 403
    page = client.get(f"/audits/{world.audit.id}")
    assert page.status_code == 200
    assert 'value="Acknowledge"' not in page.get_data(as_text=True)
    assert "Not acknowledged by the staff member yet." in text_of(page)
    audit = fresh(world.audit.id)
    assert audit.acknowledged_at is None and audit.dispute_status is None
    assert actions_of(audit.id) == ["created", "submitted"]


def test_the_author_supervisor_cannot_acknowledge_either(client, login, world):
    login(world.sam)
    assert post(client, world.audit.id, "acknowledge").status_code == 403
    assert fresh(world.audit.id).acknowledged_at is None


def test_drafts_cannot_be_acknowledged_or_disputed(client, login, make_audit, world):
    draft = make_audit(staff=world.ana, supervisor=world.sam, submit=False)
    login(world.ana_login)
    assert post(client, draft.id, "acknowledge").status_code == 403
    assert post(client, draft.id, "dispute", comment=COMMENT).status_code == 403
    with pytest.raises(responses.ResponseError, match="Only a submitted audit"):
        responses.acknowledge(draft, world.ana_login)
    with pytest.raises(responses.ResponseError, match="Only a submitted audit"):
        responses.dispute(draft, world.ana_login, COMMENT)
    db.session.rollback()
    audit = fresh(draft.id)
    assert audit.acknowledged_at is None and audit.dispute_status is None
    assert actions_of(draft.id) == ["created"]


# --- 2. disputing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("", "Write what you disagree with."),
        ("   ", "Write what you disagree with."),
        ("x" * 2001, "Field cannot be longer than 2000 characters."),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_dispute_needs_a_comment(client, login, world, comment, message):
    login(world.ana_login)
    response = post(client, world.audit.id, "dispute", comment=comment)
    assert response.status_code == 400
    assert "Nothing was saved" in text_of(response)
    assert_field_error(response, "comment", message)
    audit = fresh(world.audit.id)
    assert audit.dispute_status is None
    assert events_of(audit.id, "disputed") == []


def test_dispute_is_stored_and_shown_to_the_staff_member(client, disputed):
    audit = fresh(disputed.audit.id)
    assert audit.dispute_status == "open"
    assert audit.acknowledged_at is None
    (event,) = events_of(audit.id, "disputed")
    assert event.reason == COMMENT and event.user_id == disputed.ana_login.id

    shown = client.get(f"/audits/{audit.id}")
    page = text_of(shown)
    assert f"Your dispute of audit #{audit.id} was sent to the supervisors." in page
    assert f"Disputed: {COMMENT} — waiting for a supervisor." in page
    assert f"Comment: {COMMENT}" in page  # the history
    html = shown.get_data(as_text=True)
    assert 'value="Acknowledge"' not in html
    assert 'value="Reject dispute"' not in html
    assert f"/audits/{audit.id}/amend" not in html


def test_a_second_dispute_and_an_acknowledgement_wait_for_the_supervisor(client, disputed):
    audit_id = disputed.audit.id
    again = post(client, audit_id, "dispute", comment="And another thing.")
    assert again.status_code == 400
    assert "You already disputed this audit; a supervisor has yet to answer." in text_of(again)
    ack = post(client, audit_id, "acknowledge")
    assert ack.status_code == 302
    assert "a supervisor has to answer it before you can acknowledge" in text_of(
        client.get(ack.headers["Location"])
    )
    audit = fresh(audit_id)
    assert audit.dispute_status == "open" and audit.acknowledged_at is None
    assert actions_of(audit_id) == ["created", "submitted", "disputed"]


def test_supervisor_sees_the_dispute_with_the_reject_form_and_amend_link(client, login, disputed):
    login(disputed.sam)
    shown = client.get(f"/audits/{disputed.audit.id}")
    page = text_of(shown)
    html = shown.get_data(as_text=True)
    assert f"Disputed: {COMMENT} — waiting for a supervisor." in page
    assert "Why is the dispute rejected?" in page
    assert 'value="Reject dispute"' in html
    assert f'action="/audits/{disputed.audit.id}/dispute/reject"' in html
    assert f'href="/audits/{disputed.audit.id}/amend"' in html


# --- 3. a supervisor answers -------------------------------------------------------------


def test_reject_needs_a_reason(client, login, disputed):
    login(disputed.sam)
    response = post(client, disputed.audit.id, "reject", reason="  ")
    assert response.status_code == 400
    assert_field_error(response, "reason", "Write why the dispute is rejected.")
    assert fresh(disputed.audit.id).dispute_status == "open"
    assert events_of(disputed.audit.id, "dispute_rejected") == []


def test_reject_without_an_open_dispute_is_refused(client, login, world):
    login(world.sam)
    response = post(client, world.audit.id, "reject", reason=REASON)
    assert response.status_code == 400
    assert "This audit has no open dispute to reject." in text_of(response)
    assert fresh(world.audit.id).dispute_status is None
    assert events_of(world.audit.id, "dispute_rejected") == []


def test_rejected_dispute_then_the_staff_member_acknowledges(client, login, disputed):
    login(disputed.sam)
    response = post(client, disputed.audit.id, "reject", reason=REASON)
    assert response.status_code == 302, text_of(response)
    audit = fresh(disputed.audit.id)
    assert audit.dispute_status == "rejected"
    (event,) = events_of(audit.id, "dispute_rejected")
    assert event.reason == REASON and event.user_id == disputed.sam.id
    page = text_of(client.get(response.headers["Location"]))
    assert "was rejected; the reason is in its history" in page
    assert f"Dispute rejected: {REASON}" in page

    login(disputed.ana_login)
    shown = client.get(f"/audits/{audit.id}")
    assert f"Dispute rejected: {REASON}" in text_of(shown)
    assert 'value="Acknowledge"' in shown.get_data(as_text=True)
    assert post(client, audit.id, "acknowledge").status_code == 302
    audit = fresh(audit.id)
    assert audit.acknowledged_at is not None and audit.dispute_status == "rejected"
    assert actions_of(audit.id) == [
        "created",
        "submitted",
        "disputed",
        "dispute_rejected",
        "acknowledged",
    ]


def test_only_supervisors_reject_in_the_service(world):
    audit = world.audit
    responses.dispute(audit, world.ana_login, COMMENT)
    with pytest.raises(responses.ResponseError, match="Only a supervisor"):
        responses.reject_dispute(audit, world.ana_login, REASON)
    with pytest.raises(responses.ResponseError) as caught:
        responses.reject_dispute(audit, world.sam, "")
    assert caught.value.field == "reason"
    assert fresh(audit.id).dispute_status == "open"


def test_amending_a_disputed_audit_resolves_the_dispute(client, login, disputed):
    login(disputed.sam)
    response = client.post(
        f"/audits/{disputed.audit.id}/amend",
        data=form_data(item_thanked="no", reason="Ana was right about the door."),
    )
    assert response.status_code == 302, text_of(response)
    audit = fresh(disputed.audit.id)
    assert audit.revision == 1
    assert audit.dispute_status == "amended"
    assert audit.acknowledged_at is None
    assert actions_of(audit.id)[-2:] == ["amended", "dispute_resolved"]
    (event,) = events_of(audit.id, "dispute_resolved")
    assert event.user_id == disputed.sam.id
    assert "revision 1" in event.reason
    page = text_of(client.get(f"/audits/{audit.id}"))
    assert "Resolved by amendment." in page
    assert "Dispute resolved by amendment by Sam Carter" in page
    assert 'value="Reject dispute"' not in page

    login(disputed.ana_login)
    shown = client.get(f"/audits/{audit.id}")
    assert "Resolved by amendment." in text_of(shown)
    assert 'value="Acknowledge"' in shown.get_data(as_text=True)


def test_amending_an_acknowledged_audit_asks_for_a_new_acknowledgement(client, login, world):
    login(world.ana_login)
    assert post(client, world.audit.id, "acknowledge").status_code == 302
    audit = fresh(world.audit.id)
    audit_service.amend(
        audit,
        user=world.sam,
        interaction=audit_service.Interaction.of(audit),
        entry=audit_service.Answers({**audit.answers, "thanked": "no"}, {}),
        reason="Recounted",
    )
    audit = fresh(audit.id)
    assert audit.acknowledged_at is None
    assert audit.dispute_status is None
    assert actions_of(audit.id)[-2:] == ["amended", "acknowledgement_cleared"]
    shown = client.get(f"/audits/{audit.id}")
    page = text_of(shown)
    assert "Acknowledgement cleared by Sam Carter" in page
    assert "asked to acknowledge it again" in page
    assert 'value="Acknowledge"' in shown.get_data(as_text=True)
    assert post(client, audit.id, "acknowledge").status_code == 302
    assert fresh(audit.id).acknowledged_at is not None


# --- 4. the history on the page and in the PDF -------------------------------------------


def test_every_step_is_in_the_history_and_the_pdf(client, login, world):
    audit_id = world.audit.id
    login(world.ana_login)
    first = client.get(f"/audits/{audit_id}.pdf")
    assert first.status_code == 200
    assert "Disputed" not in pdf_text(first.data)
    first_cache = reports.cache_path(fresh(audit_id))

    assert post(client, audit_id, "dispute", comment=COMMENT).status_code == 302
    assert reports.cache_path(fresh(audit_id)) != first_cache
    text = pdf_text(client.get(f"/audits/{audit_id}.pdf").data)
    assert "Disputed by" in text and f"Comment: {COMMENT}" in text

    login(world.sam)
    assert post(client, audit_id, "reject", reason=REASON).status_code == 302
    login(world.ana_login)
    assert post(client, audit_id, "acknowledge").status_code == 302
    audit = fresh(audit_id)
    text = pdf_text(client.get(f"/audits/{audit_id}.pdf").data)
    page = text_of(client.get(f"/audits/{audit_id}"))
    for shown in (text, page):
        assert f"Disputed by {world.ana_login.name}" in shown
        assert f"Comment: {COMMENT}" in shown
        assert "Dispute rejected by Sam Carter" in shown
        assert f"Reason: {REASON}" in shown
        assert f"Acknowledged by {world.ana_login.name}, {audit.acknowledged_at:%d %b %Y}" in shown


# --- 5. open disputes on a supervisor's start page ---------------------------------------


def test_open_disputes_list_newest_first(client, login, make_user, make_staff, make_audit, world):
    bo = make_staff("Bo Brown", team="Front desk")
    bo_login = make_user("staff", email="bo@example.com", staff=bo)
    bo_audit = make_audit(staff=bo, supervisor=world.sam)
    quiet = make_audit(staff=world.ana, supervisor=world.sam, observed_at=datetime(2026, 11, 3))

    login(world.sam)
    assert "No open disputes." in text_of(client.get("/"))

    responses.dispute(world.audit, world.ana_login, COMMENT)
    responses.dispute(bo_audit, bo_login, "Not my shift.")
    listed = responses.open_disputes()
    assert [d.audit_id for d in listed] == [bo_audit.id, world.audit.id]
    assert listed[0].staff_name == "Bo Brown" and listed[0].comment == "Not my shift."

    html = client.get("/").get_data(as_text=True)
    page = text_of(client.get("/"))
    assert "Open disputes" in page
    links = re.findall(r'href="/audits/(\d+)"', html.split("Open disputes")[1].split("<h2")[0])
    assert links == [str(bo_audit.id), str(world.audit.id)]
    assert str(quiet.id) not in links
    assert "Not my shift." in page and COMMENT in page

    responses.reject_dispute(bo_audit, world.sam, REASON)
    assert [d.audit_id for d in responses.open_disputes()] == [world.audit.id]

    login(make_user("trainer"))
    assert "Open disputes" not in text_of(client.get("/"))


# --- 6. CSRF -----------------------------------------------------------------------------


def test_response_forms_carry_a_csrf_token(database_url, checklists_dir, tmp_path, monkeypatch):
    """With CSRF on (as in production) a post needs the page's token."""
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(tmp_path / "csrf-instance"))
    with running_app(database_url, checklists_dir, WTF_CSRF_ENABLED=True) as app:
        staff = people.add_staff("Ana Lopez", "Front desk", None, by=None)
        sam = users.create_user("sam@example.com", "Sam", "supervisor", PASSWORD)
        users.create_user("ana@example.com", "Ana", "staff", PASSWORD, staff_member_id=staff.id)
        audit, _ = audit_service.start(
            supervisor=sam,
            staff=staff,
            checklist=available()["counter-basics"],
            token="csrf-audit",
            interaction=audit_service.Interaction("in_person", datetime(2026, 11, 2, 10, 30)),
            entry=audit_service.Answers.clean(dict(GOOD_ANSWERS), {}),
            submit=True,
        )
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page)[1]
        data = {"email": "ana@example.com", "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 302

        refused = client.post(f"/audits/{audit.id}/acknowledge")
        assert refused.status_code == 400
        assert fresh(audit.id).acknowledged_at is None

        html = client.get(f"/audits/{audit.id}").get_data(as_text=True)
        form = html[html.index(f'action="/audits/{audit.id}/acknowledge"') :]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)[1]
        response = client.post(f"/audits/{audit.id}/acknowledge", data={"csrf_token": token})
        assert response.status_code == 302
        assert fresh(audit.id).acknowledged_at is not None
