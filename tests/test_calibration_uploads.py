"""Uploaded material: allowed types checked by extension and by content, a size limit, a
random stored name under instance/, served only to the session's members, never as HTML."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import text_of
from test_calibration_workflow import new_form

from auditapp.models import CalibrationSession

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%fake but starts right\n"


def upload(client, raters, content: bytes, name: str):
    data = new_form(raters, material_kind="upload", material_text="")
    data["upload"] = (io.BytesIO(content), name)
    return client.post("/calibration/new", data=data, content_type="multipart/form-data")


def stored_files(app) -> set[str]:
    folder = Path(app.instance_path) / "calibration"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def raters(make_user):
    return [make_user("supervisor", email=f"u{n}@example.com") for n in range(2)]


def test_an_image_is_stored_under_a_random_name_and_served_to_members_only(
    app, client, login, login_as, make_user, raters
):
    trainer = login_as("trainer")
    response = upload(client, raters, PNG, "../../etc/passwd<script>.png")
    assert response.status_code == 302, text_of(response)
    session = CalibrationSession.query.one()
    stored = Path(app.instance_path) / "calibration" / session.upload_file
    assert stored.read_bytes() == PNG
    assert session.upload_file not in session.upload_name and "/" not in session.upload_name
    assert "<" not in session.upload_name and session.upload_name.endswith(".png")
    for user in (trainer, raters[0]):
        login(user)
        with client.get(f"/calibration/{session.id}/material") as served:
            assert served.status_code == 200 and served.data == PNG
            assert served.mimetype == "image/png"
            assert served.headers["X-Content-Type-Options"] == "nosniff"
            assert served.headers["Content-Disposition"].startswith("inline")
            assert "sandbox" in served.headers["Content-Security-Policy"]
    page = client.get(f"/calibration/{session.id}").get_data(as_text=True)
    assert f'src="/calibration/{session.id}/material"' in page
    login(make_user("supervisor", email="nosy@example.com"))
    assert client.get(f"/calibration/{session.id}/material").status_code == 403


def test_a_pdf_is_a_download_never_shown_inline(client, login_as, raters):
    login_as("trainer")
    assert upload(client, raters, PDF, "..\\..\\report:final?.pdf").status_code == 302
    session = CalibrationSession.query.one()
    with client.get(f"/calibration/{session.id}/material") as served:
        assert served.mimetype == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("attachment")
        disposition = served.headers["Content-Disposition"]
        assert "report" in disposition and not any(c in disposition for c in "\\:?")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "page.html", "is none of these"),
        (b"<svg onload=alert(1)>", "drawing.svg", "is none of these"),
        (b"<html><script>alert(1)</script></html>", "disguised.png", "is not really a PNG"),
        (PDF, "document.mp3", "is not really a MP3"),
        (b"", "empty.png", "The file is empty"),
    ],
    ids=["html", "svg", "html-named-png", "pdf-named-mp3", "empty"],
)
def test_refused_files_say_why_next_to_the_field_and_store_nothing(
    app, client, login_as, raters, content, name, message
):
    login_as("trainer")
    before = stored_files(app)
    response = upload(client, raters, content, name)
    assert response.status_code == 400
    assert message in text_of(response)
    assert CalibrationSession.query.count() == 0
    assert stored_files(app) == before


def test_a_file_over_the_size_limit_is_refused(app, client, login_as, raters):
    app.config["CALIBRATION_UPLOAD_MAX_MB"] = 0.001  # about 1 KB
    login_as("trainer")
    response = upload(client, raters, PNG + b"\0" * 2000, "big.png")
    assert response.status_code == 400
    assert "larger than the 0.001 MB allowed" in text_of(response)
    assert CalibrationSession.query.count() == 0
    assert upload(client, raters, PNG, "small.png").status_code == 302


def test_an_upload_session_needs_a_file(client, login_as, raters):
    login_as("trainer")
    response = client.post("/calibration/new", data=new_form(raters, material_kind="upload"))
    assert response.status_code == 400
    assert "Choose the recording or document to upload" in text_of(response)
