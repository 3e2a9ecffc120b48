from datetime import datetime

import pytest
import sqlalchemy as sa

from tracker.events.models import Event
from tracker.trainings.models import Training


def _new(campaign, **change):
    return {"campaign_id": campaign.id, "village": "6600101", "title": "Hướng dẫn VNeID mức 2",
            "topic": "VNeID", "starts_at": "2025-08-20T08:00:00+07:00",
            "ends_at": "2025-08-20T10:00:00+07:00", "place": "Nhà văn hóa buôn Ko Tam",
            "trainer": "Y Bhim Niê", "capacity": 40} | change


def test_coordinator_schedules_a_training(users, api_as, dummy_campaign, db):
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json=_new(dummy_campaign))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "planned" and body["village"] == "6600101" and body["commune"] == "66001"
    assert body["starts_at"] == "2025-08-20T01:00:00+00:00"
    event = db.session.scalar(sa.select(Event).where(Event.type == "training.scheduled"))
    assert event.subject_id == str(body["id"]) and event.unit.code == "6600101"
    assert event.actor_id == users["coordinator"].id and event.payload["title"] == "Hướng dẫn VNeID mức 2"


def test_a_topic_pasted_with_invisible_characters_is_the_campaigns_topic(users, api_as, dummy_campaign, db):
    body = _new(dummy_campaign, topic="\ufeffVNe\u200bID\n")
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json=body)
    assert response.status_code == 201, response.json
    assert response.json["topic"] == db.session.get(Training, response.json["id"]).topic == "VNeID"


@pytest.mark.parametrize(("change", "field", "message_part"), [
    ({"ends_at": "2025-08-20T07:00:00+07:00"}, "ends_at", "after the start"),
    ({"starts_at": "2025-07-14T08:00:00+07:00", "ends_at": "2025-07-14T10:00:00+07:00"}, "starts_at", "between"),
    ({"starts_at": "2025-10-25T23:00:00+07:00", "ends_at": "2025-10-26T01:00:00+07:00"}, "starts_at", "between"),
    ({"topic": "Bóng đá"}, "topic", "topics"),
    ({"village": "6600201"}, "village", "not in your area"),
    ({"village": "66001"}, "village", "not a village / hamlet"),
    ({"village": "nope"}, "village", "Unknown unit"),
    ({"campaign_id": 999}, "campaign_id", "Unknown campaign"),
    ({"starts_at": "2025-08-20T08:00:00"}, "starts_at", ""),
    ({"starts_at": "tomorrow"}, "starts_at", ""),
    ({"capacity": 0}, "capacity", ""),
    ({"capacity": "forty"}, "capacity", ""),
    ({"title": ""}, "title", ""),
    ({"title": "x" * 201}, "title", ""),
    ({"campaign_id": None}, "campaign_id", ""),
])
def test_training_validation(users, api_as, dummy_campaign, db, change, field, message_part):
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json=_new(dummy_campaign, **change))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert message_part in " ".join(error["fields"][field])
    assert db.session.scalar(sa.select(sa.func.count(Training.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


@pytest.mark.parametrize("missing", ["campaign_id", "village", "title", "topic", "starts_at", "ends_at"])
def test_missing_fields_are_named(users, api_as, dummy_campaign, missing):
    body = _new(dummy_campaign)
    del body[missing]
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json=body)
    assert response.status_code == 422
    assert missing in response.json["error"]["fields"]


def test_edit_records_the_changes(users, api_as, dummy_training, db):
    api = api_as(users["coordinator"])
    response = api.patch(f"/api/v1/trainings/{dummy_training.id}",
                         json={"place": "Hội trường xã", "ends_at": "2025-08-20T11:00:00+07:00"})
    assert response.status_code == 200, response.json
    assert response.json["place"] == "Hội trường xã"
    event = db.session.scalar(sa.select(Event).where(Event.type == "training.updated"))
    assert event.payload["changes"]["place"] == [None, "Hội trường xã"]
    assert event.payload["changes"]["ends_at"][1] == "2025-08-20T04:00:00+00:00"


def test_edit_with_nothing_changed_writes_no_event(users, api_as, dummy_training, count_events):
    response = api_as(users["coordinator"]).patch(f"/api/v1/trainings/{dummy_training.id}", json={"topic": "VNeID"})
    assert response.status_code == 200
    assert count_events() == 0


def test_edit_cannot_end_before_start(users, api_as, dummy_training, db):
    response = api_as(users["coordinator"]).patch(f"/api/v1/trainings/{dummy_training.id}",
                                                  json={"ends_at": "2025-08-20T07:00:00+07:00"})
    assert response.status_code == 422 and "ends_at" in response.json["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(Training, dummy_training.id).ends_at == datetime.fromisoformat("2025-08-20T10:00:00+07:00")


def test_cancel_keeps_the_training_and_records_the_reason(users, api_as, dummy_training, count_events):
    api = api_as(users["coordinator"])
    response = api.post(f"/api/v1/trainings/{dummy_training.id}/cancel", json={"reason": "Mưa lớn"})
    assert response.status_code == 200
    assert (response.json["status"], response.json["cancel_reason"]) == ("cancelled", "Mưa lớn")
    assert count_events("training.cancelled") == 1
    again = api.post(f"/api/v1/trainings/{dummy_training.id}/cancel", json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    edit = api.patch(f"/api/v1/trainings/{dummy_training.id}", json={"title": "Khác"})
    assert edit.status_code == 409
    assert count_events() == 1


def test_cancelling_a_held_training_remembers_it_was_held(users, api_as, create_training, db):
    training = create_training(status="held")
    api_as(users["coordinator"]).post(f"/api/v1/trainings/{training.id}/cancel", json={"reason": "Nhập sai"})
    event = db.session.scalar(sa.select(Event).where(Event.type == "training.cancelled"))
    assert event.payload == {"reason": "Nhập sai", "previous_status": "held"}


def test_list_filters_and_pages(users, api_as, create_training, tree, dummy_campaign):
    from datetime import timedelta
    base = datetime.fromisoformat("2025-08-20T08:00:00+07:00")
    for day in range(5):
        for village in ("village", "village2", "other_village"):
            create_training(village=tree[village], starts_at=base + timedelta(days=day),
                            ends_at=base + timedelta(days=day, hours=2))
    api = api_as(users["admin"])
    seen, url = [], f"/api/v1/trainings?campaign_id={dummy_campaign.id}&limit=4"
    while url:
        page = api.get(url).json
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert len(seen) == 15 and len(set(seen)) == 15
    day = api.get(f"/api/v1/trainings?campaign_id={dummy_campaign.id}&date=2025-08-21&unit=66001").json
    assert [item["village"] for item in day["items"]] == ["6600101", "6600102"] and day["next"] is None
    coordinator = api_as(users["other_coordinator"]).get("/api/v1/trainings?limit=100").json
    assert {item["village"] for item in coordinator["items"]} == {"6600201"}
    assert api.get("/api/v1/trainings?cursor=garbage").status_code == 422
    assert api.get("/api/v1/trainings?status=done").status_code == 422
    assert api.get("/api/v1/trainings?limit=100000").status_code == 422


# Ids past 2**31 - 1 reached PostgreSQL's ``integer`` columns and came back as 500s (schemathesis).
@pytest.mark.parametrize("url", ["/api/v1/trainings/{id}", "/api/v1/campaigns/{id}", "/api/v1/participants/{id}",
                                 "/api/v1/trainings/{id}/checkins", "/api/v1/webhooks/{id}"])
def test_an_id_past_what_its_column_holds_is_404(users, api_as, url):
    response = api_as(users["admin"]).get(url.format(id=2**31))
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_a_campaign_id_past_what_its_column_holds_is_refused(users, api_as, dummy_campaign):
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json=_new(dummy_campaign, campaign_id=2**31))
    assert response.status_code == 422 and "campaign_id" in response.json["error"]["fields"]
    listing = api_as(users["coordinator"]).get(f"/api/v1/trainings?campaign_id={2**31}")
    assert listing.status_code == 422 and "campaign_id" in listing.json["error"]["fields"]


# A forged id of the wrong type or past its column was a 500 on both databases.
@pytest.mark.parametrize("cursor_values", [["abc", 1], [1, 2], [{"t": "2025-08-20T08:00:00"}, 1], [{"t": "x"}, 1], "[]",
                                           [{"t": "2025-08-20T08:00:00+00:00"}, "abc"],
                                           [{"t": "2025-08-20T08:00:00+00:00"}, 2**31],
                                           [{"t": "2025-08-20T08:00:00+00:00"}, 2**70]])
def test_forged_cursors_are_refused(users, api_as, dummy_training, cursor_values):
    import base64
    import json
    cursor = base64.urlsafe_b64encode(json.dumps(cursor_values).encode()).decode()
    response = api_as(users["admin"]).get(f"/api/v1/trainings?cursor={cursor}")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"cursor": ["Not a valid cursor."]}
