"""Bodies over ``TRACKER_MAX_CONTENT_LENGTH``: the API, the login form and the file uploads answer 413 with
the error document (or the error page), saying how much may be sent, and store nothing. The limit is
lowered to 4 KB for the test; production's default is 5 MB."""
import io

import pytest
import sqlalchemy as sa

from tracker.auth.models import ApiToken
from tracker.events.models import Event
from tracker.geo.models import Unit
from tracker.participants.models import Participant

LIMIT = 4096
BIG = "x" * (LIMIT + 1)
CSV_HEADER = "full_name,birth_year,gender,ethnicity,village_code,phone,consent\n"
UNITS_HEADER = "code,name,level,parent_code,population\n"


def _unit_row(number, width=64):
    start, end = f"66001{number:02d},", ",village,66001,10\n"
    return start + f"Thon {number}".ljust(width - len(start) - len(end), "x") + end


#: 80 villages, the first LIMIT bytes of which are whole lines: cut there, the file still reads as valid.
UNITS_CSV = UNITS_HEADER + _unit_row(3, 64 + (LIMIT - len(UNITS_HEADER)) % 64) + "".join(
    _unit_row(number) for number in range(4, 83))
assert UNITS_CSV.encode()[LIMIT - 1:LIMIT] == b"\n" and len(UNITS_CSV) > LIMIT
PEOPLE_CSV = CSV_HEADER + "Y Bih Niê,1990,male,Ê Đê,6600101,,yes\n" * 200


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)


def _stored(db):
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Event, Unit, Participant, ApiToken)]


def _assert_413_json(response):
    assert response.status_code == 413
    assert response.json["error"] == {"code": "payload_too_large",
                                      "message": "The request is too large: send at most 4 KB.", "fields": {}}


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/trainings", {"json": {"title": BIG}}),
    ("/api/v1/checkins/sync", {"json": {"scans": [{"qr": BIG}]}}),
    ("/api/v1/participants", {"json": {"full_name": BIG}}),
    ("/api/v1/units/import", {"data": UNITS_CSV, "content_type": "text/csv"}),
    ("/api/v1/participants/import", {"data": PEOPLE_CSV, "content_type": "text/csv"}),
    ("/api/v1/participants/import", {"data": b"PK" + BIG.encode(),
                                     "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
])
def test_an_oversized_api_body_is_413_and_stores_nothing(users, api_as, db, dummy_campaign, small_limit, url, body):
    api = api_as(users["admin"])
    before = _stored(db)
    _assert_413_json(api.post(url, **body))
    assert _stored(db) == before


def test_an_oversized_token_request_is_413_before_the_password_is_checked(client, users, db, small_limit):
    before = _stored(db)
    response = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": BIG},
                           headers={"Accept-Language": "en"})
    _assert_413_json(response)
    assert _stored(db) == before


@pytest.mark.parametrize("sent", [UNITS_CSV, UNITS_CSV[:LIMIT + 1]], ids=["80 villages", "one byte over"])
def test_a_chunked_body_past_the_limit_is_413_not_cut_short(users, api_as, db, small_limit, sent):
    """A body sent in chunks (no Content-Length, as gunicorn hands it on) used to be cut at the limit without a
    word: the import then read the first 4 KB as the whole file. It is refused like any other too large."""
    api = api_as(users["admin"])
    before = _stored(db)
    response = api.post(
        "/api/v1/units/import", input_stream=io.BytesIO(sent.encode()),
        headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    _assert_413_json(response)
    assert _stored(db) == before


def test_a_chunked_body_within_the_limit_is_read_whole(users, api_as, db, small_limit):
    csv = "code,name,level,parent_code,population\n6600199,Thôn Mới,village,66001,10\n"
    response = api_as(users["admin"]).post(
        "/api/v1/units/import", input_stream=io.BytesIO(csv.encode()),
        headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200 and response.json == {"created": 1, "updated": 0}


def test_an_oversized_login_form_is_the_413_page(client, users, db, small_limit):
    response = client.post("/login", data={"username": "admin", "password": BIG})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<h1>Too large</h1>" in page and "The request is too large: send at most 4 KB." in page
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(("url", "sheet"), [("/units/import", UNITS_CSV), ("/participants/import", PEOPLE_CSV)])
def test_an_oversized_upload_is_the_413_page_and_stores_nothing(client, users, login, db, small_limit, url, sheet):
    login(users["admin"])
    before = _stored(db)
    response = client.post(url, data={"file": (io.BytesIO(sheet.encode()), "sheet.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The request is too large: send at most 4 KB." in response.get_data(as_text=True)
    assert _stored(db) == before


def test_a_form_field_past_the_form_memory_limit_is_413_without_naming_the_body_limit(client, app, monkeypatch):
    """Flask keeps at most MAX_FORM_MEMORY_SIZE of a multipart text field in memory: the body was not too large."""
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 1000)
    response = client.post("/login", data={"username": "admin", "password": "x" * 2000},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<p>The request is too large.</p>" in page and "send at most" not in page
