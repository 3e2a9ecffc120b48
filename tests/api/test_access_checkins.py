"""The authorisation matrix for participants, cards, check-ins and outcomes: every role × every
operation, on a person and a training in village 6600101 (commune 66001)."""
import uuid

import pytest

from tracker.cards.tokens import make_token
from tracker.checkins.operations import check_in
from tracker.outcomes.models import Indicator

ROLES = ["admin", "committee", "commune_committee", "coordinator", "other_coordinator", "volunteer"]
SCANNED_AT = "2025-08-20T08:30:00+07:00"
PERSON = {"full_name": "Lê Thị Thu", "birth_year": 1975, "gender": "female", "ethnicity": "Kinh",
          "village": "6600101", "consent": True}

#: Expected status per (operation, role). 404: outside the user's area; 403: in it, but the
#: role may not do this; 422 for creating in a village outside the area (the village is input).
MATRIX = {
    "register":      {"admin": 201, "committee": 403, "commune_committee": 403, "coordinator": 201, "other_coordinator": 422, "volunteer": 403},
    "list":          {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "get":           {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "qr_png":        {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "cards_pdf":     {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "check_in":      {"admin": 201, "committee": 403, "commune_committee": 403, "coordinator": 201, "other_coordinator": 404, "volunteer": 201},
    "checkins":      {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 200},
    "void":          {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "walk_in":       {"admin": 201, "committee": 403, "commune_committee": 403, "coordinator": 201, "other_coordinator": 404, "volunteer": 201},
    "outcomes":      {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 200},
    "indicators":    {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 403, "other_coordinator": 403, "volunteer": 403},
}


@pytest.fixture
def scene(db, users, dummy_training, dummy_participant, create_participant):
    """A training, a person already checked in there (for void), and one not yet checked in."""
    db.session.add(Indicator(campaign=dummy_training.campaign, key="vneid_level2", name="VNeID mức 2"))
    checked = create_participant("Y Bhim Niê", gender="male", ethnicity="Ê Đê")
    answer = check_in(dummy_training, {"code": checked.code, "scan_id": uuid.uuid4(),
                                       "scanned_at": dummy_training.starts_at}, user=users["admin"])
    db.session.commit()
    return {"training": dummy_training, "person": dummy_participant, "checkin": answer.checkin}


def _call(api, operation, scene):
    training, person = scene["training"], scene["person"]
    scan = {"scan_id": str(uuid.uuid4()), "scanned_at": SCANNED_AT}
    calls = {
        "register": lambda: api.post("/api/v1/participants", json=PERSON),
        "list": lambda: api.get("/api/v1/participants?village=6600101"),
        "get": lambda: api.get(f"/api/v1/participants/{person.id}"),
        "qr_png": lambda: api.get(f"/api/v1/participants/{person.id}/qr.png"),
        "cards_pdf": lambda: api.get("/api/v1/participants/cards.pdf?village=6600101"),
        "check_in": lambda: api.post(f"/api/v1/trainings/{training.id}/checkins",
                                     json={"qr": make_token(person.code), **scan}),
        "checkins": lambda: api.get(f"/api/v1/trainings/{training.id}/checkins"),
        "void": lambda: api.post(f"/api/v1/checkins/{scene['checkin'].id}/void", json={"reason": "Quét nhầm"}),
        "walk_in": lambda: api.post(f"/api/v1/trainings/{training.id}/walk-ins", json={**PERSON, **scan}),
        "outcomes": lambda: api.post(f"/api/v1/participants/{person.id}/outcomes",
                                     json={"campaign_id": training.campaign_id, "outcomes": ["vneid_level2"]}),
        "indicators": lambda: api.put(f"/api/v1/campaigns/{training.campaign_id}/indicators",
                                      json={"indicators": [{"key": "vneid_level2", "name": "VNeID mức 2"}]}),
    }
    return calls[operation]()


@pytest.mark.parametrize("operation", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(users, api_as, scene, count_events, operation, role):
    before = count_events()
    response = _call(api_as(users[role]), operation, scene)
    expected = MATRIX[operation][role]
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected >= 400:
        assert response.json["error"]["code"] in {"forbidden", "not_found", "validation_error"}
        assert count_events() == before
