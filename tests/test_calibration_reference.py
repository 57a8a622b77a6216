"""The three reference modes (expert, consensus, none) and what the results show with each:
per rater, per item, and the statistics (from auditapp.agreement) as page, PDF and JSON."""

from __future__ import annotations

import pytest
from calibration_support import CRITICAL_FAIL, SEVERE, pdf_text, post_answers, stored_session
from conftest import GOOD_ANSWERS, form_data, text_of

STAT_KEYS = {"value", "ci_low", "ci_high", "n_units", "n_raters"}
NAMED = ("krippendorff_alpha", "gwet_ac1", "fleiss_kappa", "percent_agreement")


@pytest.fixture
def people(make_user):
    return {
        "expert": make_user("trainer", email="erin@example.com"),
        "lenient": make_user("supervisor", email="lee@example.com"),
        "severe": make_user("supervisor", email="sev@example.com"),
    }


def rate_all(client, login, session, people, answers):
    for key, user in people.items():
        login(user)
        response = post_answers(client, session.id, answers[key], token=f"{session.id}-{key}")
        assert response.status_code == 302, text_of(response)


def test_expert_reference_compares_every_other_rater_with_the_expert(
    client, login, make_calibration, people
):
    session = make_calibration(
        raters=list(people.values()), reference_mode="expert", expert_id=people["expert"].id
    )
    rate_all(
        client,
        login,
        session,
        people,
        {"expert": GOOD_ANSWERS, "lenient": GOOD_ANSWERS, "severe": CRITICAL_FAIL},
    )
    data = client.get(f"/calibration/{session.id}/results.json").get_json()
    assert data["reference"]["mode"] == "expert"
    assert data["raters"][0]["is_reference"] is True
    # The severe rater fails a critical item the expert passes.
    severe = [r for r in data["raters"] if r["critical_mismatches"]]
    assert len(severe) == 1 and severe[0]["critical_mismatches"] == ["Greeted the customer"]
    assert severe[0]["percent_matching_reference"] == pytest.approx(100 * 4 / 5)
    assert severe[0]["difference_from_reference"] < 0
    matching = next(r for r in data["raters"][1:] if not r["critical_mismatches"])
    assert matching["difference_from_reference"] == 0
    assert matching["percent_matching_reference"] == 100
    greeted = next(i for i in data["items"] if i["id"] == "greeted")
    assert data["items"][0]["critical"] is True  # critical items first
    assert greeted["disagreement"] is True and greeted["percent_with_reference"] == 50
    page = text_of(client.get(f"/calibration/{session.id}/results"))
    assert "Greeted within seconds" in page  # the anchors beside the disagreement


def test_consensus_is_recorded_in_review_by_the_trainer_then_is_the_reference(
    client, login, make_calibration, make_user
):
    trainer = make_user("trainer")
    raters = [make_user("supervisor") for _ in range(2)]
    session = make_calibration(raters=raters, by=trainer, reference_mode="consensus")
    login(trainer)
    # Not in review yet: no consensus.
    early = client.post(f"/calibration/{session.id}/consensus", data=form_data(token="c0"))
    assert early.status_code == 302
    assert stored_session().answers == []
    for n, (rater, answers) in enumerate(zip(raters, (GOOD_ANSWERS, SEVERE), strict=True)):
        login(rater)
        post_answers(client, session.id, answers, token=f"r{n}")
        # A rater cannot record the consensus.
        assert client.get(f"/calibration/{session.id}/consensus").status_code == 403
    before = client.get(f"/calibration/{session.id}/results.json").get_json()
    assert before["reference"]["name"] is None
    login(trainer)
    assert client.post(f"/calibration/{session.id}/close").status_code == 400  # consensus first
    form = client.get(f"/calibration/{session.id}/consensus")
    html = form.get_data(as_text=True)
    assert 'value="Record the consensus"' in html and 'name="save_draft"' not in html
    response = client.post(
        f"/calibration/{session.id}/consensus",
        data=form_data({**GOOD_ANSWERS, "warmth": "3"}, token="c1", observed_at="2026-01-01T10:00"),
    )
    assert response.status_code == 302, text_of(response)
    data = client.get(f"/calibration/{session.id}/results.json").get_json()
    assert data["reference"] == {"mode": "consensus", "name": "Consensus"}
    # GOOD differs from the consensus on warmth alone; SEVERE on warmth and thanked.
    assert [r["percent_matching_reference"] for r in data["raters"]] == [80, 60]
    assert client.post(f"/calibration/{session.id}/close").status_code == 302
    assert stored_session().status == "closed"


def test_no_reference_gives_agreement_only_and_the_statistics_in_the_documented_shape(
    client, login, make_calibration, people
):
    session = make_calibration(raters=list(people.values()))
    rate_all(
        client,
        login,
        session,
        people,
        {"expert": GOOD_ANSWERS, "lenient": GOOD_ANSWERS, "severe": SEVERE},
    )
    login(people["expert"])
    data = client.get(f"/calibration/{session.id}/results.json").get_json()
    assert data["reference"] == {"mode": "none", "name": None}
    assert all(r["difference_from_reference"] is None for r in data["raters"])
    for name in NAMED:
        assert set(data[name]) >= STAT_KEYS, name
        assert data[name]["n_raters"] == 3 and data[name]["n_units"] == 5
    # 5 items, 3 raters, 2 items with one dissent: 1 - 2/3 of the pairs agree on those.
    assert data["percent_agreement"]["value"] == pytest.approx((3 + 2 * (1 / 3)) / 5)
    assert data["percent_agreement"]["ci_low"] <= data["percent_agreement"]["value"]
    assert data["krippendorff_alpha"]["value"] is not None
    for item in data["items"]:
        for name in NAMED:
            assert set(item[name]) >= STAT_KEYS
        assert item["krippendorff_alpha"]["value"] is None
        assert "one unit" in item["krippendorff_alpha"]["reason"]
    # Each rater against the mean of the others: the severe one stands out below.
    tendencies = sorted(r["tendency"] for r in data["raters"])
    assert tendencies == ["more lenient", "more lenient", "more severe"]
    page = text_of(client.get(f"/calibration/{session.id}/results"))
    assert "Not computed: only one unit" in page  # alpha on one overall score, in words
    pdf = pdf_text(client.get(f"/calibration/{session.id}/results.pdf").data)
    assert "Krippendorff" in pdf and "Percent agreement" in pdf
    assert f"{data['percent_agreement']['value']:.3f}" in pdf and "more severe" in pdf


def test_perfect_agreement_is_one_and_too_little_data_is_said_in_words(
    clock, client, login, make_calibration, make_user
):
    raters = [make_user("supervisor") for _ in range(2)]
    same = make_calibration(raters=raters)
    alone = make_calibration(raters=raters)
    for n, rater in enumerate(raters):
        login(rater)
        post_answers(
            client, same.id, GOOD_ANSWERS, token=f"same-{n}", observed_at="2026-11-02T10:00"
        )
    data = client.get(f"/calibration/{same.id}/results.json").get_json()
    assert data["krippendorff_alpha"]["value"] == 1
    assert data["percent_agreement"]["value"] == 1
    post_answers(client, alone.id, GOOD_ANSWERS, token="alone", observed_at="2026-11-02T10:00")
    clock.advance(days=4)  # the other rater never submits: the deadline passes
    data = client.get(f"/calibration/{alone.id}/results.json").get_json()
    for name in NAMED:
        assert data[name]["value"] is None
        assert data[name]["reason"] == "fewer than two raters"
    page = text_of(client.get(f"/calibration/{alone.id}/results"))
    assert "Not computed: fewer than two raters" in page


def test_the_documented_json_has_the_keys_the_app_sends(client, login, make_calibration, people):
    import json
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "calibration.md").read_text()
    documented = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    session = make_calibration(
        raters=list(people.values()), reference_mode="expert", expert_id=people["expert"].id
    )
    rate_all(
        client, login, session, people, {k: GOOD_ANSWERS for k in ("expert", "lenient", "severe")}
    )
    sent = client.get(f"/calibration/{session.id}/results.json").get_json()
    assert set(sent) == set(documented)
    assert set(sent["raters"][1]) == set(documented["raters"][0])
    assert set(sent["items"][0]) == set(documented["items"][0])
