"""Where a check-in's time goes: cProfile around real requests through the Flask test client.

Single check-ins (``POST /api/v1/trainings/{id}/checkins``) and a 500-scan sync batch, each a
new row and its event, after a warm-up; prints the CPU time a check-in costs this process without
the profiler (the test client's share included), then under cProfile the statements each request
sent to the database, the CPU time by package and the functions that took the most time (own
time, and with what they call).

    .venv/bin/python benchmarks/profile_checkin.py [--postgresql] [--requests 500] [--top 30]
"""
import argparse
import collections
import cProfile
import io
import os
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import (  # noqa: E402
    checkin_request,
    make_app,
    scratch_database,
    seed_checkin_scenario,
    sync_request,
)


def statements(app):
    """Count the statements the app's engine executes (``counter[0]``), by a cursor event."""
    import sqlalchemy as sa

    from tracker.extensions import db

    counter = [0]
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *_args: counter.__setitem__(0, counter[0] + 1))
    return counter


def by_package(stats, count):
    """Return lines of own time per request grouped by where the code lives (a package, ours, the stdlib)."""
    totals = collections.Counter()
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():
        found = re.search(r"site-packages/([^/]+)", filename)
        if found:
            key = found.group(1).removesuffix(".py")
        elif "/tracker/" in filename:
            key = "tracker (ours)"
        else:
            key = "stdlib and builtins"
        totals[key] += own
    whole = sum(totals.values())
    return [f"  {key:24} {own * 1000 / count:6.2f} ms  {100 * own / whole:5.1f} %" for key, own in totals.most_common(12)]


def profile(send, items, top):
    """Send each item under cProfile; print the mean wall time, the process time by package and the top functions."""
    profiler = cProfile.Profile(time.process_time)
    started = time.perf_counter()
    profiler.enable()
    for item in items:
        send(item)
    profiler.disable()
    wall = (time.perf_counter() - started) / len(items)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write("CPU time per request by package (own time, under cProfile):\n" + "\n".join(by_package(stats, len(items))) + "\n\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return wall, out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    with scratch_database(args.postgresql) as (database_url, instance):
        env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance, "TRACKER_SCHEDULER": "off"}
        token, scans = seed_checkin_scenario(env, 2 * args.requests + 100 + 1000)
        app = make_app(env)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        counter = statements(app)

        def send(request, expected):
            def _send(item):
                path, body = request(item)
                response = client.post(path, json=body, headers=headers)
                assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
            return _send

        single = send(checkin_request, 201)
        for item in scans[:100]:
            single(item)
        plain = scans[100 + args.requests + 1000: 100 + 2 * args.requests + 1000]
        started = time.process_time()
        for item in plain:
            single(item)
        print(f"single check-in without the profiler: {(time.process_time() - started) * 1000 / len(plain):.2f} ms "
              f"of CPU per request ({len(plain)} requests)")
        counter[0] = 0
        wall, text = profile(single, scans[100: 100 + args.requests], args.top)
        print(f"single check-in: {wall * 1000:.2f} ms per request (under cProfile), "
              f"{counter[0] / args.requests:.1f} statements each")
        print(text)
        batches = [scans[100 + args.requests + i * 500: 100 + args.requests + (i + 1) * 500] for i in range(2)]
        sync = send(sync_request, 200)
        sync(batches[0])
        counter[0] = 0
        wall, text = profile(sync, batches[1:], args.top)
        print(f"500-scan sync batch: {wall * 1000:.0f} ms (under cProfile), {counter[0]} statements")
        print(text)


if __name__ == "__main__":
    main()
