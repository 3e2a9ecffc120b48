"""The scanner's pages: today's open trainings, the scanner on one training, its token, worker and manifest."""
import json
import re
from datetime import datetime, timedelta

import pytest

from tracker.auth.operations import user_for_token
from tracker.core.time import utcnow
from tracker.trainings.models import TrainingStatus


@pytest.fixture
def csrf_enabled(app):
    """Turn CSRF protection on for one test (the suite runs with it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _config(page):
    found = re.search(r'<script type="application/json" id="scan-config">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


@pytest.fixture
def trainings(open_training, create_training, tree):
    """Trainings around now: open in the commune, open in the other commune, too late, too early, cancelled."""
    now, campaign = utcnow(), open_training.campaign
    make = lambda title, start, end, **kw: create_training(campaign=campaign, title=title, starts_at=now + start,  # noqa: E731
                                                           ends_at=now + end, **kw)
    return {
        "open": open_training,
        "opens_soon": make("Mở sau 50 phút", timedelta(minutes=50), timedelta(hours=2)),
        "other": make("Xã khác", timedelta(minutes=-10), timedelta(hours=1), village=tree["other_village"]),
        "closed": make("Đã đóng", timedelta(hours=-5), timedelta(hours=-2, minutes=-1)),
        "later": make("Chiều nay", timedelta(minutes=61), timedelta(hours=3)),
        "cancelled": make("Đã hủy", timedelta(minutes=-10), timedelta(hours=1), status=TrainingStatus.cancelled),
    }


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "admin"])
def test_scan_lists_the_trainings_open_for_check_in_now_in_scope(client, users, login, trainings, role):
    login(users[role])
    response = client.get("/scan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = re.findall(r'href="/scan\?training=(\d+)"', page)
    expected = ["open", "opens_soon"] + (["other"] if role == "admin" else [])
    assert sorted(map(int, shown)) == sorted(trainings[name].id for name in expected)
    assert "Chiều nay" not in page and "Đã đóng" not in page and "Đã hủy" not in page
    assert "worker-src 'self' blob:" in response.headers["Content-Security-Policy"]


def test_scan_says_so_when_nothing_is_open(client, users, login, dummy_training):
    login(users["volunteer"])
    page = client.get("/scan", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No training of your area takes check-ins now" in page
    assert "?training=" not in page


def test_the_scanner_page_carries_its_training_and_no_participant_data(client, users, login, open_training,
                                                                       dummy_participant):
    login(users["volunteer"])
    with client.session_transaction() as session:
        session["lang"] = "vi"
    response = client.get(f"/scan?training={open_training.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    config = _config(page)
    assert config["training"]["id"] == open_training.id and config["training"]["cancelled"] is False
    assert config["urls"]["roster"] == f"/api/v1/trainings/{open_training.id}/roster"
    assert config["texts"]["pending"] == "Sẽ được xác minh"
    assert dummy_participant.code not in page and dummy_participant.full_name not in page
    assert '<video id="camera"' in page and 'id="manual-code"' in page
    assert "<script>" not in page  # the policy forbids inline scripts: only the JSON data block is inline


@pytest.mark.parametrize(("who", "training", "status"), [
    ("other_coordinator", "open", 404), ("volunteer", "other", 404), ("committee", "open", 403)])
def test_the_scanner_is_scoped_like_check_ins(client, users, login, trainings, who, training, status):
    login(users[who])
    assert client.get(f"/scan?training={trainings[training].id}").status_code == status


@pytest.mark.parametrize("query", ["training=abc", "training=0", "training=99999999999999999999"])
def test_a_bad_training_in_the_address_is_a_clear_4xx(client, users, login, query):
    login(users["volunteer"])
    assert client.get(f"/scan?{query}").status_code in (404, 422)


def test_signed_out_visitors_are_sent_to_sign_in(client, open_training):
    response = client.get(f"/scan?training={open_training.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_token_is_a_short_lived_bearer_token_of_the_signed_in_user(client, users, login, app):
    login(users["volunteer"])
    response = client.post("/scan/token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert user_for_token(body["token"]).id == users["volunteer"].id
    lifetime = datetime.fromisoformat(body["expires_at"]) - utcnow()
    assert timedelta(hours=13) < lifetime <= timedelta(hours=14)
    api = client.get("/api/v1/trainings", headers={"Authorization": f"Bearer {body['token']}"})
    assert api.status_code == 200


def test_the_token_needs_a_session_and_the_csrf_token(client, users, login, csrf_enabled):
    assert client.post("/scan/token").status_code in (400, 401)
    login_page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": users["volunteer"].username, "password": "correct-horse-9",
                                "csrf_token": csrf})
    assert client.post("/scan/token").status_code == 400
    page = client.get("/scan").get_data(as_text=True)
    header_csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    assert client.post("/scan/token", headers={"X-CSRFToken": header_csrf}).status_code == 200


def test_a_committee_member_gets_no_scanner_token(client, users, login):
    login(users["committee"])
    assert client.post("/scan/token").status_code == 403


def test_the_service_worker_covers_the_scanner_and_lists_its_shell(client):
    response = client.get("/scan/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Service-Worker-Allowed"] == "/scan"
    assert response.mimetype == "text/javascript"
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1).replace("'", '"'))
    assert "/static/vendor/qr-scanner/qr-scanner-worker.min.js" in shell and "/static/js/scan/scanner.js" in shell
    for url in shell:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    assert re.search(r"const VERSION = '[0-9a-f]{12}';", body)


def test_the_manifest_makes_the_scanner_installable(client):
    body = client.get("/scan/manifest.webmanifest").json
    assert body["start_url"] == "/scan" and body["scope"] == "/scan" and body["display"] == "standalone"


def test_the_scanner_page_offers_walk_ins_in_the_commune_and_the_campaign_s_outcomes(client, db, users, login, tree,
                                                                                   open_training):
    from tracker.outcomes.operations import define_indicators
    from tracker.participants.ethnicities import ETHNIC_GROUPS

    define_indicators(open_training.campaign, [{"key": "vneid_level2", "name": "VNeID mức 2"}], user=users["admin"])
    db.session.commit()
    login(users["volunteer"])
    page = client.get(f"/scan?training={open_training.id}").get_data(as_text=True)
    config = _config(page)
    assert config["indicators"] == [{"key": "vneid_level2", "name": "VNeID mức 2"}]
    assert config["campaign_id"] == open_training.campaign_id and config["own_undo_seconds"] == 300
    assert config["urls"]["walk_in"] == f"/api/v1/trainings/{open_training.id}/walk-ins"
    assert config["urls"]["outcomes"] == "/api/v1/participants/{id}/outcomes"
    form = page[page.index('<form id="walk-in"'):]
    villages = re.findall(r'<option value="(\d+)"( selected)?>', form)
    assert villages == [(tree["village"].code, " selected"), (tree["village2"].code, "")]  # the commune's only
    assert tree["other_village"].code not in form
    assert all(f"<option>{group}</option>" in form for group in ETHNIC_GROUPS) and len(ETHNIC_GROUPS) == 54
    assert 'name="consent" required' in form and 'name="phone" type="tel"' in form


def test_the_service_worker_keeps_the_walk_in_and_outcome_scripts(client):
    body = client.get("/scan/sw.js").get_data(as_text=True)
    assert "/static/js/scan/walkin.js" in body and "/static/js/scan/outcomes.js" in body
