"""``/api/v1/webhooks``: the contract of SPEC §8, validation, authorisation, the secret shown once."""
import pytest
import sqlalchemy as sa

from tracker.events.models import Event
from tracker.events.webhooks import jobs
from tracker.events.webhooks.models import WebhookSubscription

ROLES = ["admin", "committee", "commune_committee", "coordinator", "other_coordinator", "volunteer"]
HOOK = {"url": "https://portal.daklak.gov.vn/hooks/tracker", "events": ["checkin.recorded", "training.scheduled"]}


def create(api, body=None):
    return api.post("/api/v1/webhooks", json=HOOK if body is None else body)


def test_subscribing_answers_201_with_the_id_and_the_secret(db, users, api_as, count_events):
    response = create(api_as(users["admin"]))
    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) >= {"id", "url", "events", "is_active", "created_at", "secret"}
    assert body["url"] == HOOK["url"] and body["events"] == HOOK["events"] and body["is_active"] is True
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert db.session.get(WebhookSubscription, body["id"]).secret == body["secret"]
    event = db.session.scalars(sa.select(Event).where(Event.type == "webhook.subscribed")).one()
    assert event.subject_id == str(body["id"]) and event.payload == {"event_types": HOOK["events"]}


def test_the_secret_is_shown_once_and_never_again(db, users, api_as):
    api = api_as(users["admin"])
    created = create(api).json
    secret = created["secret"]
    listed = api.get("/api/v1/webhooks")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json["items"]] == [created["id"]]
    one = api.get(f"/api/v1/webhooks/{created['id']}")
    deliveries = api.get(f"/api/v1/webhooks/{created['id']}/deliveries")
    feed = api.get("/api/v1/events")
    for response in (listed, one, deliveries, feed):
        assert secret not in response.get_data(as_text=True) and secret.removeprefix("whsec_") not in response.get_data(
            as_text=True)
    assert "secret" not in listed.json["items"][0] and "secret" not in one.json
    # Nor in the log, where only ids and types go.
    assert all(secret not in str(payload) for payload in db.session.scalars(sa.select(Event.payload)))


def test_two_subscriptions_get_different_secrets(users, api_as):
    api = api_as(users["admin"])
    assert create(api).json["secret"] != create(api).json["secret"]


def test_event_types_are_kept_once_each(users, api_as):
    body = create(api_as(users["admin"]), {"url": HOOK["url"], "events": ["checkin.recorded"] * 3}).json
    assert body["events"] == ["checkin.recorded"]


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.org/x", "events": ["checkin.recorded"]}, "url"),
    ({"url": "file:///etc/passwd", "events": ["checkin.recorded"]}, "url"),
    ({"url": "javascript:alert(1)", "events": ["checkin.recorded"]}, "url"),
    ({"url": "portal.daklak.gov.vn/hook", "events": ["checkin.recorded"]}, "url"),
    ({"url": "http://", "events": ["checkin.recorded"]}, "url"),
    ({"url": "http://exa mple.org/", "events": ["checkin.recorded"]}, "url"),
    ({"url": "http://example.org:99999/", "events": ["checkin.recorded"]}, "url"),
    ({"url": "https://example.org/" + "x" * 2000, "events": ["checkin.recorded"]}, "url"),
    ({"url": 5, "events": ["checkin.recorded"]}, "url"),
    ({"events": ["checkin.recorded"]}, "url"),
    ({"url": "https://example.org/"}, "events"),
    ({"url": "https://example.org/", "events": []}, "events"),
    ({"url": "https://example.org/", "events": ["checkin.everything"]}, "events"),
    ({"url": "https://example.org/", "events": "checkin.recorded"}, "events"),
    ({"url": "https://example.org/", "events": [1]}, "events"),
    ({"url": "https://example.org/", "events": ["checkin.recorded"], "secret": "whsec_mine"}, "secret"),
])
def test_bad_input_answers_422_by_field(users, api_as, count_events, body, field):
    response = create(api_as(users["admin"]), body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error" and field in response.json["error"]["fields"]
    assert count_events() == 0


def test_a_body_that_is_not_json_answers_400(users, api_as):
    response = api_as(users["admin"]).post("/api/v1/webhooks", data="{", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_manage_webhooks(db, users, api_as, role):
    admin_hook = create(api_as(users["admin"])).json["id"]
    api = api_as(users[role])
    calls = {
        "create": lambda: create(api),
        "list": lambda: api.get("/api/v1/webhooks"),
        "get": lambda: api.get(f"/api/v1/webhooks/{admin_hook}"),
        "deliveries": lambda: api.get(f"/api/v1/webhooks/{admin_hook}/deliveries"),
        "disable": lambda: api.post(f"/api/v1/webhooks/{admin_hook}/disable"),
    }
    if role == "admin":
        expected = {"create": 201, "list": 200, "get": 200, "deliveries": 200, "disable": 200}
    elif users[role].unit.level.value == "province":
        expected = dict.fromkeys(calls, 403)
    else:
        # The province's subscription lies outside a commune's area: it does not exist for them.
        expected = {"create": 403, "list": 403, "get": 404, "deliveries": 404, "disable": 404}
    for name, call in calls.items():
        response = call()
        assert response.status_code == expected[name], (name, response.json)


def test_an_admin_of_another_area_does_not_see_the_subscription(db, tree, users, create_user, api_as):
    hook = create(api_as(users["admin"])).json["id"]
    other = api_as(create_user("admin", tree["other_commune"]))
    assert other.get("/api/v1/webhooks").json["items"] == []
    for url in (f"/api/v1/webhooks/{hook}", f"/api/v1/webhooks/{hook}/deliveries"):
        assert other.get(url).status_code == 404
    assert other.post(f"/api/v1/webhooks/{hook}/disable").status_code == 404


def test_without_a_token_401(client):
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.post("/api/v1/webhooks", json=HOOK).status_code == 401


def test_unknown_subscription_or_delivery_answers_404(users, api_as):
    api = api_as(users["admin"])
    assert api.get("/api/v1/webhooks/999/deliveries").status_code == 404
    hook = create(api).json["id"]
    assert api.post(f"/api/v1/webhooks/{hook}/deliveries/999/send-again").status_code == 404


def test_deliveries_list_each_with_its_attempts(db, users, api_as, receiver, emit):
    api = api_as(users["admin"])
    hook = create(api, {"url": receiver.url + "/hook", "events": ["checkin.recorded"]}).json
    receiver.status = lambda request: 500 if len(receiver.requests) == 1 else 200
    first, second, third = emit("checkin.recorded", 3)
    jobs.deliver_due()
    page = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries")
    assert page.status_code == 200
    [item] = page.json["items"]
    assert item["event_id"] == first and item["event_type"] == "checkin.recorded"
    assert item["status"] == "pending" and item["attempt_count"] == 1 and item["message_id"].startswith("msg_")
    [attempt] = item["attempts"]
    assert attempt["status_code"] == 500 and attempt["error"] == "HTTP 500 Internal Server Error"
    assert attempt["next_attempt_at"] == item["next_attempt_at"] is not None
    assert attempt["attempted_at"].endswith("+00:00")
    # Sent again at once: delivered, and the later ones follow.
    again = api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{item['id']}/send-again")
    assert again.status_code == 200 and again.json["status"] == "pending"
    jobs.deliver_due()
    items = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries?limit=2").json
    assert [row["event_id"] for row in items["items"]] == [first, second]
    assert [row["status"] for row in items["items"]] == ["delivered", "delivered"]
    assert items["items"][0]["attempt_count"] == 1 and len(items["items"][0]["attempts"]) == 2
    rest = api.get(items["next"].removeprefix("http://localhost")).json
    assert [row["event_id"] for row in rest["items"]] == [third] and rest["next"] is None
    assert api.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=failed").json["items"] == []
    assert api.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=lost").status_code == 422
    assert api.get(f"/api/v1/webhooks/{hook['id']}/deliveries?cursor=nonsense").status_code == 422


def test_disable_and_enable(db, users, api_as, count_events):
    api = api_as(users["admin"])
    hook = create(api).json["id"]
    disabled = api.post(f"/api/v1/webhooks/{hook}/disable")
    assert disabled.status_code == 200 and disabled.json["is_active"] is False
    assert disabled.json["disabled_reason"] == "admin"
    assert api.post(f"/api/v1/webhooks/{hook}/disable").status_code == 409
    enabled = api.post(f"/api/v1/webhooks/{hook}/enable")
    assert enabled.json["is_active"] is True and enabled.json["disabled_reason"] is None
    assert count_events("webhook.disabled") == 1 and count_events("webhook.enabled") == 1


def test_the_openapi_document_describes_the_webhook_operations(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/webhooks"])
    assert "get" in paths["/api/v1/webhooks/{subscription_id}/deliveries"]
