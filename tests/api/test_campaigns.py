import unicodedata

import pytest
import sqlalchemy as sa

from tracker.campaigns.models import Campaign, Target

NEW = {"name": "100 ngày cao điểm", "unit": "66", "start_date": "2025-07-15", "deadline": "2025-10-25"}


def test_admin_creates_a_campaign_with_defaults(users, api_as, count_events):
    response = api_as(users["admin"]).post("/api/v1/campaigns", json=NEW | {"topics": ["VNeID", "AI"]})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id"] and body["unit"] == "66" and body["days_total"] == 103
    assert (body["timezone"], body["digest_time"], body["topics"]) == ("Asia/Ho_Chi_Minh", "06:00", ["VNeID", "AI"])
    assert count_events("campaign.created") == 1


def test_topics_are_stored_as_one_clean_line_each(users, api_as, db):
    topics = ["Kỹ năng\u200b số\n", "\u202eVNeID", unicodedata.normalize("NFD", "Dịch vụ công")]
    response = api_as(users["admin"]).post("/api/v1/campaigns", json=NEW | {"topics": topics})
    assert response.status_code == 201, response.json
    stored = db.session.get(Campaign, response.json["id"]).topics
    assert stored == response.json["topics"] == ["Kỹ năng số", "VNeID", "Dịch vụ công"]


@pytest.mark.parametrize(("change", "field"), [
    ({"deadline": "2025-07-01"}, "deadline"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"unit": "66001"}, "unit"),
    ({"unit": "99"}, "unit"),
    ({"start_date": "15/07/2025"}, "start_date"),
    ({"name": ""}, "name"),
    ({"target": -1}, "target"),
    ({"topics": ["VNeID", "vneid"]}, "topics"),
    ({"topics": ["VNeID", "VNe\u200bID\u202e"]}, "topics"),  # the same topic once its invisible characters go
    ({"topics": ["\u200b\ufeff"]}, "topics"),
    ({"digest_time": "25:00"}, "digest_time"),
    ({"unexpected": 1}, "unexpected"),
])
def test_campaign_validation(users, api_as, change, field, db, count_events):
    response = api_as(users["admin"]).post("/api/v1/campaigns", json=NEW | change)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0
    assert count_events() == 0


@pytest.mark.parametrize("role", ["committee", "coordinator", "volunteer"])
def test_only_admins_create_campaigns(users, api_as, role):
    response = api_as(users[role]).post("/api/v1/campaigns", json=NEW)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_explicit_targets(users, api_as, dummy_campaign, db):
    response = api_as(users["admin"]).put(f"/api/v1/campaigns/{dummy_campaign.id}/targets",
                                          json={"targets": [{"unit": "66001", "target": 2000},
                                                            {"unit": "6600101", "target": 700}]})
    assert response.status_code == 200, response.json
    rows = db.session.execute(sa.select(Target.unit_id, Target.target, Target.rate)).all()
    assert sorted((t, r) for _u, t, r in rows) == [(700, None), (2000, None)]


def test_targets_from_a_rate_of_population(users, api_as, dummy_campaign, db, tree, count_events):
    response = api_as(users["admin"]).put(f"/api/v1/campaigns/{dummy_campaign.id}/targets", json={"rate": 0.7})
    assert response.status_code == 200
    targets = dict(db.session.execute(sa.select(Target.unit_id, Target.target)).all())
    assert targets[tree["commune"].id] == 2100
    assert targets[tree["village"].id] == 840
    assert targets[tree["other_village"].id] == 3500
    assert count_events("campaign.targets_set") == 1


@pytest.mark.parametrize("body", [{}, {"rate": 0.7, "targets": [{"unit": "66001", "target": 1}]}, {"rate": 1.5},
                                  {"rate": "lots"}, {"targets": [{"unit": "66", "target": 5}]},
                                  {"targets": [{"unit": "66001", "target": -2}]}])
def test_bad_targets_are_refused(users, api_as, dummy_campaign, db, body):
    response = api_as(users["admin"]).put(f"/api/v1/campaigns/{dummy_campaign.id}/targets", json=body)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Target.id))) == 0


def test_coordinator_cannot_set_targets(users, api_as, dummy_campaign):
    response = api_as(users["coordinator"]).put(f"/api/v1/campaigns/{dummy_campaign.id}/targets", json={"rate": 0.5})
    assert response.status_code == 403


def test_countdown_endpoint(users, api_as, dummy_campaign):
    api = api_as(users["volunteer"])
    response = api.get(f"/api/v1/campaigns/{dummy_campaign.id}/countdown?date=2025-10-25")
    assert response.json == {"day_number": 103, "days_total": 103, "days_left": 1}
    assert api.get(f"/api/v1/campaigns/{dummy_campaign.id}/countdown?date=2025-13-01").status_code == 422
    assert api.get("/api/v1/campaigns/999/countdown").status_code == 404


def test_campaign_of_another_province_is_not_found(users, api_as, create_unit, create_campaign):
    other = create_campaign(unit=create_unit("67", "Tỉnh Khánh Hòa", "province"))
    assert api_as(users["coordinator"]).get(f"/api/v1/campaigns/{other.id}").status_code == 404


def test_update_campaign_keeps_topics_in_use(users, api_as, dummy_training, dummy_campaign, count_events):
    api = api_as(users["admin"])
    response = api.patch(f"/api/v1/campaigns/{dummy_campaign.id}", json={"topics": ["AI"]})
    assert response.status_code == 422
    assert "VNeID" in response.json["error"]["fields"]["topics"][0]
    response = api.patch(f"/api/v1/campaigns/{dummy_campaign.id}", json={"name": "Chiến dịch mới", "digest_time": "05:30"})
    assert response.json["name"] == "Chiến dịch mới" and response.json["digest_time"] == "05:30"
    assert response.json["deadline"] == "2025-10-25"
    assert count_events("campaign.updated") == 1


def test_campaign_list_shows_the_province_campaigns(users, api_as, dummy_campaign, create_unit, create_campaign):
    create_campaign(unit=create_unit("67", "Tỉnh Khánh Hòa", "province"), name="Khánh Hòa")
    items = api_as(users["volunteer"]).get("/api/v1/campaigns").json["items"]
    assert [item["name"] for item in items] == ["100 ngày cao điểm"]


@pytest.mark.parametrize("change", [{"digest_time": None}, {"timezone": None}, {"name": None}, {"start_date": None},
                                    {"deadline": "2025-07-01"}, {"topics": []}, {"target": 0}])
def test_bad_campaign_updates_are_refused_and_change_nothing(users, api_as, dummy_campaign, db, change):
    response = api_as(users["admin"]).patch(f"/api/v1/campaigns/{dummy_campaign.id}", json=change)
    assert response.status_code == 422, response.json
    db.session.expire_all()
    assert (dummy_campaign.deadline.isoformat(), dummy_campaign.digest_time.strftime("%H:%M")) == ("2025-10-25", "06:00")
