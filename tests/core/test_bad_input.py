"""Pages and forms answer malformed input with a 4xx page, never a 500, and store nothing."""
import pytest
import sqlalchemy as sa

from tracker.events.models import Event

GETS = ["/trainings?date=garbage", "/trainings?date=2025-13-45", "/trainings?unit=zzz", "/trainings?status=x",
        "/trainings?cursor=%%%", "/trainings/calendar?month=xx", "/trainings/calendar?month=2025-99",
        "/trainings/new?date=x", "/trainings/new?campaign_id=99999999999999999999999",
        "/units/%00", "/units/" + "x" * 500, "/events?before=abc", "/events?type=" + "x" * 500,
        "/campaigns/99999999999999999999", "/trainings/1/edit", "/campaigns/1/targets", "/dashboard?x=1",
        "/participants?village=zzz", "/participants?cursor=%%%", "/participants?q=" + "x" * 500,
        "/participants/99999999999999999999", "/participants/cards?village=zzz", "/participants/cards?training=abc",
        "/participants/cards?village=66001&pending=maybe", "/participants/cards.pdf", "/participants/cards.pdf?village=zzz",
        "/participants/1/card", "/participants/1/card.pdf", "/participants/1/outcomes", "/campaigns/1/indicators",
        "/campaigns/1/indicators/nokey/targets", "/campaigns/1/indicators/%00/targets", "/participants/import"]
POSTS = [("/trainings/new", {"village": "zzz", "date": "x", "start_time": "25:99"}),
         ("/trainings/new", {"village": ["a", "b"], "capacity": "-1"}),
         ("/campaigns/new", {"unit": "66", "start_date": "2025-01-01", "deadline": "2024-01-01", "topics": ""}),
         ("/campaigns/1/targets", {"percent": "abc"}), ("/campaigns/1/targets", {"target-66001": "-5"}),
         ("/campaigns/1/targets", {"target-99999": "5"}), ("/units/import", {}),
         ("/users/new", {"username": "A", "role": "king", "unit": "x"}), ("/users/999/active", {"is_active": "maybe"}), ("/trainings/1/cancel", {"reason": "x" * 600}),
         ("/participants/new", {"full_name": "", "birth_year": "abc", "gender": "x", "village": "zzz", "consent": "maybe"}),
         ("/participants/new", {"full_name": "A" * 300, "birth_year": "99999999999999999999", "phone": "x" * 50}),
         ("/participants/import", {}), ("/participants/cards/printed", {"village": "zzz", "participant": "abc"}),
         ("/participants/cards/printed", {"village": "6600101", "participant": "99999999999999999999"}),
         ("/checkins/99999999999999999999/void", {"reason": ""}), ("/checkins/1/void", {"reason": "x" * 600}),
         ("/trainings/1/cards/printed", {"participant": ["a", "b"]}),
         ("/campaigns/1/indicators", {"key-0": "NOT A KEY", "name-0": ""}),
         ("/campaigns/1/indicators", {"key-0": "a", "name-0": "x" * 300, "position-0": "abc"}),
         ("/campaigns/1/indicators/nokey/targets", {"percent": "abc"}),
         ("/participants/1/outcomes", {"campaign_id": "abc", "outcome": "nope"}),
         ]


@pytest.mark.parametrize("url", GETS)
def test_malformed_page_requests_get_a_4xx_or_the_page(client, users, login, dummy_training, url):
    login(users["admin"])
    assert client.get(url).status_code in {200, 400, 404, 422}


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_malformed_form_posts_are_refused_and_store_nothing(client, users, login, dummy_training, db, url, data):
    login(users["admin"])
    response = client.post(url, data=data)
    assert 400 <= response.status_code < 500
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


@pytest.mark.parametrize("url", ["/units/66%00", "/trainings?unit=66%00"])
def test_nul_characters_in_addresses_are_refused(client, users, login, url):
    login(users["admin"])
    assert client.get(url).status_code == 422


@pytest.mark.parametrize("query", ["type=training.scheduled&type=x%00", "type=x%00"])
def test_a_nul_character_in_any_value_of_a_repeated_parameter_is_refused(users, api_as, query):
    """Only the first value was checked: a NUL in the second reached PostgreSQL, a 500 (schemathesis)."""
    response = api_as(users["admin"]).get(f"/api/v1/events?{query}")
    assert response.status_code == 422
    assert response.json["error"]["message"] == "The input contains a NUL character."


def test_nul_characters_in_json_are_refused(users, api_as, dummy_campaign, db):
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json={
        "campaign_id": dummy_campaign.id, "village": "6600101", "title": "VNeID\x00", "topic": "VNeID",
        "starts_at": "2025-08-20T08:00:00+07:00", "ends_at": "2025-08-20T10:00:00+07:00"})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "The input contains a NUL character."
    csv = "code,name,level,parent_code,population\n6600109,Buôn\x00,village,66001,1\n"
    assert api_as(users["admin"]).post("/api/v1/units/import", data=csv, content_type="text/csv").status_code == 422


DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize("body", [DEEP, "[" * 50000 + "]" * 50000, '{"a":' * 21 + "1" + "}" * 21,
                                  '{"username": "admin", "password": ' + DEEP + "}"])
def test_a_deeply_nested_json_body_is_a_400_everywhere(client, users, api_as, body):
    """``json.loads`` raises RecursionError near 1,000 levels: it used to be a 500, even unauthenticated."""
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Accept-Language": "en"}
    answers = [client.post("/api/v1/auth/tokens", data=body, headers=headers),
               api_as(users["coordinator"]).post("/api/v1/checkins/sync", data=body, headers=headers),
               api_as(users["admin"]).post("/api/v1/webhooks", data=body, headers=headers),
               client.post("/scan/held", data=body, headers=headers)]
    for answer in answers[:3]:
        assert answer.status_code == 400, answer.get_data(as_text=True)[:200]
        assert answer.json["error"]["code"] == "malformed_json" and "nested too deeply" in answer.json["error"]["message"]
    assert answers[3].status_code in (400, 401)


def test_a_body_of_ordinary_depth_still_loads(users, api_as):
    """Five levels (a sync batch whose scan carries a list in a list) are loaded and answered item by item."""
    answer = api_as(users["coordinator"]).post("/api/v1/checkins/sync",
                                               json={"scans": [{"scan_id": "x", "outcomes": [["vneid"]]}]})
    assert answer.status_code == 200 and answer.json["results"][0]["result"] == "refused"
