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


def test_each_installation_generates_its_own_secret_key(tmp_path, monkeypatch):
    from auditapp import create_app

    monkeypatch.delenv("AUDITAPP_SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    # The instance folder comes from AUDITAPP_INSTANCE_PATH: point two apps at new ones.
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(tmp_path / "one"))
    one = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    again = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(tmp_path / "two"))
    two = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    key_file = tmp_path / "one" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert one.secret_key == again.secret_key == key_file.read_text().strip()
    assert len(one.secret_key) == 64 and one.secret_key != two.secret_key
    assert first.secret_key not in (one.secret_key, two.secret_key)
