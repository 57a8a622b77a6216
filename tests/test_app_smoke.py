"""Smoke: the factory builds, login works, the main pages render."""

from conftest import form_data, text_of


def test_login_required_redirects_to_login(client):
    response = client.get("/audits")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/audits")


def test_supervisor_scores_and_submits(client, login_as, make_staff):
    login_as("supervisor")
    staff = make_staff()
    page = client.get(f"/audits/new?staff={staff.id}&checklist=counter-basics")
    assert page.status_code == 200, text_of(page)
    response = client.post(
        f"/audits/new?staff={staff.id}&checklist=counter-basics", data=form_data()
    )
    assert response.status_code == 302, text_of(response)
    shown = client.get(response.headers["Location"])
    assert "PASS" in text_of(shown)
