"""/api/v1: campaign indicators, their targets and progress; participants' outcomes."""
import pytest
import sqlalchemy as sa

from tracker.outcomes.models import Indicator, Outcome

DEFAULTS = [{"key": "vneid_level2", "name": "VNeID mức 2"}, {"key": "cashless_payment", "name": "Thanh toán"}]


@pytest.fixture
def indicators(db, dummy_campaign):
    rows = [Indicator(campaign=dummy_campaign, key=item["key"], name=item["name"], position=index)
            for index, item in enumerate(DEFAULTS)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _url(campaign, tail=""):
    return f"/api/v1/campaigns/{campaign.id}/indicators{tail}"


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_admin_defines_and_lists_indicators(users, api_as, dummy_campaign, count_events):
    api = api_as(users["admin"])
    response = api.put(_url(dummy_campaign), json={"indicators": DEFAULTS})
    assert response.status_code == 200, response.json
    assert response.json == {"items": [
        {"key": "vneid_level2", "name": "VNeID mức 2", "position": 0, "targets": []},
        {"key": "cashless_payment", "name": "Thanh toán", "position": 1, "targets": []}]}
    response = api.put(_url(dummy_campaign), json={"indicators": DEFAULTS[::-1]})
    assert [item["key"] for item in response.json["items"]] == ["cashless_payment", "vneid_level2"]
    listed = api_as(users["volunteer"]).get(_url(dummy_campaign)).json
    assert listed == response.json
    assert count_events("campaign.indicators_updated") == 2


def test_indicator_names_are_stored_as_one_clean_line(users, api_as, dummy_campaign):
    named = [{"key": "vneid_level2", "name": "\u202eVNeID\u200b mức 2\x07"}]
    response = api_as(users["admin"]).put(_url(dummy_campaign), json={"indicators": named})
    assert response.status_code == 200, response.json
    assert [item["name"] for item in response.json["items"]] == ["VNeID mức 2"]


@pytest.mark.parametrize("body", [
    {}, {"indicators": "vneid"}, {"indicators": [{"key": "VNeID", "name": "x"}]},
    {"indicators": [{"key": "a", "name": "x"}]}, {"indicators": [{"key": "a-b", "name": "x"}]},
    {"indicators": [{"key": "x" * 41, "name": "x"}]}, {"indicators": [{"key": "ok_key", "name": ""}]},
    {"indicators": [{"key": "ok_key", "name": "\u200b\u202e "}]},
    {"indicators": [{"key": "ok_key"}]}, {"indicators": [{"key": 12, "name": "x"}]},
    {"indicators": DEFAULTS + DEFAULTS[:1]}, {"indicators": [None]},
])
def test_bad_indicator_lists_are_refused(users, api_as, dummy_campaign, db, body):
    response = api_as(users["admin"]).put(_url(dummy_campaign), json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"]
    assert _count(db, Indicator) == 0


def test_an_indicator_in_use_cannot_be_removed(users, api_as, indicators, dummy_campaign, dummy_participant, db):
    api = api_as(users["admin"])
    api.post(f"/api/v1/participants/{dummy_participant.id}/outcomes",
             json={"campaign_id": dummy_campaign.id, "outcomes": ["cashless_payment"]})
    response = api.put(_url(dummy_campaign), json={"indicators": DEFAULTS[:1]})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert response.json["error"]["fields"] == {"indicators": ["cashless_payment"]}
    assert _count(db, Indicator) == 2


@pytest.mark.parametrize("role", ["committee", "coordinator", "volunteer"])
def test_only_admins_change_indicators(users, api_as, indicators, dummy_campaign, role):
    api = api_as(users[role])
    assert api.put(_url(dummy_campaign), json={"indicators": DEFAULTS}).status_code == 403
    assert api.put(_url(dummy_campaign, "/vneid_level2/targets"), json={"rate": 0.4}).status_code == 403


def test_indicator_targets_explicit_and_by_rate(users, api_as, indicators, dummy_campaign):
    api = api_as(users["admin"])
    response = api.put(_url(dummy_campaign, "/vneid_level2/targets"),
                       json={"targets": [{"unit": "66001", "target": 900}]})
    assert response.status_code == 200, response.json
    assert response.json["items"][0]["targets"] == [{"unit": "66001", "target": 900, "rate": None}]
    response = api.put(_url(dummy_campaign, "/cashless_payment/targets"), json={"rate": 0.4})
    assert response.json["items"][1]["targets"] == [
        {"unit": "66001", "target": 1200, "rate": 0.4}, {"unit": "6600101", "target": 480, "rate": 0.4},
        {"unit": "6600102", "target": 720, "rate": 0.4}, {"unit": "66002", "target": 2000, "rate": 0.4},
        {"unit": "6600201", "target": 2000, "rate": 0.4}]
    coordinator_view = api_as(users["coordinator"]).get(_url(dummy_campaign)).json["items"][1]["targets"]
    assert [target["unit"] for target in coordinator_view] == ["66001", "6600101", "6600102"]


@pytest.mark.parametrize("body", [{}, {"rate": 0}, {"rate": 2}, {"rate": "x"}, {"targets": []},
                                  {"targets": [{"unit": "66", "target": 1}]},
                                  {"targets": [{"unit": "99999", "target": 1}]},
                                  {"targets": [{"unit": "66001", "target": -1}]},
                                  {"rate": 0.4, "targets": [{"unit": "66001", "target": 1}]}])
def test_bad_indicator_targets_are_refused(users, api_as, indicators, dummy_campaign, body):
    response = api_as(users["admin"]).put(_url(dummy_campaign, "/vneid_level2/targets"), json=body)
    assert response.status_code == 422


def test_targets_of_an_unknown_indicator_or_campaign(users, api_as, indicators, dummy_campaign):
    api = api_as(users["admin"])
    assert api.put(_url(dummy_campaign, "/nothing/targets"), json={"rate": 0.4}).status_code == 404
    assert api.put("/api/v1/campaigns/999/indicators/vneid_level2/targets", json={"rate": 0.4}).status_code == 404
    assert api.get("/api/v1/campaigns/999/indicators").status_code == 404


def test_progress_by_indicator(users, api_as, indicators, dummy_campaign, create_participant, tree):
    admin = api_as(users["admin"])
    admin.put(_url(dummy_campaign, "/vneid_level2/targets"), json={"targets": [{"unit": "66001", "target": 4}]})
    for name, village in [("A", "village"), ("B", "village2"), ("C", "other_village")]:
        person = create_participant(name, village=tree[village])
        admin.post(f"/api/v1/participants/{person.id}/outcomes",
                   json={"campaign_id": dummy_campaign.id, "outcomes": ["vneid_level2"]})
    response = api_as(users["coordinator"]).get(_url(dummy_campaign, "/progress"))
    assert response.status_code == 200
    assert response.json == {"unit": "66001", "items": [
        {"key": "vneid_level2", "name": "VNeID mức 2", "target": 4, "reached": 2, "reached_percent": 50.0},
        {"key": "cashless_payment", "name": "Thanh toán", "target": None, "reached": 0, "reached_percent": None}]}
    province = admin.get(_url(dummy_campaign, "/progress?unit=66")).json
    assert (province["unit"], province["items"][0]["reached"], province["items"][0]["target"]) == ("66", 3, 4)
    coordinator = api_as(users["coordinator"])
    assert coordinator.get(_url(dummy_campaign, "/progress?unit=66002")).status_code == 404
    assert coordinator.get(_url(dummy_campaign, "/progress?unit=zzz")).status_code == 422
    assert api_as(users["volunteer"]).get(_url(dummy_campaign, "/progress")).status_code == 403


def _outcomes_url(participant):
    return f"/api/v1/participants/{participant.id}/outcomes"


def test_ticking_outcomes_later(users, api_as, indicators, dummy_campaign, dummy_participant, count_events):
    api = api_as(users["coordinator"])
    body = {"campaign_id": dummy_campaign.id, "outcomes": ["vneid_level2"]}
    response = api.post(_outcomes_url(dummy_participant), json=body)
    assert response.status_code == 200, response.json
    assert response.json["recorded"] == ["vneid_level2"]
    [outcome] = response.json["outcomes"]
    assert (outcome["key"], outcome["name"], outcome["campaign_id"], outcome["checkin_id"]) == (
        "vneid_level2", "VNeID mức 2", dummy_campaign.id, None)
    assert outcome["recorded_at"].endswith("+00:00")
    again = api.post(_outcomes_url(dummy_participant), json=body | {"outcomes": ["vneid_level2", "cashless_payment"]})
    assert again.json["recorded"] == ["cashless_payment"]
    assert [item["key"] for item in again.json["outcomes"]] == ["vneid_level2", "cashless_payment"]
    assert again.json["outcomes"][0]["recorded_at"] == outcome["recorded_at"]
    assert api.post(_outcomes_url(dummy_participant), json=body).json["recorded"] == []
    assert count_events("outcome.recorded") == 2
    listed = api_as(users["volunteer"]).get(_outcomes_url(dummy_participant))
    assert listed.status_code == 200 and listed.json["items"] == again.json["outcomes"]


def test_unknown_outcome_keys_are_named(users, api_as, indicators, dummy_campaign, dummy_participant, db):
    response = api_as(users["coordinator"]).post(_outcomes_url(dummy_participant), json={
        "campaign_id": dummy_campaign.id, "outcomes": ["vneid_level2", "vneid_level9"]})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["outcomes"] == ["Unknown indicator: vneid_level9."]
    assert _count(db, Outcome) == 0


@pytest.mark.parametrize("body", [{}, {"outcomes": ["vneid_level2"]}, {"campaign_id": "x", "outcomes": ["a"]},
                                  {"campaign_id": 1, "outcomes": []}, {"campaign_id": 1, "outcomes": "vneid_level2"},
                                  {"campaign_id": 1, "outcomes": [None]}, {"campaign_id": 1, "outcomes": ["x" * 41]},
                                  {"campaign_id": 10**30, "outcomes": ["a"]}, [1, 2]])
def test_bad_outcome_input_is_refused(users, api_as, indicators, dummy_participant, body, db):
    response = api_as(users["coordinator"]).post(_outcomes_url(dummy_participant), json=body)
    assert response.status_code == 422, response.json
    assert _count(db, Outcome) == 0


def test_outcomes_scope(users, api_as, indicators, dummy_campaign, dummy_participant, create_unit, create_campaign, db):
    body = {"campaign_id": dummy_campaign.id, "outcomes": ["vneid_level2"]}
    other = api_as(users["other_coordinator"])
    assert other.post(_outcomes_url(dummy_participant), json=body).status_code == 404
    assert other.get(_outcomes_url(dummy_participant)).status_code == 404
    committee = api_as(users["commune_committee"])
    assert committee.post(_outcomes_url(dummy_participant), json=body).status_code in {403, 404}
    api = api_as(users["volunteer"])
    assert api.post("/api/v1/participants/999/outcomes", json=body).status_code == 404
    foreign = create_campaign(unit=create_unit("67", "Tỉnh Khánh Hòa", "province"))
    assert api.post(_outcomes_url(dummy_participant), json=body | {"campaign_id": foreign.id}).status_code == 404
    assert api.post(_outcomes_url(dummy_participant), json=body).status_code == 200
    assert _count(db, Outcome) == 1


def test_malformed_json_is_a_400(users, api_as, dummy_participant, dummy_campaign):
    response = api_as(users["admin"]).post(_outcomes_url(dummy_participant), data="{",
                                           content_type="application/json")
    assert response.status_code == 400
    response = api_as(users["admin"]).put(_url(dummy_campaign), data="{", content_type="application/json")
    assert response.status_code == 400
