"""Check-ins through gunicorn with and without 100 open live screens polling, in the same run.

The tracker is served as in production (gunicorn, gthread workers, loopback). 32 scanners send
real first check-ins, spread over the trainings of 50 villages (200 people each); rounds alternate
between "quiet" (nobody watching) and "watched": 100 open screens, each on one of those trainings,
poll their live answer with If-None-Match — half the training page's twin
(``/trainings/{id}/live``, session cookie, the roster rendered whenever it changed), half the
scanner's count (``/api/v1/trainings/{id}/count``, bearer) — every 4 s (pages) or 5 s (scanners),
with ±10 % jitter, as ``static/js/live.js`` does. The pollers run in a process of their own so the
check-in client keeps its CPU. Printed: check-in throughput and p50/p95/p99 for both kinds of round,
their ratio, and what the polls cost (answers 200 vs 304, their latency).

    .venv/bin/python benchmarks/live.py                 # SQLite in a temporary folder
    .venv/bin/python benchmarks/live.py --postgresql    # a throwaway database on 127.0.0.1:5432
"""
import argparse
import http.client
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import load_test, make_app, percentile, scratch_database, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-password-9"


def seed(env, villages, people_per_village):
    """Migrate and seed a training going on now in each village; return tokens, cookie, trainings, scans."""
    import flask_migrate
    from werkzeug.security import generate_password_hash

    from tracker.auth.models import Role, User
    from tracker.auth.operations import issue_token
    from tracker.campaigns.models import Campaign
    from tracker.core.time import utcnow
    from tracker.extensions import db
    from tracker.geo.models import Unit, UnitLevel
    from tracker.participants.models import Gender, Participant
    from tracker.participants.names import fold_name
    from tracker.participants.tokens import make_token, new_code
    from tracker.trainings.models import Training

    app = make_app(env)
    with app.app_context():
        flask_migrate.upgrade()
        province = Unit(code="66", name="Tỉnh Đắk Lắk", level=UnitLevel.province, path="/66/")
        commune = Unit(code="66001", name="Xã Ea Kao", level=UnitLevel.commune, parent=province, path="/66/66001/")
        now = utcnow()
        campaign = Campaign(name="100 ngày cao điểm", unit=province, start_date=date.today() - timedelta(days=40),
                            deadline=date.today() + timedelta(days=60), topics=["VNeID"])
        rows, trainings, scans = [province, commune, campaign], [], []
        for number in range(villages):
            code = f"66001{number:02d}"
            village = Unit(code=code, name=f"Buôn {number}", level=UnitLevel.village, parent=commune,
                           path=f"/66/66001/{code}/")
            training = Training(campaign=campaign, village=village, title=f"Kích hoạt VNeID {number}", topic="VNeID",
                                starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=3), capacity=250)
            people = [Participant(code=new_code(), full_name=f"Nguyễn Văn {number}-{n}",
                                  search_name=fold_name(f"Nguyễn Văn {number}-{n}"), birth_year=1970 + n % 40,
                                  gender=Gender.male, ethnicity="Ê Đê", village=village, consent=True)
                      for n in range(people_per_village)]
            rows += [village, training, *people]
            trainings.append((training, people))
        volunteer = User(username="bench.tnv", role=Role.volunteer, unit=commune, password_hash="!")
        coordinator = User(username="bench.coord", role=Role.coordinator, unit=commune,
                           password_hash=generate_password_hash(PASSWORD))
        db.session.add_all([*rows, volunteer, coordinator])
        db.session.flush()
        token, _record = issue_token(volunteer)
        scanned_at = now.isoformat()
        for training, people in trainings:
            scans += [(training.id, {"qr": make_token(person.code), "scan_id": str(uuid.uuid4()),
                                     "scanned_at": scanned_at}) for person in people]
        training_ids = [training.id for training, _people in trainings]
        db.session.commit()
        db.engine.dispose()
    # Interleave the villages, as scanners at many trainings at once would.
    random.Random(7).shuffle(scans)
    return token, _session_cookie(app), training_ids, scans


def _session_cookie(app):
    """Sign the coordinator in through the login form once; the pages share the session cookie."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "bench.coord", "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302, response.status_code
    return f"session={client.get_cookie('session').value}"


def poll(port, url, headers, interval, stop, results):
    """One open screen: GET ``url`` with If-None-Match every ``interval`` s (±10 %) until ``stop``."""
    connection, etag = http.client.HTTPConnection("127.0.0.1", port, timeout=30), None
    rng = random.Random()
    stop.wait(rng.uniform(0, interval))  # screens opened at different moments
    while not stop.is_set():
        sent = dict(headers, **({"If-None-Match": etag} if etag else {}))
        started = time.perf_counter()
        try:
            connection.request("GET", url, headers=sent)
            response = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # gunicorn closes a keep-alive connection idle for --keep-alive (2 s): a browser reconnects too.
            connection.close()
            connection.request("GET", url, headers=sent)
            response = connection.getresponse()
        response.read()
        results.append((response.status, time.perf_counter() - started))
        if response.status == 200:
            etag = response.getheader("ETag")
        stop.wait(interval * rng.uniform(0.9, 1.1))
    connection.close()


def pollers(port, screens, stop, queue):
    """Run every screen in threads of this process; put ``[(status, seconds)]`` on ``queue`` when stopped."""
    import threading

    results = []
    threads = [threading.Thread(target=poll, args=(port, *screen, stop, results)) for screen in screens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(results)


def screens_for(training_ids, count, token, cookie):
    """Half training pages (session cookie), half scanners (bearer), spread over the trainings."""
    screens = []
    for number in range(count):
        training_id = training_ids[number % len(training_ids)]
        if number % 2:
            screens.append((f"/api/v1/trainings/{training_id}/count",
                            {"Authorization": f"Bearer {token}", "Accept": "application/json"}, 5.0))
        else:
            screens.append((f"/trainings/{training_id}/live", {"Cookie": cookie, "Accept": "application/json"}, 4.0))
    return screens


def watched_round(port, headers, batch, concurrency, screens):
    """Send ``batch`` while the screens poll; return the check-in result and the polls."""
    stop, queue = multiprocessing.Event(), multiprocessing.Queue()
    process = multiprocessing.Process(target=pollers, args=(port, screens, stop, queue))
    process.start()
    time.sleep(5)  # every screen has opened and polled once
    result = load_test(port, headers, batch, concurrency)
    stop.set()
    polls = queue.get(timeout=60)
    process.join(timeout=60)
    return result, polls


def report(rounds, polls, args, database_url):
    print(f"database: {database_url.split(':')[0]}  gunicorn: {args.workers} workers × {args.threads} threads "
          f"(gthread)  scanners: {args.concurrency}  check-ins per round: {args.requests}  open screens: {args.screens}")
    print(f"{'round':10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for name, results in rounds.items():
        for result in results:
            lat = result["latencies"]
            print(f"{name:10} {result['throughput']:>8.0f} {percentile(lat, 0.5) * 1000:>8.1f} "
                  f"{percentile(lat, 0.95) * 1000:>8.1f} {percentile(lat, 0.99) * 1000:>8.1f}  {result['statuses']}")
    quiet = statistics.median(result["throughput"] for result in rounds["quiet"])
    watched = statistics.median(result["throughput"] for result in rounds["watched"])
    worst = {name: max(percentile(r["latencies"], 0.99) for r in results) * 1000 for name, results in rounds.items()}
    print(f"check-ins while watched = {watched / quiet:.0%} of quiet throughput; worst p99 "
          f"{worst['quiet']:.1f} ms quiet, {worst['watched']:.1f} ms watched")
    statuses = {}
    for status, _seconds in polls:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = sorted(seconds for _status, seconds in polls)
    by_status = {status: sorted(s for st, s in polls if st == status) for status in statuses}
    print(f"polls: {len(polls)} answered {statuses}; latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms; "
          + ", ".join(f"{status}: p50 {percentile(values, 0.5) * 1000:.1f} ms" for status, values in by_status.items()))
    failed = [r["statuses"] for results in rounds.values() for r in results if set(r["statuses"]) - {201}]
    if failed or set(statuses) - {200, 304}:
        print(f"INVALID RUN: errors {failed} / polls {statuses}; the figures above do not count")
    print(f"measured {datetime.now():%Y-%m-%d %H:%M}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true", help="use PostgreSQL instead of SQLite")
    parser.add_argument("--requests", type=int, default=2000, help="check-ins per measured round")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent scanners")
    parser.add_argument("--screens", type=int, default=100, help="open live screens in watched rounds")
    parser.add_argument("--villages", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each kind, alternating")
    args = parser.parse_args()
    per_village = -(-(2 * args.rounds + 1) * args.requests // args.villages)
    with scratch_database(args.postgresql) as (database_url, instance):
        env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance,
               "TRACKER_SCHEDULER": "off"}
        token, cookie, training_ids, scans = seed(env, args.villages, per_village)
        screens = screens_for(training_ids, args.screens, token, cookie)
        gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(args.workers),
                    "--threads", str(args.threads), "--log-level", "warning"]
        rounds, polls = {"quiet": [], "watched": []}, []
        with serve(gunicorn + ["wsgi:app"], env, ROOT) as port:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            load_test(port, headers, scans[: args.requests // 2], args.concurrency)  # warm up
            for number in range(2 * args.rounds):
                start = args.requests // 2 + number * args.requests
                batch = scans[start: start + args.requests]
                if number % 2:
                    result, round_polls = watched_round(port, headers, batch, args.concurrency, screens)
                    rounds["watched"].append(result)
                    polls += round_polls
                else:
                    rounds["quiet"].append(load_test(port, headers, batch, args.concurrency))
        report(rounds, polls, args, database_url)


if __name__ == "__main__":
    main()
