"""The delivery job against a real HTTP receiver on loopback: order, once, signatures, retries."""
import socket
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from tests.events.webhook_receiver import fresh, wait_settled
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.events.webhooks import delivery, jobs, signing
from tracker.events.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery


def deliveries(subscription):
    return WebhookDelivery.query.filter_by(subscription_id=subscription.id).order_by(WebhookDelivery.event_id).all()


def assert_signed(request, secret):
    """The request's signature is the Standard Webhooks HMAC of its id, timestamp and body."""
    headers = request.headers
    expected = signing.sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), request.body)
    assert headers["webhook-signature"] == expected
    assert headers["content-type"] == "application/json"


def test_every_event_reaches_the_receiver_once_in_order_signed(db, users, receiver, subscribe, emit, api_as):
    subscription = subscribe("checkin.recorded", "training.scheduled")
    wanted = emit("checkin.recorded", 3) + emit("training.scheduled", 1)
    emit("participant.registered", 2)  # not subscribed to
    wanted += emit("checkin.recorded", 1)
    assert jobs.deliver_due() == {"delivered": 5}
    assert receiver.event_ids() == wanted
    for request in receiver.requests:
        # The library checks the signature and that the timestamp is within 5 minutes of now.
        assert Webhook(subscription.secret).verify(request.body, request.headers)
        assert request.path == "/hook"
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 5
    # The body is the event exactly as the feed shows it to the subscription's owner.
    feed = api_as(users["admin"]).get("/api/v1/events?limit=100").json["items"]
    assert [request.event for request in receiver.requests] == [item for item in feed if item["id"] in wanted]
    assert jobs.deliver_due() == {}
    assert len(receiver.requests) == 5
    assert {row.status for row in deliveries(subscription)} == {DeliveryStatus.delivered}


def test_events_logged_before_subscribing_are_not_sent(db, receiver, subscribe, emit):
    emit("checkin.recorded", 2)
    subscribe("checkin.recorded")
    later = emit("checkin.recorded", 1)
    jobs.deliver_due()
    assert receiver.event_ids() == later


def test_a_province_admin_gets_every_commune_a_commune_admin_only_its_own(db, tree, create_user, receiver, subscribe,
                                                                       emit):
    commune_admin = create_user("admin", tree["commune"])
    province = subscribe("checkin.recorded")
    commune = subscribe("checkin.recorded", user=commune_admin, url=receiver.url + "/commune")
    own = emit("checkin.recorded", 1)
    other = emit("checkin.recorded", 1, unit=tree["other_village"])
    jobs.deliver_due()
    by_path = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(request.event["id"])
    assert by_path == {"/hook": own + other, "/commune": own}
    assert province.unit == tree["province"] and commune.unit == tree["commune"]


def test_across_a_receiver_outage_every_event_arrives_once_in_order(db, receiver, subscribe, emit):
    """The receiver is down for four minutes while events keep coming; none is lost or doubled."""
    subscription = subscribe("checkin.recorded")
    start = utcnow()
    clock = {"now": start}
    receiver.status = lambda request: 503 if clock["now"] < start + timedelta(minutes=4) else 200
    emitted = []
    for second in range(0, 15 * 60, 5):
        clock["now"] = start + timedelta(seconds=second)
        if second in (0, 10, 60, 150, 239, 240, 300, 600):
            emitted += emit("checkin.recorded", 2)
        jobs.deliver_due(now=clock["now"])
    assert [request.event["id"] for request in receiver.delivered] == emitted
    # Nothing after a failed event was sent before it went through: the requests never go back.
    ids = receiver.event_ids()
    assert ids == sorted(ids) and ids[0] == emitted[0]
    # The first event was retried after ~5 s, ~5 min (the outage ended in between), then went through.
    first = deliveries(subscription)[0]
    assert [attempt.status_code for attempt in first.attempts] == [503, 503, 200]
    assert timedelta(seconds=4) <= first.attempts[1].attempted_at - first.attempts[0].attempted_at <= timedelta(
        seconds=10)
    for request in receiver.requests:
        assert_signed(request, subscription.secret)
    # One webhook-id per event, the same on every attempt of that event.
    ids_by_event = {}
    for request in receiver.requests:
        ids_by_event.setdefault(request.event["id"], set()).add(request.headers["webhook-id"])
    assert all(len(message_ids) == 1 for message_ids in ids_by_event.values())
    assert len({next(iter(ids)) for ids in ids_by_event.values()}) == len(emitted)


def test_a_receiver_answering_500_is_retried_with_backoff_then_marked_failed(db, receiver, subscribe, emit):
    subscription = subscribe("checkin.recorded")
    receiver.status = 500
    first, second = emit("checkin.recorded", 2)
    now = utcnow()
    for attempt in range(jobs.MAX_ATTEMPTS):
        last = attempt == jobs.MAX_ATTEMPTS - 1
        # Given up at last, it no longer holds back the next event, which is tried at once.
        assert jobs.deliver_due(now=now) == ({"failed": 1, "retrying": 1} if last else {"retrying": 1})
        row = deliveries(subscription)[0]
        if row.next_attempt_at is None:
            break
        wait = row.next_attempt_at - now
        base = jobs.RETRY_DELAYS[attempt]
        assert base * (1 - jobs.JITTER) <= wait.total_seconds() <= base * (1 + jobs.JITTER)
        # Not tried again before it is due.
        assert jobs.deliver_due(now=row.next_attempt_at - timedelta(seconds=1)) == {}
        now = row.next_attempt_at
    assert receiver.event_ids() == [first] * jobs.MAX_ATTEMPTS + [second]
    row = deliveries(subscription)[0]
    assert row.status == DeliveryStatus.failed and row.attempt_count == jobs.MAX_ATTEMPTS
    assert [attempt.status_code for attempt in row.attempts] == [500] * jobs.MAX_ATTEMPTS
    assert row.attempts[0].error == "HTTP 500 Internal Server Error"
    # The first retry came within seconds; the whole schedule spans about three days.
    assert row.attempts[1].attempted_at - row.attempts[0].attempted_at < timedelta(seconds=10)
    assert timedelta(days=2) < row.attempts[-1].attempted_at - row.attempts[0].attempted_at < timedelta(days=5)
    receiver.status = 200
    jobs.deliver_due(now=now + timedelta(seconds=10))
    assert receiver.delivered[-1].event["id"] == second


def test_410_gone_disables_the_subscription(db, receiver, subscribe, emit, count_events):
    subscription = subscribe("checkin.recorded")
    receiver.status = 410
    emit("checkin.recorded", 2)
    assert jobs.deliver_due() == {"disabled": 1}
    subscription = fresh(subscription)
    assert not subscription.is_active and subscription.disabled_reason.value == "gone"
    assert deliveries(subscription)[0].status == DeliveryStatus.failed
    disabled = Event.query.filter_by(type="webhook.disabled").one()
    assert disabled.payload == {"reason": "gone"} and disabled.actor_id is None
    receiver.status = 200
    emit("checkin.recorded", 1)
    assert jobs.deliver_due(now=utcnow() + timedelta(days=1)) == {}
    assert len(receiver.requests) == 1


def test_a_redirect_is_not_followed(db, receiver, subscribe, emit):
    subscription = subscribe("checkin.recorded")
    receiver.status = lambda request: 302 if request.path == "/hook" else 200
    receiver.extra_headers = {"Location": receiver.url + "/elsewhere"}
    emit("checkin.recorded", 1)
    assert jobs.deliver_due() == {"retrying": 1}
    assert [request.path for request in receiver.requests] == ["/hook"]
    attempt = deliveries(subscription)[0].attempts[0]
    assert attempt.status_code == 302 and "redirect not followed" in attempt.error


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(app, db, receiver, subscribe, emit,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_WEBHOOK_TIMEOUT", 0.3)
    subscription = subscribe("checkin.recorded")
    receiver.delay = 2
    emit("checkin.recorded", 1)
    assert jobs.deliver_due() == {"retrying": 1}
    attempt = deliveries(subscription)[0].attempts[0]
    assert attempt.status_code is None and attempt.error == "Timed out after 0.3 s"
    assert attempt.duration_ms < 1500


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_timeout(app, db, subscribe, emit, monkeypatch):
    """The timeout bounds the whole request, not each read: a byte every 0.1 s does not hold the job."""
    monkeypatch.setitem(app.config, "TRACKER_WEBHOOK_TIMEOUT", 0.5)
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        connection, _address = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(0.1):
                try:
                    connection.sendall(b"X-Slow: y\r\n")
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        subscription = subscribe("checkin.recorded", url=f"http://127.0.0.1:{server.getsockname()[1]}/hook")
        emit("checkin.recorded", 1)
        started = time.monotonic()
        assert jobs.deliver_due() == {"retrying": 1}
        assert time.monotonic() - started < 2
        attempt = deliveries(subscription)[0].attempts[0]
        assert attempt.status_code is None and attempt.error == "Timed out after 0.5 s"
    finally:
        stop.set()
        server.close()


def test_a_refused_connection_is_a_failed_attempt(db, receiver, subscribe, emit):
    subscription = subscribe("checkin.recorded", url="http://127.0.0.1:9/hook")
    emit("checkin.recorded", 1)
    assert jobs.deliver_due() == {"retrying": 1}
    attempt = deliveries(subscription)[0].attempts[0]
    assert attempt.status_code is None and "ConnectionRefusedError" in attempt.error


def test_a_delivery_sent_again_keeps_its_webhook_id_and_goes_first(db, users, receiver, subscribe, emit):
    from tracker.events.webhooks.operations import send_again
    subscription = subscribe("checkin.recorded")
    first = emit("checkin.recorded", 1)
    jobs.deliver_due()
    receiver.status = 500
    second = emit("checkin.recorded", 1)
    jobs.deliver_due()
    row = deliveries(subscription)[0]
    send_again(row, user=users["admin"])
    db.session.commit()
    receiver.status = 200
    jobs.deliver_due(now=utcnow() + timedelta(minutes=1))
    assert receiver.event_ids() == first + second + first + second
    assert receiver.requests[2].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
    assert Event.query.filter_by(type="webhook.resent").one().payload == {"delivery_id": row.id,
                                                                          "event_id": first[0]}


def test_nothing_is_sent_for_an_owner_who_can_no_longer_read_events(db, users, receiver, subscribe, emit):
    subscribe("checkin.recorded")
    users["admin"].is_active = False
    db.session.commit()
    emit("checkin.recorded", 1)
    assert jobs.deliver_due() == {} and receiver.requests == []


def test_a_crash_after_queueing_sends_the_delivery_again(db, receiver, subscribe, emit):
    """At least once: a delivery committed before its request went out is sent by the next run."""
    subscription = subscribe("checkin.recorded")
    emit("checkin.recorded", 1)
    assert jobs.next_message(subscription.id) is not None  # queued and committed, then the process died
    jobs.deliver_due()
    assert len(receiver.requests) == 1
    assert db.session.scalar(sa.select(sa.func.count(WebhookAttempt.id))) == 1


@pytest.mark.postgresql_only
def test_an_event_of_a_transaction_still_open_holds_back_the_later_ones(db, receiver, subscribe, emit):
    """Ids are taken before commit on PostgreSQL: the cursor must not step past one still in flight."""
    subscribe("checkin.recorded")
    with db.engine.connect() as other:
        other.execute(sa.text(
            "INSERT INTO events (type, occurred_at, subject_type, subject_id, payload, unit_id, txid) "
            "VALUES ('checkin.recorded', now(), 'x', '1', '{}', NULL, pg_current_xact_id()::text::bigint)"))
        later = emit("checkin.recorded", 1, settle=False)
        jobs.deliver_due()
        assert receiver.requests == []
        other.commit()
    wait_settled()
    jobs.deliver_due()
    ids = receiver.event_ids()
    assert len(ids) == 2 and ids[1] == later[0] and ids[0] < ids[1]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "file:///etc/passwd", "http:///nohost", "http://127.0.0.1:x/"])
def test_the_sender_itself_refuses_anything_but_http_urls(url):
    """Defence in depth: subscribing already refuses these (422)."""
    outcome = delivery.post(url, b"{}", {}, timeout=1)
    assert outcome.status_code is None and outcome.error and not outcome.is_success


def test_the_cursor_moves_past_events_of_other_types(db, receiver, subscribe, emit):
    """A subscription to a rare type does not read the whole log since its last match on every pass."""
    subscription = subscribe("training.held")
    others = emit("checkin.recorded", 3)
    assert jobs.deliver_due() == {}
    assert fresh(subscription).last_event_id == others[-1]
    [held] = emit("training.held", 1)
    jobs.deliver_due()
    assert receiver.event_ids() == [held] and fresh(subscription).last_event_id == held
