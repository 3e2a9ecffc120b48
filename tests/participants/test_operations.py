"""``register_participant`` and the queries other domains call directly."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tracker.core.errors import Forbidden, InvalidInput, NotFound
from tracker.participants import operations
from tracker.participants.models import Gender, Participant
from tracker.participants.queries import (
    find_possible_duplicates,
    get_participant_by_code,
    get_participant_for,
    search_participants,
)
from tracker.participants.schemas import latest_birth_year, normalise_phone


def _data(tree, **change):
    return {"full_name": "Nguyễn Thị Hoa", "birth_year": 1980, "gender": Gender.female, "ethnicity": "Ê Đê",
            "village": tree["village"], "phone": None, "consent": True} | change


def test_a_volunteer_registers_a_walk_in_through_the_check_in_capability(users, tree, db, count_events):
    with pytest.raises(Forbidden):
        operations.register_participant(_data(tree), user=users["volunteer"])
    participant, duplicates = operations.register_participant(_data(tree), user=users["volunteer"],
                                                              capability="checkins.record")
    assert participant.id and participant.registered_by_id == users["volunteer"].id and duplicates == []
    assert count_events("participant.registered") == 1


def test_registration_outside_scope_names_the_village_even_for_walk_ins(users, tree):
    with pytest.raises(InvalidInput) as refused:
        operations.register_participant(_data(tree, village=tree["other_village"]), user=users["volunteer"],
                                        capability="checkins.record")
    assert refused.value.fields == {"village": ["This village is not in your area."]}


def test_registration_without_the_role_is_forbidden_in_scope(users, tree):
    with pytest.raises(Forbidden):
        operations.register_participant(_data(tree), user=users["volunteer"])


def test_the_operation_checks_consent_village_and_name_without_a_schema(users, tree, db):
    with pytest.raises(InvalidInput) as refused:
        operations.register_participant(_data(tree, consent=False, village=tree["commune"], full_name="  "),
                                        user=users["admin"])
    assert set(refused.value.fields) == {"consent", "village", "full_name"}
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0


def test_a_code_already_taken_is_drawn_again(users, tree, dummy_participant, monkeypatch):
    codes = iter([dummy_participant.code, "ABCDEFGH"])
    monkeypatch.setattr(operations, "new_code", lambda: next(codes))
    participant, _duplicates = operations.register_participant(_data(tree), user=users["coordinator"])
    assert participant.code == "ABCDEFGH"


def test_duplicates_are_returned_oldest_first_and_can_exclude_one(users, tree, create_participant):
    first, second = create_participant(), create_participant(full_name="NGUYỄN THỊ HOA")
    create_participant(birth_year=1981)
    create_participant(village=tree["village2"])
    assert find_possible_duplicates("nguyen thi hoa", 1980, tree["village"]) == [first, second]
    assert find_possible_duplicates("nguyen thi hoa", 1980, tree["village"], exclude_id=first.id) == [second]
    _participant, duplicates = operations.register_participant(_data(tree), user=users["coordinator"])
    assert duplicates == [first, second]


def test_get_participant_for_hides_people_outside_scope_and_forbids_other_roles(users, dummy_participant):
    assert get_participant_for(users["coordinator"], dummy_participant.id) is dummy_participant
    with pytest.raises(NotFound):
        get_participant_for(users["other_coordinator"], dummy_participant.id)
    for role in ("volunteer", "committee"):
        with pytest.raises(Forbidden):
            get_participant_for(users[role], dummy_participant.id)
    assert get_participant_for(users["volunteer"], dummy_participant.id, capability="checkins.read")
    with pytest.raises(NotFound):
        get_participant_for(users["admin"], 424242)


def test_codes_are_found_however_typed(dummy_participant):
    code = dummy_participant.code
    assert get_participant_by_code(f" {code[:4].lower()} {code[4:]} ") is dummy_participant
    assert get_participant_by_code("not a code") is None


def test_search_filters_in_sql(users, tree, create_participant, db):
    create_participant("Nguyễn Thị Hoa")
    create_participant("Hoàng Văn Nam")
    statements = []

    def remember(connection, cursor, statement, *args):
        statements.append(statement.upper())

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        found, cursor = search_participants(users["coordinator"], q="Hoàng", limit=10)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)
    assert [person.full_name for person in found] == ["Hoàng Văn Nam"] and cursor is None
    query = next(statement for statement in statements if "FROM PARTICIPANTS" in statement)
    assert " LIKE " in query and "LIMIT" in query


@pytest.mark.parametrize(("typed", "stored"), [
    ("0912345678", "0912345678"), ("+84912345678", "0912345678"), ("+84 (0)912 345 678", None),
    ("912345678", "0912345678"), ("02623 852 123", "02623852123"), ("0012345678", None), ("09123", None),
    ("091234567890", None),
])
def test_phone_numbers_are_normalised_or_refused(typed, stored):
    assert normalise_phone(typed) == stored


def test_the_youngest_birth_year_follows_the_clock():
    assert latest_birth_year(now=datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == 2011  # 1 January 2026 in Hà Nội
    assert latest_birth_year(now=datetime(2025, 7, 15, tzinfo=UTC)) == 2010
