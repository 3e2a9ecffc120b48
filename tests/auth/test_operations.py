import pytest
import sqlalchemy as sa

from tracker.auth.models import Role, User
from tracker.auth.operations import authenticate, create_user, issue_token, set_user_active, user_for_token
from tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tracker.events.models import Event


def _data(tree, role="volunteer", unit="commune", username="tnv.moi"):
    return {"username": username, "password": "mat-khau-dai", "role": Role(role), "unit": tree[unit],
            "full_name": "H'Hen Niê", "email": None}


def test_a_coordinator_enrols_volunteers_of_their_commune(db, tree, users):
    volunteer = create_user(_data(tree, unit="village"), user=users["coordinator"])
    db.session.commit()
    assert (volunteer.role, volunteer.unit.code, volunteer.full_name) == (Role.volunteer, "6600101", "H'Hen Niê")
    event = db.session.scalar(sa.select(Event).where(Event.type == "user.created"))
    assert event.actor_id == users["coordinator"].id and event.payload["role"] == "volunteer"


@pytest.mark.parametrize(("role", "unit", "fields"), [
    ("coordinator", "commune", {"role"}),
    ("admin", "commune", {"role"}),
    ("volunteer", "other_commune", {"unit"}),
    ("committee", "province", {"role", "unit"}),
])
def test_a_coordinator_cannot_give_other_roles_or_reach_other_communes(db, tree, users, role, unit, fields):
    with pytest.raises(InvalidInput) as caught:
        create_user(_data(tree, role=role, unit=unit), user=users["coordinator"])
    assert set(caught.value.fields) == fields
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.username == "tnv.moi")) == 0


@pytest.mark.parametrize("role", ["volunteer", "committee"])
def test_volunteers_and_committee_members_create_no_accounts(tree, users, role):
    with pytest.raises(Forbidden):
        create_user(_data(tree), user=users[role])


def test_a_deactivated_account_cannot_sign_in_or_use_its_token(db, users):
    volunteer = users["volunteer"]
    token, _record = issue_token(volunteer)
    set_user_active(volunteer, False, user=users["coordinator"])
    db.session.commit()
    assert authenticate(volunteer.username, "correct-horse-9") is None
    assert user_for_token(token) is None
    set_user_active(volunteer, True, user=users["coordinator"])
    db.session.commit()
    assert authenticate(volunteer.username, "correct-horse-9") == volunteer
    types = db.session.scalars(sa.select(Event.type).order_by(Event.id)).all()
    assert types == ["user.deactivated", "user.reactivated"]


def test_setting_the_same_state_again_writes_no_event(db, users, count_events):
    set_user_active(users["volunteer"], True, user=users["admin"])
    assert count_events() == 0


def test_who_may_deactivate_whom(db, users, create_user, tree):
    outsider = create_user("volunteer", tree["other_commune"])
    with pytest.raises(NotFound):
        set_user_active(outsider, False, user=users["coordinator"])
    with pytest.raises(Forbidden):
        set_user_active(users["commune_committee"], False, user=users["coordinator"])
    with pytest.raises(Forbidden):
        set_user_active(users["coordinator"], False, user=users["volunteer"])
    with pytest.raises(Conflict):
        set_user_active(users["admin"], False, user=users["admin"])
    set_user_active(users["coordinator"], False, user=users["admin"])
    assert not users["coordinator"].is_active
