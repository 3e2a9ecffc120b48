"""Enrolment links and enrolled volunteers: the operations and queries."""
import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.auth.enrolments import operations, queries
from tracker.auth.enrolments.schemas import EnrolmentCreateSchema, EnrolSchema
from tracker.auth.models import Role, User
from tracker.auth.operations import authenticate, issue_token, set_user_active, user_for_token
from tracker.auth.session import load_user
from tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tracker.core.time import utcnow
from tracker.events.models import Event

NAME = "Y Bhim Niê"


@pytest.fixture
def link(db, users, tree):
    """An open link of commune 66001 made by its coordinator: ``(token, enrolment)``."""
    token, enrolment = operations.open_enrolment(tree["commune"], 7, user=users["coordinator"])
    db.session.commit()
    return token, enrolment


def _enrol(enrolment, now=None, **data):
    volunteer = operations.enrol_volunteer(enrolment, {"full_name": NAME, "phone": None} | data, now=now)
    return volunteer


def _events(db, type_):
    return db.session.scalars(sa.select(Event).where(Event.type == type_).order_by(Event.id)).all()


# Opening and closing links ---------------------------------------------------------------------

def test_a_link_keeps_only_the_hash_of_a_long_random_token(db, link):
    token, enrolment = link
    assert len(token) >= 22 and token.replace("-", "").replace("_", "").isalnum()  # ≥ 128 bits, URL-safe
    assert enrolment.token_hash == hashlib.sha256(token.encode()).hexdigest()
    rows = db.session.execute(sa.text("SELECT * FROM enrolments")).all()
    assert len(rows) == 1 and token not in repr(tuple(rows[0]))
    assert queries.enrolment_for_token(token) == enrolment
    assert queries.enrolment_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_a_link_is_open_for_a_day_and_its_opening_is_an_event(db, link, users, tree):
    _token, enrolment = link
    assert enrolment.expires_at - enrolment.created_at == timedelta(hours=24)
    assert enrolment.unit == tree["commune"] and enrolment.created_by == users["coordinator"]
    [event] = _events(db, "enrolment.opened")
    assert (event.subject_type, event.subject_id, event.payload) == ("enrolment", str(enrolment.id), {"access_days": 7})
    assert event.actor_id == users["coordinator"].id and event.unit_id == tree["commune"].id


def test_an_admin_opens_links_for_any_commune_but_not_for_a_province_or_village(db, users, tree):
    _token, enrolment = operations.open_enrolment(tree["other_commune"], 30, user=users["admin"])
    assert enrolment.access_days == 30
    for unit in (tree["province"], tree["village"]):
        with pytest.raises(InvalidInput) as refusal:
            operations.open_enrolment(unit, 7, user=users["admin"])
        assert "unit" in refusal.value.fields


@pytest.mark.parametrize("who", ["volunteer", "commune_committee"])
def test_volunteers_and_committee_members_cannot_open_links(db, users, tree, who):
    with pytest.raises(Forbidden):
        operations.open_enrolment(tree["commune"], 7, user=users[who])


def test_a_coordinator_cannot_open_a_link_for_another_commune(db, users, tree):
    with pytest.raises(NotFound):
        operations.open_enrolment(tree["other_commune"], 7, user=users["coordinator"])


def test_closing_a_link_is_an_event_once(db, link, users):
    _token, enrolment = link
    operations.close_enrolment(enrolment, user=users["coordinator"])
    operations.close_enrolment(enrolment, user=users["coordinator"])
    assert enrolment.closed_at is not None and not enrolment.is_open()
    assert len(_events(db, "enrolment.closed")) == 1


# Enrolling -------------------------------------------------------------------------------------

def test_enrolling_makes_a_volunteer_of_the_commune_without_a_password(db, link, tree):
    token, enrolment = link
    now = utcnow()
    volunteer = _enrol(enrolment, now=now, phone="0912345678")
    assert volunteer.role == Role.volunteer and volunteer.unit == tree["commune"]
    assert volunteer.full_name == NAME and volunteer.phone == "0912345678"
    assert volunteer.enrolled_via == enrolment and volunteer.access_until == now + timedelta(days=7)
    assert volunteer.username.startswith("tnv.66001.")
    for guess in ("", operations.NO_PASSWORD, token, volunteer.password_hash):
        assert authenticate(volunteer.username, guess) is None


def test_enrolling_is_an_event_carrying_ids_only(db, link):
    _token, enrolment = link
    volunteer = _enrol(enrolment, phone="0912345678")
    [event] = _events(db, "volunteer.enrolled")
    assert (event.subject_type, event.subject_id, event.actor_id) == ("user", str(volunteer.id), volunteer.id)
    assert event.payload["enrolment_id"] == enrolment.id
    assert NAME not in repr(event.payload) and "0912345678" not in repr(event.payload)


def test_several_volunteers_enrol_through_one_link(db, link):
    _token, enrolment = link
    first, second = _enrol(enrolment), _enrol(enrolment, full_name="H'Nga Niê Kdăm")
    assert first.username != second.username
    assert [count for _link, count in queries.recent_enrolments(enrolment.created_by)] == [2]


def test_a_link_refuses_volunteers_from_the_moment_it_expires(db, link):
    _token, enrolment = link
    assert _enrol(enrolment, now=enrolment.expires_at - timedelta(seconds=1)).id
    with pytest.raises(operations.EnrolmentGone) as refusal:
        _enrol(enrolment, now=enrolment.expires_at)
    assert refusal.value.status == 410 and "expired" in refusal.value.message


def test_a_closed_link_refuses_volunteers(db, link, users):
    _token, enrolment = link
    operations.close_enrolment(enrolment, user=users["coordinator"])
    with pytest.raises(operations.EnrolmentGone) as refusal:
        _enrol(enrolment)
    assert "closed" in refusal.value.message


# Access ending ---------------------------------------------------------------------------------

def test_access_ends_by_itself_at_access_until(db, link):
    _token, enrolment = link
    volunteer = _enrol(enrolment)
    token, record = issue_token(volunteer)
    db.session.commit()
    end = volunteer.access_until
    assert record.expires_at == end  # a token never outlives the access
    assert volunteer.has_access(end - timedelta(seconds=1)) and not volunteer.has_access(end)
    assert user_for_token(token, now=end - timedelta(seconds=1)) == volunteer
    assert user_for_token(token, now=end) is None


def test_the_session_refuses_a_volunteer_whose_days_are_over(db, link, monkeypatch):
    _token, enrolment = link
    volunteer = _enrol(enrolment)
    db.session.commit()
    assert load_user(str(volunteer.id)) == volunteer
    monkeypatch.setattr("tracker.auth.models.utcnow", lambda: volunteer.access_until + timedelta(minutes=1))
    assert load_user(str(volunteer.id)) is None


def test_revoking_ends_access_at_once_and_is_an_event(db, link, users):
    _token, enrolment = link
    volunteer = _enrol(enrolment)
    token, _record = issue_token(volunteer)
    db.session.commit()
    now = utcnow()
    operations.revoke_volunteer(volunteer, user=users["coordinator"], now=now)
    operations.revoke_volunteer(volunteer, user=users["coordinator"], now=now)
    db.session.commit()
    assert not volunteer.is_active and volunteer.access_until == now
    assert user_for_token(token) is None and load_user(str(volunteer.id)) is None
    [event] = _events(db, "volunteer.revoked")
    assert event.payload == {"enrolment_id": enrolment.id} and event.actor_id == users["coordinator"].id
    assert db.session.get(User, volunteer.id) is not None  # the account and what it did stay


def test_another_communes_coordinator_neither_sees_nor_revokes(db, link, users):
    _token, enrolment = link
    volunteer = _enrol(enrolment)
    other = users["other_coordinator"]
    with pytest.raises(NotFound):
        queries.get_enrolment_for(other, enrolment.id)
    with pytest.raises(NotFound):
        queries.get_enrolled_volunteer_for(other, volunteer.id)
    with pytest.raises(NotFound):
        operations.revoke_volunteer(volunteer, user=other)
    assert queries.enrolled_volunteers(other) == [] and queries.recent_enrolments(other) == []
    assert queries.enrolled_volunteers(users["coordinator"]) == [volunteer]


def test_only_enrolled_volunteers_are_revoked_here(db, users):
    with pytest.raises(NotFound):
        queries.get_enrolled_volunteer_for(users["coordinator"], users["volunteer"].id)


# Input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("form", "field"), [
    ({"full_name": "   ", "accept": "yes"}, "full_name"),
    ({"accept": "yes"}, "full_name"),
    ({"full_name": "1234", "accept": "yes"}, "full_name"),
    ({"full_name": NAME}, "accept"),
    ({"full_name": NAME, "accept": "yes", "phone": "12"}, "phone"),
])
def test_the_enrol_form_names_the_wrong_field(app, form, field):
    errors = EnrolSchema().validate(form)
    assert field in errors and len(errors) == 1


def test_the_enrol_form_cleans_the_name(app):
    data = EnrolSchema().load({"full_name": "  Y   Bhim  Niê ", "accept": "on", "phone": ""})
    assert data == {"full_name": NAME, "accept": True, "phone": None}


@pytest.mark.parametrize("days", ["0", "31", "-1", "seven"])
def test_the_days_of_access_run_from_one_to_thirty(app, tree, days):
    assert "access_days" in EnrolmentCreateSchema().validate({"access_days": days})


def test_a_link_defaults_to_seven_days(app, tree):
    assert EnrolmentCreateSchema().load({"unit": "", "access_days": ""}) == {"unit": None, "access_days": 7}



def test_a_revoked_volunteer_cannot_be_reactivated_from_the_users_page(db, link, users):
    _token, enrolment = link
    volunteer = _enrol(enrolment)
    operations.revoke_volunteer(volunteer, user=users["coordinator"])
    with pytest.raises(Conflict):
        set_user_active(volunteer, True, user=users["coordinator"])
    assert not volunteer.is_active
