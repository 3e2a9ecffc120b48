"""The login page and the user accounts admins manage."""
import pytest
import sqlalchemy as sa

from tracker.auth.models import Role, User


def _user(db, username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_login_page_has_the_fields_and_the_next_target(client):
    page = client.get("/login?next=/units").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    assert 'name="next" value="/units"' in page and 'name="csrf_token"' in page


def test_wrong_password_shows_the_message_and_keeps_the_username(client, users):
    response = client.post("/login", data={"username": "admin", "password": "nope"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Wrong username or password." in page and 'value="admin"' in page


def test_missing_fields_are_marked(client):
    page = client.post("/login", data={"username": ""}).get_data(as_text=True)
    assert "Missing data for required field." in page and 'aria-invalid="true"' in page


def test_login_goes_to_the_next_page(client, users):
    response = client.post("/login", data={"username": "admin", "password": "correct-horse-9", "next": "/units"})
    assert response.headers["Location"] == "/units"


def test_admin_lists_the_users_of_the_area(client, users, login):
    login(users["admin"])
    page = client.get("/users").get_data(as_text=True)
    for user in users.values():
        assert user.username in page
    assert "Commune coordinator" in page and "Xã Ea Kao" in page


@pytest.mark.parametrize("role", ["committee", "volunteer"])
def test_only_admins_and_coordinators_manage_users(client, users, login, role):
    login(users[role])
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    response = client.post("/users/new", data={"username": "newbie", "password": "long-enough-1",
                                                "role": "volunteer", "unit": "66001"})
    assert response.status_code == 403


def test_new_user_form_offers_roles_and_units_but_not_villages(client, users, login):
    login(users["admin"])
    page = client.get("/users/new").get_data(as_text=True)
    assert '<option value="coordinator">Commune coordinator</option>' in page
    assert '<option value="66001">Xã Ea Kao</option>' in page
    assert "6600101" not in page


def test_admin_creates_a_user(client, db, users, login, count_events):
    login(users["admin"])
    response = client.post("/users/new", data={"username": " New.Coord ", "password": "long-enough-1",
                                                "role": "coordinator", "unit": "66002", "full_name": "Y Bih", "email": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/users"
    user = _user(db, "new.coord")
    assert user.role == Role.coordinator and user.unit.code == "66002" and user.full_name == "Y Bih"
    assert user.check_password("long-enough-1")
    assert count_events("user.created") == 1
    assert "The account new.coord was created." in client.get("/users").get_data(as_text=True)


@pytest.mark.parametrize(("data", "field_message"), [
    ({"username": "ab", "password": "long-enough-1", "role": "volunteer", "unit": "66001"},
     "3–80 lower-case letters, digits, dot, dash or underscore."),
    ({"username": "okname", "password": "short", "role": "volunteer", "unit": "66001"},
     "Length must be between 8 and 200."),
    ({"username": "okname", "password": "long-enough-1", "role": "", "unit": "66001"}, "Must be one of"),
    ({"username": "okname", "password": "long-enough-1", "role": "volunteer", "unit": "99999"}, "Unknown unit: 99999."),
    ({"username": "admin", "password": "long-enough-1", "role": "volunteer", "unit": "66001"}, "Already taken."),
])
def test_invalid_user_form_rerenders_with_the_message_and_creates_nothing(client, db, users, login, count_events,
                                                                         data, field_message):
    login(users["admin"])
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = client.post("/users/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_message in page
    assert f'value="{data["username"]}"' in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
    assert count_events("user.created") == 0


def test_a_coordinator_sees_and_enrols_only_volunteers(client, users, login, db):
    login(users["coordinator"])
    listing = client.get("/users").get_data(as_text=True).split("<main")[1]
    assert "vol-66001" in listing
    assert "ctee-66001" not in listing and "coord-66002" not in listing and "<strong>admin</strong>" not in listing
    form = client.get("/users/new").get_data(as_text=True)
    assert 'value="volunteer"' in form and 'value="admin"' not in form and 'value="coordinator"' not in form
    response = client.post("/users/new", data={"username": "tnv.buon", "password": "mat-khau-dai", "role": "volunteer",
                                               "unit": "6600101", "full_name": "Y Khoa"})
    assert response.status_code == 302
    refused = client.post("/users/new", data={"username": "dp.moi", "password": "mat-khau-dai", "role": "coordinator",
                                              "unit": "66001"})
    assert refused.status_code == 422 and "You may not give this role." in refused.get_data(as_text=True)


def test_deactivate_and_reactivate_from_the_users_page(client, users, login, db):
    login(users["admin"])
    volunteer_id = users["volunteer"].id
    response = client.post(f"/users/{volunteer_id}/active", data={"is_active": "false"}, follow_redirects=True)
    assert "vol-66001 can no longer sign in." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(users["volunteer"]), volunteer_id).is_active is False
    client.post(f"/users/{volunteer_id}/active", data={"is_active": "true"})
    db.session.expire_all()
    assert db.session.get(type(users["volunteer"]), volunteer_id).is_active is True
    assert client.post(f"/users/{users['admin'].id}/active", data={"is_active": "false"}).status_code == 409


def test_users_pages_are_refused_to_volunteers_and_committee(client, users, login):
    login(users["volunteer"])
    assert client.get("/users").status_code == 403
    assert client.post(f"/users/{users['volunteer'].id}/active", data={"is_active": "false"}).status_code == 403
