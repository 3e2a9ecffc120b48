"""Enrolling volunteers by QR through the pages: the coordinator's side and the volunteer's phone."""
import hashlib
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from flask_babel import force_locale
from PIL import Image

from tests.cards.card_support import raster_svg
from tests.checkins.scans import scan_body
from tracker.auth.models import Enrolment, Role, User
from tracker.auth.operations import issue_token
from tracker.checkins.models import CheckIn
from tracker.config import Config
from tracker.events.models import Event
from tracker.extensions import limiter

NAME = "Y Bhim Niê"


def _open_link(client, days=5, **form):
    """Open a link as the signed-in client; return ``(enrolment id, page text)``."""
    response = client.post("/enrolments", data={"access_days": days} | form)
    assert response.status_code == 302, response.get_data(as_text=True)
    enrolment_id = int(re.search(r"/enrolments/(\d+)$", response.location).group(1))
    return enrolment_id, client.get(response.location).get_data(as_text=True)


def _token_from(page):
    return re.search(r"http://localhost/enrol/([A-Za-z0-9_-]+)", page).group(1)


@pytest.fixture
def phone(app):
    """The volunteer's phone: a browser of its own, with nobody signed in, in English."""
    phone = app.test_client()
    with phone.session_transaction() as session:
        session["lang"] = "en"
    return phone


@pytest.fixture
def coordinator(login, users):
    return login(users["coordinator"])


def _enrol(browser, token, name=NAME, **form):
    return browser.post(f"/enrol/{token}", data={"full_name": name, "accept": "yes"} | form)


def _volunteer(db):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.enrolled_via_id.is_not(None)))


# The whole flow --------------------------------------------------------------------------------

def test_a_volunteer_enrols_by_qr_scans_and_is_revoked_keeping_their_checkins(
        app, db, coordinator, phone, users, dummy_training, dummy_participant):
    enrolment_id, page = _open_link(coordinator)
    token = _token_from(page)
    assert "Valid until" in page and "5 days" in page
    for kind in ("svg", "png"):
        image = coordinator.get(f"/enrolments/{enrolment_id}/qr.{kind}")
        assert image.status_code == 200 and image.headers["Cache-Control"] == "private, no-store"
        decoded = (zxingcpp.read_barcode(raster_svg(image.data)[1]) if kind == "svg"
                   else zxingcpp.read_barcode(Image.open(io.BytesIO(image.data))))
        assert decoded.text == f"http://localhost/enrol/{token}"

    form = phone.get(f"/enrol/{token}")
    assert form.status_code == 200 and "Xã Ea Kao" in form.get_data(as_text=True)
    response = _enrol(phone, token, phone="0912 345 678")
    assert response.status_code == 302 and response.location == "/scan"
    volunteer = _volunteer(db)
    assert (volunteer.full_name, volunteer.role, volunteer.unit.code) == (NAME, Role.volunteer, "66001")
    assert phone.get_cookie("remember_token") is not None

    # Signed in as a volunteer of the commune: the trainings, not the participants' data.
    training_page = phone.get(f"/trainings/{dummy_training.id}")
    assert training_page.status_code == 200 and NAME in training_page.get_data(as_text=True)
    assert phone.get("/participants").status_code == 403
    assert phone.get("/enrolments").status_code == 403
    api_token, _record = issue_token(volunteer)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {api_token}"}
    scan = phone.post(f"/api/v1/trainings/{dummy_training.id}/checkins", json=scan_body(dummy_participant), headers=bearer)
    assert scan.status_code == 201, scan.json

    scanner_token = phone.post("/scan/token")
    assert scanner_token.status_code == 200

    listed = coordinator.get(f"/enrolments/{enrolment_id}").get_data(as_text=True)
    assert NAME in listed and "0912345678" in listed
    revoked = coordinator.post(f"/enrolments/volunteers/{volunteer.id}/revoke", data={"back": enrolment_id})
    assert revoked.status_code == 302 and revoked.location == f"/enrolments/{enrolment_id}"

    refused = phone.get(f"/trainings/{dummy_training.id}")
    assert refused.status_code == 403 and "withdrawn by the coordinator" in refused.get_data(as_text=True)
    again = phone.post(f"/api/v1/trainings/{dummy_training.id}/checkins", json=scan_body(dummy_participant), headers=bearer)
    assert again.status_code == 401
    scanner_bearer = {"Authorization": f"Bearer {scanner_token.json['token']}"}
    assert phone.get(f"/api/v1/trainings/{dummy_training.id}/checkins", headers=scanner_bearer).status_code == 401
    # No password to sign in again with: the scanner is told its access was withdrawn.
    token_refused = phone.post("/scan/token", headers={"Accept": "application/json"})
    assert token_refused.status_code == 403 and token_refused.json["error"]["code"] == "access_revoked"
    db.session.expire_all()
    [checkin] = db.session.scalars(sa.select(CheckIn)).all()
    assert checkin.volunteer_id == volunteer.id and checkin.voided_at is None
    assert "revoked" in coordinator.get("/enrolments").get_data(as_text=True)
    users_page = coordinator.get("/users").get_data(as_text=True)
    assert "enrolled by QR, until" in users_page and f"/users/{volunteer.id}/active" not in users_page


def test_the_remember_cookie_alone_keeps_the_volunteer_signed_in_until_access_ends(db, coordinator, phone,
                                                                                   dummy_training):
    _id, page = _open_link(coordinator, days=3)
    _enrol(phone, _token_from(page))
    cookie = phone.get_cookie("remember_token")
    volunteer = _volunteer(db)
    assert abs(cookie.expires - volunteer.access_until) < timedelta(minutes=1)
    phone.delete_cookie("session")
    assert phone.get(f"/trainings/{dummy_training.id}").status_code == 200


def test_access_ends_by_itself_when_the_days_are_over(db, coordinator, phone, dummy_training, monkeypatch):
    _id, page = _open_link(coordinator, days=1)
    _enrol(phone, _token_from(page))
    volunteer = _volunteer(db)
    monkeypatch.setattr("tracker.auth.models.utcnow", lambda: volunteer.access_until + timedelta(seconds=1))
    response = phone.get(f"/trainings/{dummy_training.id}")
    assert response.status_code == 403 and "days with the scanner are over" in response.get_data(as_text=True)


def test_every_step_is_an_event_with_ids_only(db, coordinator, phone, count_events):
    enrolment_id, page = _open_link(coordinator)
    _enrol(phone, _token_from(page), phone="0912345678")
    volunteer = _volunteer(db)
    coordinator.post(f"/enrolments/volunteers/{volunteer.id}/revoke")
    coordinator.post(f"/enrolments/{enrolment_id}/close")
    types = db.session.scalars(sa.select(Event.type).where(Event.type.like("%enrol%") | Event.type.like("volunteer.%"))
                               .order_by(Event.id)).all()
    assert types == ["enrolment.opened", "volunteer.enrolled", "volunteer.revoked", "enrolment.closed"]
    payloads = repr(db.session.scalars(sa.select(Event.payload)).all())
    assert NAME not in payloads and "0912345678" not in payloads
    audit = coordinator.get("/enrolments")  # the coordinator's list still works after all of it
    assert audit.status_code == 200


def test_the_audit_trail_names_the_enrolment_events(db, users, coordinator, phone):
    _id, page = _open_link(coordinator)
    _enrol(phone, _token_from(page))
    coordinator.post("/logout")
    coordinator.post("/login", data={"username": "admin", "password": "correct-horse-9"})
    text = coordinator.get("/events").get_data(as_text=True)
    assert "Volunteer enrolment link opened" in text and "Volunteer enrolled" in text


def test_the_database_holds_only_the_tokens_hash(db, coordinator, phone):
    _id, page = _open_link(coordinator)
    token = _token_from(page)
    _enrol(phone, token)
    [stored] = db.session.scalars(sa.select(Enrolment.token_hash)).all()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    with db.engine.connect() as connection:
        for table in ("enrolments", "users", "events", "api_tokens"):
            rows = connection.execute(sa.text(f"SELECT * FROM {table}")).all()
            assert token not in repr(rows), table


# The coordinator's pages -----------------------------------------------------------------------

def test_the_qr_code_shows_only_in_the_browser_that_opened_the_link(db, coordinator, login, users, app):
    enrolment_id, _page = _open_link(coordinator)
    other_browser = app.test_client()
    with other_browser.session_transaction() as session:
        session["lang"] = "en"
    other_browser.post("/login", data={"username": users["coordinator"].username, "password": "correct-horse-9"})
    page = other_browser.get(f"/enrolments/{enrolment_id}")
    assert page.status_code == 200 and "shown only in the browser that opened it" in page.get_data(as_text=True)
    assert "/enrol/" not in page.get_data(as_text=True)
    assert other_browser.get(f"/enrolments/{enrolment_id}/qr.png").status_code == 404


def test_another_communes_coordinator_can_neither_see_nor_revoke(db, coordinator, phone, login, users, app):
    enrolment_id, page = _open_link(coordinator)
    _enrol(phone, _token_from(page))
    volunteer = _volunteer(db)
    other = app.test_client()
    other.post("/login", data={"username": users["other_coordinator"].username, "password": "correct-horse-9"})
    assert other.get(f"/enrolments/{enrolment_id}").status_code == 404
    assert other.get(f"/enrolments/{enrolment_id}/qr.svg").status_code == 404
    assert other.post(f"/enrolments/volunteers/{volunteer.id}/revoke").status_code == 404
    assert other.post(f"/enrolments/{enrolment_id}/close").status_code == 404
    assert NAME not in other.get("/enrolments").get_data(as_text=True)
    assert _volunteer(db).is_active


@pytest.mark.parametrize("who", ["volunteer", "commune_committee", "committee"])
def test_volunteers_and_committee_members_cannot_open_links(db, login, users, who, count_events):
    client = login(users[who])
    assert client.get("/enrolments").status_code == 403
    assert client.post("/enrolments", data={"access_days": 7}).status_code == 403
    assert count_events("enrolment.opened") == 0


@pytest.mark.parametrize("days", ["0", "31", "abc"])
def test_days_outside_one_to_thirty_are_refused_with_the_field(db, coordinator, days, count_events):
    response = coordinator.post("/enrolments", data={"access_days": days})
    assert response.status_code == 422
    assert 'id="f-access_days"' in response.get_data(as_text=True) and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert count_events("enrolment.opened") == 0


def test_an_admin_chooses_the_commune(db, login, users):
    admin = login(users["admin"])
    assert "Phường Tân An" in admin.get("/enrolments").get_data(as_text=True)
    _id, page = _open_link(admin, unit="66002")
    assert "Phường Tân An" in page
    assert admin.post("/enrolments", data={"unit": "6600101", "access_days": 7}).status_code == 422


def test_closing_a_link_stops_new_enrolments(db, coordinator, phone):
    enrolment_id, page = _open_link(coordinator)
    token = _token_from(page)
    assert coordinator.post(f"/enrolments/{enrolment_id}/close").status_code == 302
    closed_page = coordinator.get(f"/enrolments/{enrolment_id}").get_data(as_text=True)
    assert "This link was closed" in closed_page and token not in closed_page
    assert coordinator.get(f"/enrolments/{enrolment_id}/qr.png").status_code == 404
    response = phone.get(f"/enrol/{token}")
    assert response.status_code == 410 and "closed this enrolment link" in response.get_data(as_text=True)
    assert _enrol(phone, token).status_code == 410 and _volunteer(db) is None


# The volunteer's page --------------------------------------------------------------------------

def test_an_unknown_link_is_404_and_an_expired_one_410(db, coordinator, phone, monkeypatch):
    _id, page = _open_link(coordinator)
    token = _token_from(page)
    unknown = phone.get("/enrol/not-a-real-token")
    assert unknown.status_code == 404 and "does not exist" in unknown.get_data(as_text=True)
    assert phone.get("/enrol/" + "x" * 500).status_code == 404
    enrolment = db.session.scalar(sa.select(Enrolment))
    monkeypatch.setattr("tracker.auth.models.utcnow", lambda: enrolment.expires_at)
    expired = phone.get(f"/enrol/{token}")
    assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
    assert _enrol(phone, token).status_code == 410


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"full_name": "  "}, "full_name", "Type your name."),
    ({"accept": ""}, "accept", "Tick the box to accept."),
])
def test_a_missing_name_or_acceptance_is_422_with_the_field(db, coordinator, phone, form, field, message):
    _id, page = _open_link(coordinator)
    response = _enrol(phone, _token_from(page), **form)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and message in text and 'aria-invalid="true"' in text
    assert _volunteer(db) is None and phone.get_cookie("remember_token") is None


def test_enrolling_is_rate_limited(app, db, coordinator, phone):
    _id, page = _open_link(coordinator)
    token = _token_from(page)
    app.config["TRACKER_ENROL_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    try:
        codes = [_enrol(phone, token, name="").status_code for _ in range(3)]
    finally:
        app.config["TRACKER_ENROL_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes == [422, 422, 429]


def test_the_enrol_page_speaks_vietnamese(db, coordinator, app):
    _id, page = _open_link(coordinator)
    phone = app.test_client()
    text = phone.get(f"/enrol/{_token_from(page)}").get_data(as_text=True)
    with force_locale("vi"):
        assert 'lang="vi"' in text and "Xã Ea Kao" in text and "Type your name" not in text


def test_the_remember_cookie_is_http_only_lax_and_secure_behind_https(app, db, coordinator, phone, monkeypatch):
    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "1")
    assert Config().REMEMBER_COOKIE_SECURE is True
    _id, page = _open_link(coordinator)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    response = _enrol(phone, _token_from(page))
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("remember_token=")]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
