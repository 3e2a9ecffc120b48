"""Shared parts of the benchmarks: a scratch database, a served app, a concurrent client."""
import contextlib
import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def scratch_database(postgresql):
    """Yield ``(database_url, instance_folder)`` of an empty database, dropped afterwards."""
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as instance:
        if not postgresql:
            yield f"sqlite:///{instance}/bench.sqlite3", instance
            return
        import psycopg

        name = f"tracker_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", instance
        finally:
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(env):
    """Create the tracker configured by ``env`` (the same settings gunicorn gets)."""
    os.environ.update(env)
    from tracker import create_app

    return create_app()


def seed_checkin_scenario(env, scans_needed, *, participants=2000):
    """Migrate, seed trainings happening now and people to scan; return (token, scans)."""
    import flask_migrate

    from tracker.auth.models import Role, User
    from tracker.auth.operations import issue_token
    from tracker.campaigns.models import Campaign
    from tracker.cards.tokens import make_token, new_code
    from tracker.core.time import utcnow
    from tracker.extensions import db
    from tracker.geo.models import Unit, UnitLevel
    from tracker.participants.models import Gender, Participant
    from tracker.participants.names import fold_name
    from tracker.trainings.models import Training

    app = make_app(env)
    with app.app_context():
        flask_migrate.upgrade()
        province = Unit(code="66", name="Tỉnh Đắk Lắk", level=UnitLevel.province, path="/66/")
        commune = Unit(code="66001", name="Xã Ea Kao", level=UnitLevel.commune, parent=province, path="/66/66001/")
        village = Unit(code="6600101", name="Buôn Ko Tam", level=UnitLevel.village, parent=commune,
                       path="/66/66001/6600101/")
        now = utcnow()
        campaign = Campaign(name="100 ngày cao điểm", unit=province, start_date=date.today() - timedelta(days=40),
                            deadline=date.today() + timedelta(days=60), topics=["VNeID"])
        trainings_needed = -(-scans_needed // participants)
        trainings = [Training(campaign=campaign, village=village, title=f"Buổi {number}", topic="VNeID",
                              starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=3))
                     for number in range(trainings_needed)]
        people = [Participant(code=new_code(), full_name=f"Nguyễn Văn {number}", search_name=fold_name(f"Nguyễn Văn {number}"),
                              birth_year=1970 + number % 40, gender=Gender.male, ethnicity="Ê Đê", village=village,
                              consent=True) for number in range(participants)]
        volunteer = User(username="bench.tnv", role=Role.volunteer, unit=commune, password_hash="!")
        db.session.add_all([province, commune, village, campaign, *trainings, *people, volunteer])
        db.session.flush()
        token, _record = issue_token(volunteer)
        scanned_at = now.isoformat()
        scans = [(training.id, {"qr": make_token(person.code), "scan_id": str(uuid.uuid4()), "scanned_at": scanned_at})
                 for training in trainings for person in people][:scans_needed]
        db.session.commit()
        db.engine.dispose()
    return token, scans


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(command, env, cwd):
    """Run a gunicorn command on a free loopback port; yield the port once it answers."""
    port = free_port()
    process = subprocess.Popen([*command, "-b", f"127.0.0.1:{port}"], env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{command} did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def checkin_request(scan):
    """The single check-in request of a ``(training_id, body)`` scan."""
    training_id, body = scan
    return f"/api/v1/trainings/{training_id}/checkins", body


def sync_request(batch):
    """The sync request of a list of ``(training_id, body)`` scans."""
    return "/api/v1/checkins/sync", {"scans": [dict(body, training_id=training_id) for training_id, body in batch]}


def load_test(port, headers, scans, concurrency, request=checkin_request):
    """POST ``request(item)`` for each of ``scans`` with ``concurrency`` keep-alive clients; return timings and statuses."""
    queue = [request(item) for item in reversed(scans)]
    lock = threading.Lock()
    latencies, statuses = [], {}

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                path, body = queue.pop()
            payload = json.dumps(body)
            started = time.perf_counter()
            connection.request("POST", path, payload, headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"throughput": len(latencies) / wall, "latencies": sorted(latencies), "statuses": statuses}


def percentile(values, fraction):
    return values[min(len(values) - 1, int(fraction * len(values)))]


def server_cpu(port):
    """Return the CPU seconds (user + system) used so far by the gunicorn processes serving ``port``.

    Robust to other load on the machine, unlike throughput: what the workers themselves spent.
    """
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if f"127.0.0.1:{port}".encode() in command and b"gunicorn" in command:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return total
