"""A real HTTP receiver of webhooks on loopback (http.server in a thread), for the webhook tests."""
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from tracker.events import operations as events
from tracker.events.webhooks import operations
from tracker.events.webhooks.models import WebhookSubscription
from tracker.extensions import db


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    status: int = 0

    @property
    def event(self):
        return json.loads(self.body)


class Receiver:
    """Records every request; answers with ``status`` (a number, or a function of the request)."""

    def __init__(self):
        self.requests, self.status, self.delay, self.extra_headers = [], 204, 0, {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                receiver.requests.append(request)
                status = receiver.status(request) if callable(receiver.status) else receiver.status
                request.status = status
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def delivered(self):
        """The requests answered with success, as the receiver saw them."""
        return [request for request in self.requests if 200 <= request.status < 300]

    def event_ids(self):
        return [request.event["id"] for request in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def subscribe(db, users, receiver):
    """Subscribe the receiver (``/hook``) to event types as the province's admin."""
    def _subscribe(*types, user=None, url=None):
        subscription = operations.subscribe({"url": url or receiver.url + "/hook", "events": list(types)},
                                            user=user or users["admin"])
        db.session.commit()
        return subscription
    return _subscribe


@pytest.fixture
def emit(db, users, dummy_training):
    """Record and commit ``count`` events of ``type_`` about the dummy training (village 6600101)."""
    def _emit(type_="checkin.recorded", count=1, unit=None, settle=True):
        ids = []
        for number in range(count):
            event = events.record(type_, dummy_training, {"number": number}, user=users["coordinator"],
                                  unit=unit or dummy_training.village)
            db.session.commit()
            ids.append(event.id)
        if settle:
            wait_settled()
        return ids
    return _emit


def wait_settled(timeout=60):
    """Wait until every committed event is past PostgreSQL's horizon (``events_for(settled=True)``).

    The horizon is the server's oldest open transaction, in any database: another test run on the
    same server may hold it back for a moment.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    query = sa.text("SELECT coalesce(max(txid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                    "FROM events")
    deadline = time.monotonic() + timeout
    while not db.session.scalar(query) and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.05)
    db.session.rollback()


def fresh(subscription):
    """Reload a subscription as the job left it."""
    db.session.expire_all()
    return db.session.scalar(sa.select(WebhookSubscription).where(WebhookSubscription.id == subscription.id))
