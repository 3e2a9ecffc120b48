"""SPEC §11: a server killed in the middle of an offline batch loses and doubles nothing.

The app runs under gunicorn in its own process on the test database; it is killed with SIGKILL
while it settles a 500-scan batch, started again, and the scanner sends the batch again.
"""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tracker.checkins.models import CheckIn

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The tracker under gunicorn on the test database, in a process group of its own."""

    def __init__(self, app, tmp_path):
        self.port = _free_port()
        self.env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": app.config["SECRET_KEY"],
                    "TRACKER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "TRACKER_INSTANCE_PATH": str(tmp_path), "TRACKER_SCHEDULER": "off"}
        self.process = None

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def post(self, path, body, token):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("POST", path, json.dumps(body),
                           {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())


@pytest.fixture
def server(app, tmp_path):
    server = Server(app, tmp_path)
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


def _rows(db):
    db.session.expire_all()
    return {(row.training_id, row.participant_id): str(row.scan_id) for row in db.session.scalars(sa.select(CheckIn))}


def test_a_batch_cut_off_by_a_killed_server_is_stored_exactly_once_when_sent_again(
        users, api_as, batch, db, server):
    items, winners = batch
    token = api_as(users["volunteer"]).token
    server.start()
    outcome = {}

    def send():
        try:
            outcome["answer"] = server.post("/api/v1/checkins/sync", {"scans": items}, token)
        except (ConnectionError, http.client.HTTPException) as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.4)  # settling 500 scans takes seconds: the server is in the middle of the batch
    server.kill()
    sender.join(timeout=30)
    assert "error" in outcome, "the batch finished before the server was killed"
    assert _rows(db) == {}, "a killed batch must leave nothing behind"

    server.start()
    rng = random.Random(11)
    for _send in range(2):
        order = items[:]
        rng.shuffle(order)
        status, body = server.post("/api/v1/checkins/sync", {"scans": order}, token)
        assert status == 200 and len(body["results"]) == len(items)
    assert _rows(db) == winners
