"""Check-ins through gunicorn with and without 100 open live screens polling, in the same run.

The tracker is served as in production (gunicorn, gthread workers, loopback). 32 scanners send
real first check-ins, spread over the trainings of 50 villages (200 people each). Rounds take
turns between three kinds:

- ``quiet``: nobody watching;
- ``busy``: 100 open screens on the very trainings being scanned (the worst case: every poll
  finds something new, ~2 check-ins a second at each training);
- ``idle``: 100 open screens on 50 other trainings where nothing happens meanwhile (every poll
  is a 304: what screens left open all day cost);
- ``dashboards``: 100 open dashboards (``/dashboard/live``, session cookie, every 15 s as the
  page polls), half on the commune being scanned, half on its busy villages: each answers from
  the unit's progress snapshot (304 while it is unchanged) and the first poll after the snapshot
  is ``TRACKER_PROGRESS_MAX_AGE`` old recomputes it.

Half the screens are training pages (``/trainings/{id}/live``, session cookie: the counts and the
rows that changed, rendered), half scanners (``/api/v1/trainings/{id}/count``, bearer: the count
and who is in); they poll every 4 s (pages) or 5 s (scanners), ±10 %, with If-None-Match, as
``static/js/live.js`` does. Each screen opens (one whole answer) before the round starts. The
pollers run in a process of their own. Printed: check-in throughput and p50/p95/p99 per kind of
round, the ratios to quiet rounds, what the polls cost, and the CPU the gunicorn workers spent
(from /proc: per check-in in quiet rounds, per poll beyond that in watched ones), a figure that
other load on the machine moves far less than throughput. PostgreSQL's own CPU is not in it.

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

from benchmarks.support import load_test, make_app, percentile, scratch_database, serve, server_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-password-9"


def seed(env, villages, people_per_village):
    """Migrate and seed a training going on now in each village, and as many idle ones elsewhere.

    Return the token, the session cookie, the busy and the idle trainings' ids, and the scans.
    """
    import flask_migrate
    from werkzeug.security import generate_password_hash

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
        idle = []
        for number in range(villages):
            code = f"66001{villages + number:02d}"
            village = Unit(code=code, name=f"Thôn {number}", level=UnitLevel.village, parent=commune,
                           path=f"/66/66001/{code}/")
            idle.append(Training(campaign=campaign, village=village, title=f"Kích hoạt VNeID {number}", topic="VNeID",
                                 starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=3)))
            rows += [village, idle[-1]]
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
        idle_ids = [training.id for training in idle]
        db.session.commit()
        db.engine.dispose()
    analyze(app)
    return token, _session_cookie(app), training_ids, idle_ids, _shuffled(scans)


def _shuffled(scans):
    # Interleave the villages, as scanners at many trainings at once would.
    random.Random(7).shuffle(scans)
    return scans


def analyze(app):
    """Refresh the planner's statistics, as a database in service has them (bulk-loaded tables have none)."""
    from tracker.extensions import db

    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def _session_cookie(app):
    """Sign the coordinator in through the login form once; the pages share the session cookie."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "bench.coord", "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302, response.status_code
    return f"session={client.get_cookie('session').value}"


def poll(port, url, headers, interval, stop, results):
    """One open screen: open it, then GET ``url`` with If-None-Match every ``interval`` s (±10 %) until ``stop``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", url, headers=headers)
    response = connection.getresponse()
    response.read()
    etag, rng = response.getheader("ETag"), random.Random()
    stop.wait(rng.uniform(0, interval))  # polls out of step, as screens opened at different moments
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
        body = response.read()
        results.append((response.status, time.perf_counter() - started, b'"roster"' in body))
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
    usage = os.times()
    queue.put((results, usage.user + usage.system))


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


def measured(port, run, *args):
    """Run ``run(*args)`` and return its result with the workers' CPU seconds it took."""
    before = server_cpu(port)
    result = run(*args)
    result["server_cpu"] = server_cpu(port) - before
    return result


def watched_round(port, headers, batch, concurrency, screens):
    """Send ``batch`` while the screens poll; return the check-in result and the polls."""
    stop, queue = multiprocessing.Event(), multiprocessing.Queue()
    process = multiprocessing.Process(target=pollers, args=(port, screens, stop, queue))
    process.start()
    time.sleep(6)  # every screen has opened
    result = measured(port, load_test, port, headers, batch, concurrency)
    stop.set()
    polls, cpu = queue.get(timeout=60)
    process.join(timeout=60)
    result["poller_cpu"] = cpu
    return result, polls


def dashboards_for(village_codes, count, cookie, interval):
    """Half on the commune's dashboard, half on its villages', as coordinators and committees open them."""
    units = ["66001" if number % 2 == 0 else village_codes[number // 2 % len(village_codes)] for number in range(count)]
    return [(f"/dashboard/live?unit={unit}", {"Cookie": cookie, "Accept": "application/json"}, interval)
            for unit in units]


WATCHED = ("busy", "idle", "dashboards")


def report(rounds, polls, args, database_url):
    print(f"database: {database_url.split(':')[0]}  gunicorn: {args.workers} workers × {args.threads} threads "
          f"(gthread)  scanners: {args.concurrency}  check-ins per round: {args.requests}  open screens: {args.screens}")
    print(f"{'round':8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for name, results in rounds.items():
        for result in results:
            lat = result["latencies"]
            print(f"{name:8} {result['throughput']:>8.0f} {percentile(lat, 0.5) * 1000:>8.1f} "
                  f"{percentile(lat, 0.95) * 1000:>8.1f} {percentile(lat, 0.99) * 1000:>8.1f}  {result['statuses']}")
    quiet = statistics.median(result["throughput"] for result in rounds["quiet"])
    per_checkin = sum(r["server_cpu"] for r in rounds["quiet"]) / sum(len(r["latencies"]) for r in rounds["quiet"])
    print(f"quiet: the workers spent {per_checkin * 1000:.2f} ms of CPU per check-in")
    for name in WATCHED:
        watched = statistics.median(result["throughput"] for result in rounds[name])
        p99 = max(percentile(r["latencies"], 0.99) for r in rounds[name]) * 1000
        wall = sum(len(r["latencies"]) / r["throughput"] for r in rounds[name])
        answered = polls[name]
        statuses = {}
        for status, _seconds, _whole in answered:
            statuses[status] = statuses.get(status, 0) + 1
        latencies = sorted(seconds for _status, seconds, _whole in answered)
        whole = sum(1 for _status, _seconds, is_whole in answered if is_whole)
        spent = sum(r["server_cpu"] for r in rounds[name]) - per_checkin * sum(len(r["latencies"]) for r in rounds[name])
        print(f"{name}: check-ins at {watched / quiet:.0%} of quiet throughput, worst p99 {p99:.1f} ms; "
              f"{len(answered)} polls ({len(answered) / wall:.1f}/s) answered {statuses}, p50 "
              f"{percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
              f"{whole} with the whole roster; the pollers' own process used "
              f"{sum(r['poller_cpu'] for r in rounds[name]):.1f} s of CPU in {wall:.0f} s")
        print(f"{name}: the workers spent {spent / max(len(answered), 1) * 1000:.2f} ms of CPU per poll beyond the "
              f"check-ins: the {args.screens} screens took {spent / wall:.0%} of one core")
    worst = max(percentile(r["latencies"], 0.99) for r in rounds["quiet"]) * 1000
    print(f"quiet: worst p99 {worst:.1f} ms")
    failed = [r["statuses"] for results in rounds.values() for r in results if set(r["statuses"]) - {201}]
    bad_polls = {status for answered in polls.values() for status, _s, _w in answered} - {200, 304}
    if failed or bad_polls:
        print(f"INVALID RUN: errors {failed} / polls {bad_polls}; the figures above do not count")
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
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each kind, taking turns")
    parser.add_argument("--dashboard-poll", type=float, default=15.0,
                        help="seconds between a dashboard's polls (TRACKER_DASHBOARD_POLL)")
    args = parser.parse_args()
    scans_needed = (len(WATCHED) + 1) * args.rounds * args.requests + args.requests // 2
    per_village = -(-scans_needed // args.villages)
    with scratch_database(args.postgresql) as (database_url, instance):
        env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance,
               "TRACKER_SCHEDULER": "off"}
        token, cookie, training_ids, idle_ids, scans = seed(env, args.villages, per_village)
        screens = {"busy": screens_for(training_ids, args.screens, token, cookie),
                   "idle": screens_for(idle_ids, args.screens, token, cookie),
                   "dashboards": dashboards_for([f"66001{n:02d}" for n in range(args.villages)], args.screens,
                                                cookie, args.dashboard_poll)}
        gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(args.workers),
                    "--threads", str(args.threads), "--log-level", "warning"]
        kinds = ("quiet", *WATCHED)
        rounds, polls = {kind: [] for kind in kinds}, {kind: [] for kind in WATCHED}
        with serve(gunicorn + ["wsgi:app"], env, ROOT) as port:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            load_test(port, headers, scans[: args.requests // 2], args.concurrency)  # warm up
            analyze(make_app(env))  # statistics with check-ins in them
            for number in range(len(kinds) * args.rounds):
                start = args.requests // 2 + number * args.requests
                batch, kind = scans[start: start + args.requests], kinds[number % len(kinds)]
                if kind == "quiet":
                    rounds["quiet"].append(measured(port, load_test, port, headers, batch, args.concurrency))
                else:
                    result, round_polls = watched_round(port, headers, batch, args.concurrency, screens[kind])
                    rounds[kind].append(result)
                    polls[kind] += round_polls
        report(rounds, polls, args, database_url)


if __name__ == "__main__":
    main()
