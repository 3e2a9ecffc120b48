"""Hostile text on pages and in JSON: names, titles and places full of markup, SQL, template and
format syntax stay inert text wherever they are shown, and come back exactly as typed.

The values are stored through the API and the admin's forms (``hostile_world.build``); the files,
e-mails and webhook bodies made from them are checked in test_hostile_files.py.
"""
import pytest
import sqlalchemy as sa
from markupsafe import escape

from tests.core.hostile_world import (
    BACKSLASH,
    CAMPAIGN_NAME,
    FORMAT,
    FORMULA,
    JINJA,
    NAMES,
    PLACE,
    REASON,
    SCRIPT,
    SHOWN,
    SQL,
    TITLE,
    TRAINER_SHOWN,
    USER_NAME,
    VILLAGE_NAME,
    VOLUNTEER_NAME,
    WALK_IN,
    assert_harmless_html,
    build,
    columns_holding,
    row_counts,
)
from tracker.participants.models import Participant


@pytest.fixture
def world(client, api_as, users, login, db):
    return build(client, api_as, users, login, db)


def test_hostile_values_are_stored_exactly_and_no_table_is_touched(world, db, api_as, users):
    assert row_counts(db) == {"units": 7, "campaigns": 1, "trainings": 2, "participants": len(NAMES),
                              "checkins": len(NAMES), "users": 8, "events": row_counts(db)["events"]}
    stored = db.session.scalars(sa.select(Participant.full_name).order_by(Participant.id)).all()
    assert stored == SHOWN
    api = api_as(users["admin"])
    for name, registered in zip(SHOWN, world.people.values(), strict=True):
        assert api.get(f"/api/v1/participants/{registered['id']}").json["full_name"] == name
    training = api.get(f"/api/v1/trainings/{world.training['id']}").json
    assert (training["title"], training["place"], training["trainer"]) == (TITLE, PLACE, TRAINER_SHOWN)
    assert api.get(f"/api/v1/campaigns/{world.campaign['id']}").json["name"] == CAMPAIGN_NAME
    [village] = api.get("/api/v1/units?parent=66001&level=village").json["items"][-1:]
    assert village["name"] == VILLAGE_NAME
    checkins = api.get(f"/api/v1/trainings/{world.training['id']}/checkins?limit=100").json["items"]
    assert {item["void_reason"] for item in checkins} == {None, REASON}


def test_no_stored_text_holds_a_bidi_override_or_a_control_character(world, db):
    assert columns_holding(db) == []


def _pages(world, admin_id, coordinator_id):
    """Every page that shows one of the hostile values, as the admin sees it."""
    campaign, training, day = world.campaign["id"], world.training["id"], world.day.isoformat()
    people = [registered["id"] for registered in world.people.values()]
    return [
        "/dashboard", f"/dashboard?campaign={campaign}&unit=66001", "/units", "/units/66001", "/units/6600103",
        "/campaigns", f"/campaigns/{campaign}", f"/campaigns/{campaign}/targets", f"/campaigns/{campaign}/indicators",
        f"/campaigns/{campaign}/digests", f"/campaigns/{campaign}/digests/{day}?unit=66001",
        f"/campaigns/{campaign}/digests/{day}?unit=66", "/digests",
        f"/trainings?campaign={campaign}", f"/trainings?campaign={campaign}&all_days=1",
        f"/trainings/calendar?campaign={campaign}", f"/trainings/held?campaign={campaign}",
        f"/trainings/{training}", f"/trainings/{training}/edit", f"/trainings/{training}/cancel",
        f"/trainings/{world.upcoming['id']}",
        "/participants", "/participants?village=6600103", "/participants/duplicates",
        "/participants/cards?village=6600103", "/participants/new",
        *(f"/participants/{number}" for number in people), f"/participants/{people[0]}/card",
        f"/participants/{people[1]}/outcomes",
        "/users", f"/users/{coordinator_id}", f"/users/{admin_id}", "/events", "/events?type=participant.registered",
        "/webhooks", "/held-scans", "/held-scans?status=discarded", "/enrolments", "/digests/recipients/66001", "/digests/emails",
        f"/public/campaigns/{campaign}", f"/public/campaigns/{campaign}/units/66001",
    ]


def test_no_page_turns_hostile_text_into_markup(world, client, api_as, login, users, db):
    api_as(users["admin"]).post(f"/api/v1/campaigns/{world.campaign['id']}/digests/{world.day}/compile?unit=66001")
    api_as(users["admin"]).post(f"/api/v1/campaigns/{world.campaign['id']}/digests/{world.day}/compile?unit=66")
    login(users["admin"])
    hostile = {VILLAGE_NAME, CAMPAIGN_NAME, TITLE, PLACE, TRAINER_SHOWN, USER_NAME, VOLUNTEER_NAME, WALK_IN, REASON, *SHOWN}
    shown = set()
    for url in _pages(world, users["admin"].id, world.coordinator.id):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (url, response.status_code)
        page = response.get_data(as_text=True)
        assert_harmless_html(page, url)
        shown |= {text for text in hostile if escape(text) in page}
    assert shown == hostile  # every value was shown somewhere, escaped


#: Searches with LIKE's and SQL's special characters, and whom each must find (no wildcard, no quote games).
SEARCHES = [("%", [FORMAT, JINJA]), ("_", []), ("hoa_", []), ("hoa%", []), ("'", []), ("robert'", [SQL]),
            ("robert'); drop", [SQL]), ("\\", []), ("hoa\\", [BACKSLASH]), ("hoa\\mai_", [BACKSLASH]),
            ("' OR '1'='1", []), ("<script>", [SCRIPT]), ("{{7*7}}", [JINJA]), ("=hyperlink(", [FORMULA])]


def test_searching_with_sql_wildcards_and_quotes_finds_exactly_the_names_holding_them(world, api_as, users, client,
                                                                                        login):
    api = api_as(users["admin"])
    for query, expected in SEARCHES:
        answer = api.get("/api/v1/participants", query_string={"q": query, "limit": 100})
        assert answer.status_code == 200, (query, answer.json)
        assert sorted(item["full_name"] for item in answer.json["items"]) == sorted(expected), query
    login(users["admin"])
    for query, expected in SEARCHES:
        page = client.post("/participants", data={"q": query}, follow_redirects=True).get_data(as_text=True)
        assert_harmless_html(page, query)
        found = {name for name in SHOWN if f">{escape(name)}<" in page}
        assert found == set(expected), query
