"""Editing accounts within what one may grant: the operation and the page per user."""
import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tracker.auth.models import Role, User
from tracker.auth.operations import reset_password, update_user
from tracker.core.errors import Forbidden, InvalidInput, NotFound
from tracker.events.models import Event


def _fresh(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def accounts(users, create_user, tree):
    """The users, plus a volunteer of the other commune and a second admin."""
    return users | {
        "other_volunteer": create_user("volunteer", tree["other_commune"], "vol-66002"),
        "other_admin": create_user("admin", tree["province"], "admin2"),
    }


def _form(account, **changes):
    values = {"full_name": account.full_name or "", "email": account.email or "", "role": account.role.value,
              "unit": account.unit.code}
    return values | changes


# Who may open and save whose page: SPEC §2 (404 outside the area, 403 inside it) -------------------

MATRIX = [
    ("admin", "volunteer", 200),
    ("admin", "coordinator", 200),
    ("admin", "committee", 200),
    ("admin", "other_admin", 200),
    ("admin", "admin", 200),
    ("coordinator", "volunteer", 200),
    ("coordinator", "other_volunteer", 404),
    ("coordinator", "commune_committee", 403),
    ("coordinator", "coordinator", 403),
    ("coordinator", "other_coordinator", 404),
    ("coordinator", "admin", 404),
    ("committee", "volunteer", 403),
    ("committee", "admin", 403),
    ("commune_committee", "volunteer", 403),
    ("commune_committee", "admin", 404),
    ("volunteer", "volunteer", 403),
    ("volunteer", "coordinator", 403),
    ("volunteer", "admin", 404),
]


@pytest.mark.parametrize(("actor", "target", "status"), MATRIX)
def test_who_may_open_an_accounts_page(client, accounts, login, actor, target, status):
    login(accounts[actor])
    assert client.get(f"/users/{accounts[target].id}").status_code == status


@pytest.mark.parametrize(("actor", "target", "status"), MATRIX)
def test_who_may_edit_an_account_and_refusals_change_nothing(client, db, accounts, login, count_events,
                                                              actor, target, status):
    account = accounts[target]
    login(accounts[actor])
    response = client.post(f"/users/{account.id}", data=_form(account, full_name="Tên Mới"))
    assert response.status_code == (302 if status == 200 else status)
    assert (_fresh(db, account).full_name == "Tên Mới") is (status == 200)
    assert count_events("user.updated") == (1 if status == 200 else 0)


@pytest.mark.parametrize(("actor", "target"), [(a, t) for a, t, s in MATRIX if s != 200])
def test_refused_resets_make_no_link(client, db, accounts, login, count_events, actor, target):
    login(accounts[actor])
    response = client.post(f"/users/{accounts[target].id}/password-reset")
    assert response.status_code in (403, 404)
    assert count_events("user.password_reset") == 0


def test_an_unknown_account_is_404(client, accounts, login):
    login(accounts["admin"])
    assert client.get("/users/999999").status_code == 404
    assert client.post("/users/999999", data={"role": "volunteer", "unit": "66"}).status_code == 404


def test_the_users_list_links_each_account_to_its_page(client, accounts, login):
    login(accounts["coordinator"])
    page = client.get("/users").get_data(as_text=True)
    assert f'href="/users/{accounts["volunteer"].id}"' in page
    assert f'href="/users/{accounts["other_volunteer"].id}"' not in page


# What the edit changes, and what it refuses ---------------------------------------------------------

def test_an_admin_changes_name_email_role_and_unit(client, db, accounts, login, tree):
    account = accounts["volunteer"]
    login(accounts["admin"])
    form = client.get(f"/users/{account.id}").get_data(as_text=True)
    assert 'name="csrf_token"' in form and '<option value="coordinator">' in form
    response = client.post(f"/users/{account.id}", data={"full_name": " Y Khoa Niê ", "email": "ykhoa@example.vn",
                                                         "role": "coordinator", "unit": "66002"})
    assert response.status_code == 302 and response.headers["Location"] == "/users"
    saved = _fresh(db, account)
    assert (saved.full_name, saved.email, saved.role, saved.unit.code) == (
        "Y Khoa Niê", "ykhoa@example.vn", Role.coordinator, "66002")
    assert "The account vol-66001 was saved." in client.get("/users").get_data(as_text=True)


def test_the_event_names_the_changed_fields_and_never_their_values(db, accounts, tree):
    account, admin = accounts["volunteer"], accounts["admin"]
    changed = update_user(account, {"full_name": "Hờ Văn Bí", "email": "bi@example.vn", "role": Role.volunteer,
                                    "unit": tree["commune"]}, user=admin)
    db.session.commit()
    assert changed == ["full_name", "email"]
    event = db.session.scalar(sa.select(Event).where(Event.type == "user.updated"))
    assert event.payload == {"user_id": account.id, "fields": ["full_name", "email"]}
    assert event.subject_id == str(account.id) and event.actor_id == admin.id and event.unit_id == tree["commune"].id
    stored = db.session.scalar(sa.select(sa.cast(Event.payload, sa.String)).where(Event.id == event.id))
    assert "Hờ" not in stored and "bi@example" not in stored and "H\\u1edd" not in stored


def test_saving_without_a_change_records_nothing(db, accounts, tree, count_events):
    account = accounts["volunteer"]
    assert update_user(account, {"full_name": None, "email": None, "role": Role.volunteer, "unit": tree["commune"]},
                       user=accounts["coordinator"]) == []
    assert count_events("user.updated") == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"role": "coordinator"}, "role", "You may not give this role."),
    ({"role": "admin"}, "role", "You may not give this role."),
    ({"unit": "66002"}, "unit", "This unit is not in your area."),
    ({"unit": "66"}, "unit", "This unit is not in your area."),
    ({"unit": "99999"}, "unit", "Unknown unit: 99999."),
    ({"role": "chief"}, "role", "Must be one of"),
    ({"email": "not-an-address"}, "email", "Not a valid email address."),
    ({"full_name": "x" * 201}, "full_name", "Longer than maximum length 200."),
])
def test_a_coordinator_cannot_raise_a_volunteer_or_move_them_away(client, db, accounts, login, count_events,
                                                                  changes, field, message):
    account = accounts["volunteer"]
    login(accounts["coordinator"])
    response = client.post(f"/users/{account.id}", data=_form(account, **({"full_name": "Đổi"} | changes)))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    saved = _fresh(db, account)
    assert saved.role == Role.volunteer and saved.unit.code == "66001" and saved.full_name is None
    assert count_events("user.updated") == 0


def test_a_coordinator_moves_a_volunteer_to_a_village_of_their_commune(db, accounts, tree):
    update_user(accounts["volunteer"], {"full_name": None, "email": None, "role": Role.volunteer,
                                        "unit": tree["village"]}, user=accounts["coordinator"])
    assert accounts["volunteer"].unit == tree["village"]


@pytest.mark.parametrize(("changes", "field"), [({"role": Role.coordinator}, "role"), ({"unit": "commune"}, "unit")])
def test_an_admin_cannot_lock_themselves_out(db, accounts, tree, changes, field):
    admin = accounts["admin"]
    data = {"full_name": "Quản trị", "email": None, "role": Role.admin, "unit": tree["province"]}
    data |= {key: tree[value] if key == "unit" else value for key, value in changes.items()}
    with pytest.raises(InvalidInput) as refused:
        update_user(admin, data, user=admin)
    assert list(refused.value.fields) == [field]
    db.session.rollback()
    assert _fresh(db, admin).role == Role.admin


def test_an_admin_edits_their_own_name_and_email(db, accounts, tree):
    admin = accounts["admin"]
    update_user(admin, {"full_name": "Quản trị", "email": "qt@example.vn", "role": Role.admin,
                        "unit": tree["province"]}, user=admin)
    assert admin.full_name == "Quản trị"


def test_an_admin_of_a_commune_cannot_reach_or_give_the_province(db, accounts, create_user, tree):
    commune_admin = create_user("admin", tree["commune"], "admin-66001")
    with pytest.raises(NotFound):
        update_user(accounts["admin"], {"full_name": None, "email": None, "role": Role.admin,
                                        "unit": tree["province"]}, user=commune_admin)
    with pytest.raises(InvalidInput) as refused:
        update_user(accounts["coordinator"], {"full_name": None, "email": None, "role": Role.coordinator,
                                              "unit": tree["province"]}, user=commune_admin)
    assert list(refused.value.fields) == ["unit"]


def test_a_coordinator_cannot_edit_another_coordinator_of_their_commune(db, accounts, create_user, tree):
    colleague = create_user("coordinator", tree["commune"], "coord2-66001")
    with pytest.raises(Forbidden):
        update_user(colleague, {"full_name": "x", "email": None, "role": Role.volunteer, "unit": tree["commune"]},
                    user=accounts["coordinator"])


@pytest.mark.parametrize("form", ["edit", "reset", "own", "link"])
def test_every_account_form_needs_csrf(app, db, client, accounts, login, count_events, form):
    volunteer = accounts["volunteer"]
    code, _reset = reset_password(accounts["other_volunteer"], user=accounts["admin"])
    db.session.commit()
    login(accounts["admin"])
    path, data = {
        "edit": (f"/users/{volunteer.id}", _form(volunteer, full_name="Không CSRF")),
        "reset": (f"/users/{volunteer.id}/password-reset", {}),
        "own": ("/account/password", {"current_password": PASSWORD, "new_password": "mat-khau-moi-1",
                                      "new_password_confirm": "mat-khau-moi-1"}),
        "link": (f"/reset/{code}", {"new_password": "mat-khau-moi-1", "new_password_confirm": "mat-khau-moi-1"}),
    }[form]
    events_before = count_events()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(path, data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert count_events() == events_before


def test_the_edit_page_is_vietnamese_by_default(client, accounts, login):
    with client.session_transaction() as session:
        session["lang"] = "vi"
    login(accounts["admin"])
    page = client.get(f"/users/{accounts['volunteer'].id}").get_data(as_text=True)
    assert "Lưu" in page and "Tạo liên kết đặt lại mật khẩu" in page
