"""GET /api/v1/trainings/{id}/roster: the commune's codes and names for the scanner, who is checked in, an ETag."""
import uuid

import pytest

from tracker.checkins.operations import check_in
from tracker.core.time import utcnow


@pytest.fixture
def people(create_participant, tree):
    """Two people of the training's commune (in two villages) and one of the other commune."""
    return {
        "here": create_participant("Y Bih Niê", village=tree["village"]),
        "next_village": create_participant("Nguyễn Thị Lan", village=tree["village2"], birth_year=1990),
        "elsewhere": create_participant("Trần Văn Nam", village=tree["other_village"]),
    }


def test_the_roster_holds_the_communes_codes_and_names_only(api_as, users, open_training, people):
    response = api_as(users["volunteer"]).get(f"/api/v1/trainings/{open_training.id}/roster")
    assert response.status_code == 200
    body = response.json
    expected = sorted([[people["here"].code, "Y Bih Niê"], [people["next_village"].code, "Nguyễn Thị Lan"]])
    assert body == {"training_id": open_training.id, "commune": "66001", "people": expected, "checked_in": []}
    assert "1990" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_an_unchanged_roster_answers_304_and_a_check_in_changes_it(api_as, db, users, open_training, people):
    api = api_as(users["volunteer"])
    url = f"/api/v1/trainings/{open_training.id}/roster"
    etag = api.get(url).headers["ETag"]
    again = api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    at = utcnow()
    answer = check_in(open_training, {"code": people["here"].code, "scan_id": uuid.uuid4(), "scanned_at": at},
                      user=users["volunteer"])
    db.session.commit()
    changed = api.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    [[code, checked_in_at, checkin_id]] = changed.json["checked_in"]
    assert code == people["here"].code and checked_in_at.startswith(at.strftime("%Y-%m-%dT%H:%M"))
    assert checkin_id == answer.checkin.id


@pytest.mark.parametrize(("who", "status"), [("other_coordinator", 404), ("committee", 403), ("coordinator", 200),
                                             ("admin", 200)])
def test_the_roster_is_scoped_like_check_ins(api_as, users, open_training, people, who, status):
    assert api_as(users[who]).get(f"/api/v1/trainings/{open_training.id}/roster").status_code == status


def test_the_roster_needs_a_bearer_token(client, open_training):
    assert client.get(f"/api/v1/trainings/{open_training.id}/roster").status_code == 401


def test_an_unknown_training_has_no_roster(api_as, users):
    response = api_as(users["volunteer"]).get("/api/v1/trainings/999999/roster")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
