"""Issue 11.3: PostgreSQL restarted under load. The app answers clear 503s while the database is
away, and recovers by itself when it is back (pool pre-ping): no 500, no scan lost or doubled.

gunicorn (two workers of four threads) serves the tracker through a TCP proxy in front of the
test database (``tests/core/db_proxy.py``). Six scanners check people in one by one, retrying
503s with back-off. Part-way through, the app's backends are terminated on the server and the
proxy drops every connection and refuses new ones for a few seconds, then accepts again.
"""
import re
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.core.db_proxy import DatabaseProxy
from tests.servers import Gunicorn, Processes, tracker_env
from tracker.auth.operations import issue_token
from tracker.cards.tokens import make_token, new_code
from tracker.checkins.models import CheckIn
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.extensions import db
from tracker.participants.models import Gender, Participant

pytestmark = pytest.mark.postgresql_only

SCANNERS, SCANS = 6, 40
#: How long the database stays away.
OUTAGE = 3.0
#: After the database is back, every request must succeed within this many seconds.
RECOVERY = 5.0
UNAVAILABLE_EN = "The database is unavailable for a moment; try again shortly."
UNAVAILABLE_VI = "Cơ sở dữ liệu tạm thời không sẵn sàng; vui lòng thử lại sau giây lát."


@pytest.fixture
def processes(tmp_path):
    processes = Processes(tmp_path)
    yield processes
    processes.kill_all()


@pytest.fixture
def proxy(app):
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = DatabaseProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    yield proxy
    proxy.close()


@pytest.fixture
def server(app, tmp_path, proxy, processes):
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(host="127.0.0.1", port=proxy.port)
    env = tracker_env(app, tmp_path, TRACKER_DATABASE_URL=url.render_as_string(hide_password=False))
    return Gunicorn(processes, env, workers=2, threads=4).start()


class Scanner(threading.Thread):
    """A volunteer's phone: sends its scans one by one, each until it is stored, waiting longer after each 503."""

    def __init__(self, server, url, token, bodies):
        super().__init__(daemon=True)
        self.server, self.url, self.bodies = server, url, bodies
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        #: (sent at, status, answer, Retry-After) of every request.
        self.sent = []

    def run(self):
        deadline = time.monotonic() + 120
        for body in self.bodies:
            wait = 0.1
            while time.monotonic() < deadline:
                started = time.monotonic()
                status, response, answer = self.server.request("POST", self.url, body, headers=self.headers)
                self.sent.append((started, status, answer, response.getheader("Retry-After")))
                if status != 503:
                    break
                time.sleep(wait)
                wait = min(wait * 2, 1.0)


def _register_people(village, count):
    """Register ``count`` people in ``village`` at once; return their card codes."""
    codes, now = [new_code() for _ in range(count)], utcnow()
    db.session.execute(sa.insert(Participant), [
        {"code": code, "full_name": f"Nguyễn Văn Số {n}", "search_name": f"nguyen van so {n}", "birth_year": 1970,
         "gender": Gender.male, "ethnicity": "Kinh", "village_id": village.id, "consent": True, "created_at": now,
         "updated_at": now} for n, code in enumerate(codes)])
    db.session.commit()
    return codes


def _terminate_backends(app, ports):
    """Terminate the server's backends of the app (the proxy's connections), as a restart does."""
    dsn = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as connection:
        return connection.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND client_port = ANY(%s)",
                                  (ports,)).fetchone()[0]


def _signed_in_cookie(server, user):
    """Sign ``user`` in through the login form (CSRF and all); return the session cookie."""
    status, response, page = server.request("GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = response.getheader("Set-Cookie").split(";")[0]
    status, response, _page = server.request("POST", "/login", form={
        "csrf_token": token, "username": user.username, "password": PASSWORD}, headers={"Cookie": cookie})
    assert status == 302, _page
    return response.getheader("Set-Cookie").split(";")[0]


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what() if callable(what) else what}"
        time.sleep(0.05)


def _statuses(scanners):
    return Counter(status for scanner in scanners for _started, status, *_rest in scanner.sent)


def test_a_database_restarted_under_load_gets_503s_then_every_scan_is_stored_once(
        app, users, open_training, proxy, server, processes):
    codes = _register_people(open_training.village, SCANNERS * SCANS)
    token, _record = issue_token(users["volunteer"])
    db.session.commit()
    cookie = _signed_in_cookie(server, users["coordinator"])
    at = utcnow().isoformat()
    bodies = [{"qr": make_token(code), "scan_id": str(uuid.uuid4()), "scanned_at": at} for code in codes]
    url = f"/api/v1/trainings/{open_training.id}/checkins"
    scanners = [Scanner(server, url, token, bodies[n::SCANNERS]) for n in range(SCANNERS)]
    for scanner in scanners:
        scanner.start()

    _wait_for(lambda: _statuses(scanners)[201] >= SCANNERS * SCANS // 4, 60,
              lambda: f"a quarter of the scans: {_statuses(scanners)}, {scanners[0].sent[-1:]}")
    terminated = _terminate_backends(app, proxy.upstream_ports())
    proxy.down()
    down_at = time.monotonic()
    page = server.request("GET", "/dashboard", headers={"Cookie": cookie})
    api_vi = server.request("GET", f"/api/v1/trainings/{open_training.id}",
                            headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"})
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - down_at)))
    proxy.up()
    up_at = time.monotonic()
    for scanner in scanners:
        scanner.join(timeout=120)
    assert not any(scanner.is_alive() for scanner in scanners)
    sent = sorted(entry for scanner in scanners for entry in scanner.sent)
    statuses = Counter(status for _t, status, *_ in sent)
    report = f"statuses {dict(statuses)}, {terminated} backends terminated\n{processes.logs()}"

    # While the database was away: 503s in the API's error format, with Retry-After, never a 500.
    assert set(statuses) == {201, 503}, report
    unavailable = [entry for entry in sent if entry[1] == 503]
    assert any(down_at <= started <= up_at for started, *_ in unavailable), report
    for _started, _status, answer, retry_after in unavailable:
        assert answer == {"error": {"code": "database_unavailable", "message": UNAVAILABLE_EN, "fields": {}}}
        assert retry_after is not None and int(retry_after) > 0
    assert api_vi[0] == 503 and api_vi[2]["error"]["message"] == UNAVAILABLE_VI
    assert page[0] == 503 and page[1].getheader("Retry-After") and UNAVAILABLE_VI in page[2], page[2][-2000:]

    # Back by itself, without a restart: every request sent a few seconds after is stored.
    last_refusal = max(started for started, *_ in unavailable)
    assert last_refusal < up_at + RECOVERY, f"503s went on for {last_refusal - up_at:.1f} s after the database came back"
    first_success = min(started for started, status, *_ in sent if started > up_at and status == 201)
    print(f"\n{len(sent)} requests, {len(unavailable)} answered 503; {terminated} backends terminated; back "
          f"{first_success - up_at:.2f} s after the database, last 503 sent {last_refusal - up_at:+.2f} s from it")
    assert server.process.poll() is None and processes.logs(tail=None).count("Booting worker") == 2, report
    assert server.request("GET", "/dashboard", headers={"Cookie": cookie})[0] == 200

    # Nothing lost or doubled: one check-in and one event per scan.
    db.session.expire_all()
    stored = db.session.scalars(sa.select(CheckIn.scan_id).where(CheckIn.training_id == open_training.id)).all()
    assert sorted(map(str, stored)) == sorted(body["scan_id"] for body in bodies)
    recorded = db.session.scalars(sa.select(Event.subject_id).where(Event.type == "checkin.recorded")).all()
    assert len(recorded) == len(bodies) == len(set(recorded))

    # One log line per refusal, naming no one and quoting no SQL.
    logs = processes.logs(tail=None)
    assert logs.count("database unavailable") == len(unavailable) + 2, logs[-3000:]
    assert "Traceback" not in logs and "SELECT" not in logs and "Nguyễn" not in logs and codes[0] not in logs
