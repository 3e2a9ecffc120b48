"""SPEC §11: a server killed in the middle of offline batches loses and doubles nothing.

The app runs under gunicorn in its own process on the test database; it is killed with SIGKILL
while it settles sync batches, started again, and the scanners send their batches again.
"""
import http.client
import json
import random
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.servers import Gunicorn, Processes, tracker_env
from tracker.checkins.models import CheckIn
from tracker.events.models import Event

SYNC = "/api/v1/checkins/sync"
#: Phones flushing their offline queues at once, and the scans each sends per batch.
PHONES, BATCH = 4, 25


@pytest.fixture
def processes(tmp_path):
    processes = Processes(tmp_path)
    yield processes
    processes.kill_all()


@pytest.fixture
def server(app, tmp_path, processes):
    return Gunicorn(processes, tracker_env(app, tmp_path), workers=2, threads=2)


def _rows(db):
    db.session.expire_all()
    return {(row.training_id, row.participant_id): str(row.scan_id) for row in db.session.scalars(sa.select(CheckIn))}


def _post(server, body, token):
    status, _response, answer = server.request("POST", SYNC, body, headers={"Authorization": f"Bearer {token}"},
                                               timeout=120)
    return status, answer


def test_a_batch_cut_off_by_a_killed_server_is_stored_exactly_once_when_sent_again(
        users, api_as, batch, db, server):
    items, winners = batch
    token = api_as(users["volunteer"]).token
    server.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", SYNC, json.dumps({"scans": items}),
                       {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    # The whole batch is sent: settling 500 scans (parse, rules, one INSERT, 500 events) takes the
    # server far longer than this, so it is killed in the middle of it.
    time.sleep(0.05)
    server.kill()
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.getresponse()
    connection.close()
    # One transaction: whatever moment the kill hit, the batch is stored whole or not at all.
    assert _rows(db) in ({}, winners), "a killed batch must not leave part of itself behind"

    server.start()
    rng = random.Random(11)
    for _send in range(2):
        order = items[:]
        rng.shuffle(order)
        status, body = _post(server, {"scans": order}, token)
        assert status == 200 and len(body["results"]) == len(items)
    assert _rows(db) == winners


class Phone(threading.Thread):
    """A scanner flushing its offline queue batch by batch; a batch is sent again until it is answered
    (connection refused or cut, or a 5xx: wait longer each time, as static/js/scan/sender.js does)."""

    def __init__(self, server, token, batches):
        super().__init__(daemon=True)
        self.server, self.token, self.batches = server, token, batches
        self.answers, self.answered = {}, threading.Event()
        #: Sends cut by the kill in the middle, and sends refused while the server was down.
        self.cut = self.refused = 0

    def run(self):
        deadline = time.monotonic() + 90
        for batch in self.batches:
            wait = 0.2
            while time.monotonic() < deadline:
                try:
                    status, body = _post(self.server, {"scans": batch}, self.token)
                except ConnectionRefusedError:
                    status, self.refused = None, self.refused + 1
                except (OSError, http.client.HTTPException):  # reset, or RemoteDisconnected: cut by the kill
                    status, self.cut = None, self.cut + 1
                if status == 200:
                    self.answers.update((item["scan_id"], result) for item, result in zip(batch, body["results"]))
                    self.answered.set()
                    break
                time.sleep(wait)
                wait = min(wait * 2, 2.0)


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_phones_syncing_at_once_across_a_kill_and_restart_store_every_scan_once(
        users, api_as, batch, db, server, processes):
    items, winners = batch
    token = api_as(users["volunteer"]).token
    queues = [items[n::PHONES] for n in range(PHONES)]  # a scan sent twice lands on two phones
    phones = [Phone(server, token, [queue[i:i + BATCH] for i in range(0, len(queue), BATCH)]) for queue in queues]
    server.start()
    for phone in phones:
        phone.start()

    # Killed as soon as a first batch is answered: the other phones are in the middle of theirs.
    assert _wait_for(lambda: any(phone.answered.is_set() for phone in phones), 60), processes.logs()
    server.kill()
    stored_when_killed = len(_rows(db))
    time.sleep(1.5)  # down for a moment: the phones are refused and wait
    server.start()
    for phone in phones:
        phone.join(timeout=90)
    assert not any(phone.is_alive() for phone in phones), processes.logs()
    cut, refused = sum(phone.cut for phone in phones), sum(phone.refused for phone in phones)
    print(f"\nkilled with {stored_when_killed} of {len(winners)} check-ins stored; {cut} batches cut in the "
          f"middle, {refused} sends refused while down")
    assert 0 < stored_when_killed < len(winners), "the kill came after every batch"
    assert cut >= 1, "the kill cut no batch in the middle"

    # Every (training, person) scanned is stored once (which of a person's scans wins depends on the
    # order the phones' batches commit in), with one event each.
    rows = _rows(db)
    assert rows.keys() == winners.keys()
    events = db.session.scalars(sa.select(Event.subject_id).where(Event.type == "checkin.recorded")).all()
    assert sorted(events) == sorted(str(row_id) for row_id in db.session.scalars(sa.select(CheckIn.id)))

    # Each scan was answered as it is stored: the stored one "checked_in", the person's other scans
    # "already checked in", bad ones refused; the whole queue sent once more answers the same.
    answers = {scan_id: answer["result"] for phone in phones for scan_id, answer in phone.answers.items()}
    assert {answers[scan_id] for scan_id in rows.values()} == {"checked_in"}
    others = Counter(result for scan_id, result in answers.items() if scan_id not in rows.values())
    assert set(others) == {"already_checked_in", "refused"}, others
    status, replay = _post(server, {"scans": items}, token)
    assert status == 200
    assert {item["scan_id"]: result["result"] for item, result in zip(items, replay["results"])} == answers
    assert _rows(db) == rows
