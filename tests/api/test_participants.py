"""``/api/v1/participants``: registration, search by folded name, scope and refusals."""
import json
import unicodedata

import pytest
import sqlalchemy as sa

from tracker.cards.tokens import make_token, read_token
from tracker.events.models import Event
from tracker.participants.models import Participant
from tracker.participants.schemas import latest_birth_year


def _new(**change):
    return {"full_name": "Nguyễn Thị Hoa", "birth_year": 1980, "gender": "female", "ethnicity": "Ê Đê",
            "village": "6600101", "phone": "0912 345 678", "consent": True} | change


def _count(db):
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


def test_coordinator_registers_a_person_with_a_signed_card(users, api_as, db):
    response = api_as(users["coordinator"]).post("/api/v1/participants", json=_new())
    assert response.status_code == 201, response.json
    body = response.json
    assert list(body)[:4] == ["id", "code", "qr", "possible_duplicates"]
    assert body["qr"] == make_token(body["code"]) and read_token(body["qr"]) == body["code"]
    assert body["possible_duplicates"] == []
    record = body["participant"]
    assert (record["full_name"], record["village"], record["commune"], record["phone"], record["gender"]) == (
        "Nguyễn Thị Hoa", "6600101", "66001", "0912345678", "female")
    participant = db.session.get(Participant, body["id"])
    assert participant.consent and participant.consent_at is not None
    assert participant.registered_by_id == users["coordinator"].id and participant.search_name == "nguyen thi hoa"


def test_the_event_carries_codes_and_ids_but_nothing_personal(users, api_as, db):
    body = api_as(users["coordinator"]).post("/api/v1/participants", json=_new()).json
    event = db.session.scalar(sa.select(Event).where(Event.type == "participant.registered"))
    assert event.payload == {"code": body["code"], "village": "6600101", "possible_duplicates": []}
    assert event.unit.code == "6600101" and event.subject_id == str(body["id"])
    assert "Hoa" not in json.dumps(event.payload, ensure_ascii=False) and "0912" not in json.dumps(event.payload)


def test_names_are_stored_nfc_whatever_the_keyboard_sent(users, api_as, db):
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị Hoa ")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    body = api_as(users["coordinator"]).post("/api/v1/participants", json=_new(full_name=decomposed)).json
    stored = db.session.get(Participant, body["id"])
    assert stored.full_name == "Nguyễn Thị Hoa" == unicodedata.normalize("NFC", stored.full_name)
    assert body["participant"]["full_name"] == "Nguyễn Thị Hoa"


def test_likely_duplicates_are_flagged_and_never_merged(users, api_as, db, dummy_participant, count_events):
    api = api_as(users["coordinator"])
    response = api.post("/api/v1/participants", json=_new(full_name="NGUYEN THI HOA", gender="female"))
    assert response.status_code == 201
    assert response.json["possible_duplicates"] == [{
        "id": dummy_participant.id, "code": dummy_participant.code, "full_name": "Nguyễn Thị Hoa",
        "birth_year": 1980, "village": "6600101"}]
    assert response.json["id"] != dummy_participant.id and _count(db) == 2
    event = db.session.scalar(sa.select(Event).where(Event.type == "participant.registered"))
    assert event.payload["possible_duplicates"] == [dummy_participant.id]
    for change in ({"birth_year": 1981}, {"village": "6600102"}, {"full_name": "Nguyễn Thị Hoà Bình"}):
        assert api.post("/api/v1/participants", json=_new(**change)).json["possible_duplicates"] == []
    assert _count(db) == 5 and count_events("participant.registered") == 4


def test_a_name_pasted_with_invisible_characters_is_still_found_as_a_likely_duplicate(users, api_as, db,
                                                                                      dummy_participant):
    pasted = "\ufeffNguyễn\u200b Thị Ho\u00ada\u200e"  # as chat apps and word processors hand it over
    response = api_as(users["coordinator"]).post("/api/v1/participants", json=_new(full_name=pasted))
    assert response.status_code == 201, response.json
    assert [d["id"] for d in response.json["possible_duplicates"]] == [dummy_participant.id]
    stored = db.session.get(Participant, response.json["id"])
    assert (stored.full_name, stored.search_name) == ("Nguyễn Thị Hoa", "nguyen thi hoa")


@pytest.mark.parametrize(("change", "stored"), [
    ({"phone": "+84 912 345 678"}, {"phone": "0912345678"}),
    ({"phone": "84912345678"}, {"phone": "0912345678"}),
    ({"phone": "(0262) 3.852-123"}, {"phone": "02623852123"}),
    ({"phone": ""}, {"phone": None}),
    ({"phone": None}, {"phone": None}),
    ({"ethnicity": "e de"}, {"ethnicity": "Ê Đê"}),
    ({"ethnicity": "KINH"}, {"ethnicity": "Kinh"}),
    ({"ethnicity": "Bru Vân Kiều"}, {"ethnicity": "Bru-Vân Kiều"}),
    ({"ethnicity": "Người nước ngoài"}, {"ethnicity": "Người nước ngoài"}),
    ({"gender": "other"}, {"gender": "other"}),
])
def test_input_is_normalised(users, api_as, db, change, stored):
    body = api_as(users["coordinator"]).post("/api/v1/participants", json=_new(**change)).json
    participant = db.session.get(Participant, body["id"])
    assert {key: getattr(participant, key) for key in stored} == stored


def test_the_youngest_accepted_are_fifteen_this_year(users, api_as):
    api = api_as(users["coordinator"])
    assert api.post("/api/v1/participants", json=_new(birth_year=latest_birth_year())).status_code == 201
    young = api.post("/api/v1/participants", json=_new(birth_year=latest_birth_year() + 1))
    assert young.status_code == 422 and "aged 15 or more" in young.json["error"]["fields"]["birth_year"][0]


@pytest.mark.parametrize(("change", "field", "message_part"), [
    ({"consent": False}, "consent", "must agree"),
    ({"consent": "maybe"}, "consent", "boolean"),
    ({"birth_year": 1899}, "birth_year", "between 1900"),
    ({"birth_year": 10**20}, "birth_year", "between 1900"),
    ({"birth_year": "nineteen eighty"}, "birth_year", "integer"),
    ({"birth_year": True}, "birth_year", "integer"),
    ({"gender": "f"}, "gender", "Must be one of"),
    ({"ethnicity": "x" * 61}, "ethnicity", "60 characters"),
    ({"ethnicity": "   "}, "ethnicity", "60 characters"),
    ({"village": "66001"}, "village", "not a village"),
    ({"village": "nope"}, "village", "Unknown unit"),
    ({"phone": "12345"}, "phone", "Vietnamese phone number"),
    ({"phone": "0112345678"}, "phone", "Vietnamese phone number"),
    ({"full_name": ""}, "full_name", "Enter the person's name"),
    ({"full_name": " \t "}, "full_name", "Enter the person's name"),
    ({"full_name": "12345"}, "full_name", "in letters"),
    ({"full_name": "A" * 201}, "full_name", "200 characters"),
    ({"full_name": ["Hoa"]}, "full_name", "Not a valid string"),
])
def test_invalid_input_is_refused_by_field_and_stores_nothing(users, api_as, db, count_events, change, field,
                                                              message_part):
    response = api_as(users["coordinator"]).post("/api/v1/participants", json=_new(**change))
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert message_part in " ".join(response.json["error"]["fields"][field])
    assert _count(db) == 0 and count_events() == 0


@pytest.mark.parametrize("missing", ["full_name", "birth_year", "gender", "ethnicity", "village", "consent"])
def test_missing_fields_are_named(users, api_as, db, missing):
    body = _new()
    del body[missing]
    response = api_as(users["coordinator"]).post("/api/v1/participants", json=body)
    assert response.status_code == 422 and missing in response.json["error"]["fields"]
    assert _count(db) == 0


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null", '{"full_name": '])
def test_malformed_bodies_get_a_json_4xx(users, api_as, db, body):
    response = api_as(users["coordinator"]).post("/api/v1/participants", data=body,
                                                 content_type="application/json")
    assert response.status_code in (400, 422) and "error" in response.json
    assert _count(db) == 0


@pytest.mark.parametrize(("role", "village", "status"), [
    ("other_coordinator", "6600101", 422),
    ("coordinator", "6600201", 422),
    ("volunteer", "6600101", 403),
    ("committee", "6600101", 403),
    ("commune_committee", "6600101", 403),
])
def test_registration_is_refused_out_of_scope_or_role(users, api_as, db, count_events, role, village, status):
    response = api_as(users[role]).post("/api/v1/participants", json=_new(village=village))
    assert response.status_code == status
    assert response.json["error"]["code"] == {403: "forbidden", 422: "validation_error"}[status]
    if status == 422:
        assert response.json["error"]["fields"] == {"village": ["This village is not in your area."]}
    assert _count(db) == 0 and count_events() == 0


def test_registration_needs_a_token(client, tree, db):
    response = client.post("/api/v1/participants", json=_new())
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("role", "status"), [
    ("coordinator", 200), ("admin", 200), ("other_coordinator", 404), ("volunteer", 403), ("committee", 403),
])
def test_a_participant_is_shown_only_in_scope(users, api_as, dummy_participant, role, status):
    response = api_as(users[role]).get(f"/api/v1/participants/{dummy_participant.id}")
    assert response.status_code == status
    if status == 200:
        assert response.json["code"] == dummy_participant.code and response.json["village_name"] == "Buôn Ko Tam"
        assert response.json["ethnicity"] == "Ê Đê" and response.json["consent"] is True
    else:
        assert response.json["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]


def test_unknown_ids_are_404(users, api_as):
    api = api_as(users["admin"])
    assert api.get("/api/v1/participants/999").status_code == 404
    assert api.get("/api/v1/participants/99999999999999999999999").status_code == 404


# Search ---------------------------------------------------------------------------------------

@pytest.fixture
def people(create_participant, tree):
    """Five people: three in commune 66001, one in its second village, one in commune 66002."""
    return {
        "hoa": create_participant("Nguyễn Thị Hoa"),
        "dao": create_participant("Trần Văn Đào", gender="male", birth_year=1975),
        "an": create_participant("Nguyễn Văn An", village=tree["village2"], gender="male"),
        "hhen": create_participant("H'Hen Niê", birth_year=1990),
        "other": create_participant("Lê Thị Hoa", village=tree["other_village"]),
    }


def _names(response):
    assert response.status_code == 200, response.json
    return [item["full_name"] for item in response.json["items"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("nguyen thi", ["Nguyễn Thị Hoa"]),
    ("NGUYỄN thị", ["Nguyễn Thị Hoa"]),
    ("Nguyen  Thi  Hoa", ["Nguyễn Thị Hoa"]),
    ("nguyen", ["Nguyễn Thị Hoa", "Nguyễn Văn An"]),
    ("hoa", ["Nguyễn Thị Hoa"]),
    ("nguyen hoa", ["Nguyễn Thị Hoa"]),
    ("dao", ["Trần Văn Đào"]),
    ("ĐÀO", ["Trần Văn Đào"]),
    ("h'hen", ["H'Hen Niê"]),
    ("guyen", []),
    ("oa", []),
    ("%", []),
    ("_", []),
    ("nguy%", []),
    ("", ["H'Hen Niê", "Nguyễn Thị Hoa", "Nguyễn Văn An", "Trần Văn Đào"]),
])
def test_search_ignores_diacritics_and_case_and_matches_word_starts(users, api_as, people, query, expected):
    response = api_as(users["coordinator"]).get("/api/v1/participants", query_string={"q": query})
    assert _names(response) == expected


def test_search_finds_a_card_code_however_typed(users, api_as, people):
    code = people["dao"].code
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    assert _names(api_as(users["coordinator"]).get(f"/api/v1/participants?q={typed}")) == ["Trần Văn Đào"]


def test_search_stays_in_scope_and_filters_by_village(users, api_as, people):
    coordinator, admin = api_as(users["coordinator"]), api_as(users["admin"])
    assert _names(admin.get("/api/v1/participants?q=hoa")) == ["Lê Thị Hoa", "Nguyễn Thị Hoa"]
    assert _names(api_as(users["other_coordinator"]).get("/api/v1/participants?q=hoa")) == ["Lê Thị Hoa"]
    assert _names(coordinator.get("/api/v1/participants?village=6600102")) == ["Nguyễn Văn An"]
    assert _names(admin.get("/api/v1/participants?village=66002")) == ["Lê Thị Hoa"]
    refused = coordinator.get("/api/v1/participants?village=6600201")
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"


def test_search_pages_with_keyset_cursors(users, api_as, create_participant, tree):
    for number in range(7):
        create_participant(f"Y Bhim Niê {number}")
    api = api_as(users["coordinator"])
    seen, url, pages = [], "/api/v1/participants?q=y bhim&limit=3", 0
    while url:
        page = api.get(url).json
        seen += [item["full_name"] for item in page["items"]]
        url, pages = page["next"], pages + 1
    assert seen == [f"Y Bhim Niê {number}" for number in range(7)] and pages == 3


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "cursor=garbage", "village=nope", "q=" + "x" * 101])
def test_bad_search_arguments_are_refused(users, api_as, people, query):
    response = api_as(users["coordinator"]).get(f"/api/v1/participants?{query}")
    assert response.status_code == 422 and response.json["error"]["code"] == "validation_error"


@pytest.mark.parametrize("role", ["volunteer", "committee"])
def test_roles_without_access_to_personal_data_cannot_search(users, api_as, people, role):
    response = api_as(users[role]).get("/api/v1/participants?q=hoa")
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
