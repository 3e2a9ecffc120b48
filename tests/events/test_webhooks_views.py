"""The admins' webhook pages: list, subscribe (the secret shown once), deliveries, send again."""
import re

import pytest

from tests.events.webhook_receiver import fresh
from tracker.events.webhooks import jobs
from tracker.events.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription


@pytest.fixture
def csrf_enabled(app):
    """Turn CSRF protection on for one test (the suite runs with it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_admins_find_the_page_in_the_menu(client, users, login):
    login(users["admin"])
    page = client.get("/webhooks")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'href="/webhooks" aria-current="page"' in text and "No webhooks yet." in text
    assert 'value="checkin.recorded" checked' in text and 'value="training.scheduled"' in text


@pytest.mark.parametrize("role", ["committee", "coordinator", "volunteer"])
def test_other_roles_neither_see_the_menu_nor_the_pages(client, users, login, subscribe, role):
    subscription = subscribe("checkin.recorded")
    login(users[role])
    assert 'href="/webhooks"' not in client.get("/trainings").get_data(as_text=True)
    assert client.get("/webhooks").status_code == 403
    assert client.post("/webhooks", data={"url": "https://example.org/", "events": "checkin.recorded"}).status_code == 403
    status = 403 if role == "committee" else 404  # the province's subscription is outside a commune's area
    assert client.get(f"/webhooks/{subscription.id}").status_code == status
    assert client.post(f"/webhooks/{subscription.id}/disable").status_code == status


def test_subscribing_shows_the_secret_once(db, client, users, login):
    login(users["admin"])
    response = client.post("/webhooks", data={"url": "https://portal.example.vn/hook",
                                              "events": ["checkin.recorded", "training.held"]})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    subscription = WebhookSubscription.query.one()
    assert subscription.event_types == ["checkin.recorded", "training.held"]
    assert f'value="{subscription.secret}"' in response.get_data(as_text=True)
    for url in ("/webhooks", f"/webhooks/{subscription.id}", "/events"):
        page = client.get(url)
        assert page.status_code == 200 and subscription.secret not in page.get_data(as_text=True)
    assert "https://portal.example.vn/hook" in client.get("/webhooks").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"url": "ftp://example.org/", "events": "checkin.recorded"}, "Only http:// and https:// URLs can receive webhooks."),
    ({"url": "https://example.org/"}, "Choose at least one event type."),
    ({"url": "https://example.org/", "events": "nothing.happened"}, "Unknown event types: nothing.happened."),
])
def test_a_refused_form_comes_back_with_the_reason(db, client, users, login, data, message):
    login(users["admin"])
    response = client.post("/webhooks", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'value="{data["url"]}"' in page
    assert WebhookSubscription.query.count() == 0


def test_the_deliveries_page_shows_attempts_and_sends_again(db, client, users, login, receiver, subscribe, emit):
    subscription = subscribe("checkin.recorded")
    receiver.status = 500
    [event_id] = emit("checkin.recorded", 1)
    jobs.deliver_due()
    login(users["admin"])
    page = client.get(f"/webhooks/{subscription.id}").get_data(as_text=True)
    assert f"#{event_id}" in page and "HTTP 500" in page and "HTTP 500 Internal Server Error" in page
    assert "Next attempt" in page and "waiting" in page
    delivery = WebhookDelivery.query.one()
    assert delivery.message_id in page
    response = client.post(f"/webhooks/{subscription.id}/deliveries/{delivery.id}/send-again")
    db.session.rollback()  # forget what the test loaded: the page changed it
    assert response.status_code == 302
    assert "will be sent again" in client.get(response.location).get_data(as_text=True)
    receiver.status = 200
    jobs.deliver_due()
    page = client.get(f"/webhooks/{subscription.id}").get_data(as_text=True)
    assert "delivered" in page and "HTTP 200" in page
    assert WebhookDelivery.query.one().status == DeliveryStatus.delivered
    failed = client.get(f"/webhooks/{subscription.id}?status=failed").get_data(as_text=True)
    assert f"#{event_id}" not in failed


def test_disable_and_enable_from_the_page(db, client, users, login, subscribe):
    subscription = subscribe("checkin.recorded")
    login(users["admin"])
    response = client.post(f"/webhooks/{subscription.id}/disable", follow_redirects=True)
    assert "The webhook is disabled" in response.get_data(as_text=True)
    assert not fresh(subscription).is_active
    response = client.post(f"/webhooks/{subscription.id}/enable", follow_redirects=True)
    assert "The webhook is enabled" in response.get_data(as_text=True)


def test_a_receiver_gone_shows_why_it_stopped(db, client, users, login, receiver, subscribe, emit):
    subscription = subscribe("checkin.recorded")
    receiver.status = 410
    emit("checkin.recorded", 1)
    jobs.deliver_due()
    login(users["admin"])
    assert "the receiver answered 410 Gone" in client.get(f"/webhooks/{subscription.id}").get_data(as_text=True)
    assert "Webhook disabled" in client.get("/events").get_data(as_text=True)


def test_forms_need_the_csrf_token(client, users, login, subscribe, csrf_enabled):
    subscription = subscribe("checkin.recorded")
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "admin", "password": "correct-horse-9", "csrf_token": token})
    assert client.post(f"/webhooks/{subscription.id}/disable").status_code == 400
    page = client.get(f"/webhooks/{subscription.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/webhooks/{subscription.id}/disable", data={"csrf_token": token}).status_code == 302


def test_the_pages_speak_vietnamese(client, users, login, subscribe):
    subscription = subscribe("checkin.recorded")
    login(users["admin"])
    with client.session_transaction() as session:
        session["lang"] = "vi"
    page = client.get(f"/webhooks/{subscription.id}").get_data(as_text=True)
    assert "Tắt" in page and "đang hoạt động" in page and "Các lần gửi" in page
