"""Password resets by an admin or coordinator, one's own password change, and the must-change rule."""
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tracker.auth.enrolments.operations import enrol_volunteer, open_enrolment
from tracker.auth.models import ApiToken, PasswordReset, User
from tracker.auth.operations import RESET_LIFETIME, reset_password, use_password_reset
from tracker.core.errors import Conflict
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.extensions import limiter

NEW_PASSWORD = "mat-khau-moi-2025"


def _fresh(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def _reset_link(client, account):
    """Make a reset link through the account's page; return its path."""
    response = client.post(f"/users/{account.id}/password-reset")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    link = re.search(r'id="reset-link"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    return link.removeprefix("http://localhost")


def _choose(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"new_password": password, "new_password_confirm": confirm or password})


# The reset link -----------------------------------------------------------------------------------

def test_a_coordinator_resets_a_volunteers_password_and_the_link_works_exactly_once(client, db, users, login):
    volunteer = users["volunteer"]
    login(users["coordinator"])
    path = _reset_link(client, volunteer)
    assert path.startswith("/reset/")
    client.post("/logout")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    response = _choose(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _fresh(db, volunteer).check_password(NEW_PASSWORD)
    assert _fresh(db, volunteer).must_change_password is False
    second = client.get(path)
    assert second.status_code == 410 and "already used" in second.get_data(as_text=True)
    again = _choose(client, path, password="yet-another-pass")
    assert again.status_code == 410 and _fresh(db, volunteer).check_password(NEW_PASSWORD)
    login(volunteer, NEW_PASSWORD)


def test_the_code_is_never_stored_in_clear(db, users):
    code, reset = reset_password(users["volunteer"], user=users["admin"])
    db.session.commit()
    assert reset.token_hash == PasswordReset.hash(code) and len(code) >= 32
    for row in db.session.execute(sa.select(PasswordReset.__table__)).all():
        assert all(code not in str(value) for value in row)
    for payload in db.session.scalars(sa.select(sa.cast(Event.payload, sa.String))):
        assert code not in payload


def test_a_reset_stops_the_old_password_and_revokes_the_tokens(client, db, users, api_as):
    volunteer = users["volunteer"]
    api = api_as(volunteer)
    reset_password(volunteer, user=users["coordinator"])
    db.session.commit()
    assert not _fresh(db, volunteer).check_password(PASSWORD)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(ApiToken.user_id == volunteer.id)) == 0
    assert api.get("/api/v1/trainings").status_code == 401
    assert client.post("/login", data={"username": volunteer.username, "password": PASSWORD}).status_code == 401


def test_the_link_expires_after_24_hours(client, db, users):
    code, reset = reset_password(users["volunteer"], user=users["admin"], now=utcnow() - RESET_LIFETIME
                                 - timedelta(minutes=1))
    db.session.commit()
    response = client.get(f"/reset/{code}")
    assert response.status_code == 410 and "has expired" in response.get_data(as_text=True)
    assert _choose(client, f"/reset/{code}").status_code == 410
    assert not _fresh(db, users["volunteer"]).check_password(NEW_PASSWORD)


def test_a_newer_link_replaces_the_older_one(client, db, users):
    old, _reset = reset_password(users["volunteer"], user=users["admin"])
    new, _reset = reset_password(users["volunteer"], user=users["admin"])
    db.session.commit()
    assert client.get(f"/reset/{old}").status_code == 410
    assert client.get(f"/reset/{new}").status_code == 200


def test_an_unknown_or_absurd_link_is_404(client, users):
    assert client.get("/reset/not-a-real-code").status_code == 404
    assert client.get("/reset/" + "x" * 500).status_code == 404
    assert _choose(client, "/reset/not-a-real-code").status_code == 404


def test_a_deactivated_accounts_link_does_not_work(client, db, users):
    code, _reset = reset_password(users["volunteer"], user=users["admin"])
    users["volunteer"].is_active = False
    db.session.commit()
    assert client.get(f"/reset/{code}").status_code == 410


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("short", "short", "Length must be between 8 and 200."),
    (NEW_PASSWORD, "something-else", "The two passwords are not the same."),
    ("", "", "Length must be between 8 and 200."),
])
def test_a_bad_new_password_keeps_the_link_usable(client, db, users, password, confirm, message):
    code, _reset = reset_password(users["volunteer"], user=users["admin"])
    db.session.commit()
    response = _choose(client, f"/reset/{code}", password, confirm)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _choose(client, f"/reset/{code}").status_code == 302


def test_using_a_link_twice_in_one_transaction_is_refused(db, users):
    code, _reset = reset_password(users["volunteer"], user=users["admin"])
    use_password_reset(code, NEW_PASSWORD)
    with pytest.raises(Exception) as gone:
        use_password_reset(code, "another-password")
    assert gone.value.status == 410


def test_the_reset_link_is_rate_limited_like_the_login(app, client, users):
    app.config["TRACKER_LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.get(f"/reset/guess-{n}").status_code for n in range(5)]
    finally:
        app.config["TRACKER_LOGIN_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes == [404, 404, 404, 429, 429]


def test_nobody_resets_their_own_password_or_an_enrolled_volunteers(db, users, tree, count_events):
    with pytest.raises(Conflict):
        reset_password(users["admin"], user=users["admin"])
    _token, enrolment = open_enrolment(tree["commune"], 3, user=users["coordinator"])
    enrolled = enrol_volunteer(enrolment, {"full_name": "Y Moan", "accept": True})
    with pytest.raises(Conflict):
        reset_password(enrolled, user=users["coordinator"])
    assert count_events("user.password_reset") == 0


def test_reset_events_name_who_and_hold_no_personal_values(client, db, users, login):
    volunteer = users["volunteer"]
    volunteer.full_name, volunteer.email = "Y Khoa Niê", "ykhoa@example.vn"
    db.session.commit()
    login(users["coordinator"])
    path = _reset_link(client, volunteer)
    _choose(client, path)
    events = db.session.scalars(sa.select(Event).where(Event.type.like("user.password%")).order_by(Event.id)).all()
    assert [(e.type, e.actor_id, e.subject_id) for e in events] == [
        ("user.password_reset", users["coordinator"].id, str(volunteer.id)),
        ("user.password_changed", volunteer.id, str(volunteer.id)),
    ]
    assert events[1].payload == {"user_id": volunteer.id, "via": "reset"}
    for text in db.session.scalars(sa.select(sa.cast(Event.payload, sa.String))):
        assert "Khoa" not in text and "example.vn" not in text and NEW_PASSWORD not in text
        assert path.removeprefix("/reset/") not in text


# One's own password -------------------------------------------------------------------------------

def _change(client, current, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                  "new_password_confirm": confirm or new})


@pytest.mark.parametrize("role", ["admin", "committee", "coordinator", "volunteer"])
def test_every_user_changes_their_own_password(client, db, users, login, role, count_events):
    login(users[role])
    assert 'name="current_password"' in client.get("/account/password").get_data(as_text=True)
    response = _change(client, PASSWORD)
    assert response.status_code == 302
    assert _fresh(db, users[role]).check_password(NEW_PASSWORD)
    event = db.session.scalar(sa.select(Event).where(Event.type == "user.password_changed"))
    assert event.payload == {"user_id": users[role].id, "via": "account"} and event.actor_id == users[role].id


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong-password", NEW_PASSWORD, None, "This is not your current password."),
    (PASSWORD, "short", None, "Length must be between 8 and 200."),
    (PASSWORD, NEW_PASSWORD, "different-one", "The two passwords are not the same."),
    (PASSWORD, PASSWORD, None, "Choose a password different from the current one."),
    ("", NEW_PASSWORD, None, "Length must be between 1 and 200."),
])
def test_changing_ones_password_needs_the_current_one_and_a_good_new_one(client, db, users, login, count_events,
                                                                         current, new, confirm, message):
    login(users["coordinator"])
    response = _change(client, current, new, confirm)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _fresh(db, users["coordinator"]).check_password(PASSWORD)
    assert count_events("user.password_changed") == 0


def test_the_password_page_needs_a_signed_in_user(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# Must change the password ---------------------------------------------------------------------------

@pytest.fixture
def must_change(db, users):
    """The coordinator, whose password was chosen for them: they must choose their own."""
    users["coordinator"].must_change_password = True
    db.session.commit()
    return users["coordinator"]


def test_signing_in_with_the_flag_goes_to_the_password_page(client, must_change):
    response = client.post("/login", data={"username": must_change.username, "password": PASSWORD, "next": "/units"})
    assert response.headers["Location"] == "/account/password"


@pytest.mark.parametrize("path", ["/", "/units", "/trainings", "/users", f"/users/{1}", "/events"])
def test_no_other_page_opens_until_the_password_is_changed(client, must_change, login, path):
    login(must_change)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


def test_forms_and_json_are_refused_with_a_clear_code(client, must_change, login, users):
    login(must_change)
    response = client.post(f"/users/{users['volunteer'].id}/active", data={"is_active": "false"})
    assert response.status_code == 403
    as_json = client.get("/units", headers={"Accept": "application/json"})
    assert as_json.status_code == 403 and as_json.json["error"]["code"] == "password_change_required"


def test_after_the_change_the_pages_open_again(client, db, must_change, login):
    login(must_change)
    assert "You must choose a new password" in client.get("/account/password").get_data(as_text=True)
    assert _change(client, PASSWORD).status_code == 302
    assert _fresh(db, must_change).must_change_password is False
    assert client.get("/units").status_code == 200


def test_signing_out_still_works(client, must_change, login):
    login(must_change)
    assert client.post("/logout").status_code == 302


def test_api_tokens_are_refused_until_the_password_is_changed(client, db, must_change, api_as):
    api = api_as(must_change)
    response = api.get("/api/v1/units")
    assert response.status_code == 403 and response.json["error"]["code"] == "password_change_required"
    issued = client.post("/api/v1/auth/tokens", json={"username": must_change.username, "password": PASSWORD})
    assert issued.status_code == 403 and issued.json["error"]["code"] == "password_change_required"
    must_change.must_change_password = False
    db.session.commit()
    assert api.get("/api/v1/units").status_code == 200


def test_a_session_open_when_the_password_is_reset_is_held_at_the_password_page(client, db, users, login):
    volunteer = users["volunteer"]
    login(volunteer)
    reset_password(volunteer, user=users["coordinator"])
    db.session.commit()
    response = client.get("/trainings")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    assert "open the reset link" in client.get("/account/password").get_data(as_text=True)


def test_an_account_created_with_a_chosen_password_must_choose_its_own(client, db, users, login):
    login(users["admin"])
    form = client.get("/users/new").get_data(as_text=True)
    assert 'name="must_change_password" value="on" checked' in form
    client.post("/users/new", data={"username": "dp.moi", "password": "mat-khau-tam-1", "role": "coordinator",
                                    "unit": "66002", "must_change_password": "on"})
    client.post("/users/new", data={"username": "dp.cu", "password": "mat-khau-tam-1", "role": "coordinator",
                                    "unit": "66002"})
    created = {user.username: user.must_change_password for user in db.session.scalars(
        sa.select(User).where(User.username.in_(["dp.moi", "dp.cu"])))}
    assert created == {"dp.moi": True, "dp.cu": False}
    assert "must choose a new password" in client.get("/users").get_data(as_text=True)
    client.post("/logout")
    response = client.post("/login", data={"username": "dp.moi", "password": "mat-khau-tam-1"})
    assert response.headers["Location"] == "/account/password"
    assert _change(client, "mat-khau-tam-1").status_code == 302
    assert client.get("/units").status_code == 200


def test_the_link_uses_the_public_address_when_one_is_set(app, client, users, login):
    login(users["admin"])
    app.config["TRACKER_BASE_URL"] = "https://bdhvs.daklak.gov.vn/tracker"
    try:
        page = client.post(f"/users/{users['volunteer'].id}/password-reset").get_data(as_text=True)
    finally:
        app.config["TRACKER_BASE_URL"] = None
    assert 'value="https://bdhvs.daklak.gov.vn/tracker/reset/' in page


@pytest.mark.postgresql_only
def test_a_link_sent_by_8_browsers_at_once_sets_one_password(app, db, users, count_events):
    volunteer_id = users["volunteer"].id
    code, _reset = reset_password(users["volunteer"], user=users["admin"])
    db.session.commit()
    db.session.close()
    barrier, statuses = threading.Barrier(8), [None] * 8

    def choose(index):
        client = app.test_client()
        barrier.wait()
        statuses[index] = _choose(client, f"/reset/{code}", f"mat-khau-so-{index}").status_code

    threads = [threading.Thread(target=choose, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [302] + [410] * 7
    winner = statuses.index(302)
    assert db.session.get(User, volunteer_id).check_password(f"mat-khau-so-{winner}")
    assert count_events("user.password_changed") == 1
