"""Where a check-in's time goes: per-request cost in one process (Flask test client, no server).

Compares, in the same run: a bare Flask JSON endpoint, an authenticated request that finds no
route (token lookup + error), reading one training, and a real check-in (new row, event,
commit). Ratios are against the bare endpoint.

    .venv/bin/python benchmarks/checkin_breakdown.py [--postgresql] [--requests 1000]
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bare_app import app as bare_app  # noqa: E402
from benchmarks.support import make_app, scratch_database, seed_checkin_scenario  # noqa: E402


def per_request(send, count):
    """Return the mean seconds per call of ``send(i)`` over ``count`` calls."""
    started = time.perf_counter()
    for number in range(count):
        send(number)
    return (time.perf_counter() - started) / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    with scratch_database(args.postgresql) as (database_url, instance):
        env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance, "TRACKER_SCHEDULER": "off"}
        token, scans = seed_checkin_scenario(env, args.requests + 100)
        client, bare = make_app(env).test_client(), bare_app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        training_id = scans[0][0]
        for warm_training, body in scans[:100]:
            client.post(f"/api/v1/trainings/{warm_training}/checkins", json=body, headers=headers)
        rows = [
            ("bare Flask JSON endpoint", per_request(
                lambda i: bare.post(f"/api/v1/trainings/{training_id}/checkins", json=scans[100 + i][1]), args.requests)),
            ("token + unknown route (404)", per_request(
                lambda i: client.get("/api/v1/nothing-here", headers=headers), args.requests)),
            ("token + GET one training", per_request(
                lambda i: client.get(f"/api/v1/trainings/{training_id}", headers=headers), args.requests)),
            ("token + check-in (new row)", per_request(
                lambda i: client.post(f"/api/v1/trainings/{scans[100 + i][0]}/checkins", json=scans[100 + i][1],
                                      headers=headers), args.requests)),
        ]
    base = rows[0][1]
    print(f"database: {database_url.split(':')[0]}  requests per row: {args.requests}  (one process, sequential)")
    for name, seconds in rows:
        print(f"{name:32} {seconds * 1000:7.2f} ms/request  {seconds / base:6.1f}× bare")


if __name__ == "__main__":
    main()
