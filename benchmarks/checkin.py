"""Check-in throughput and latency through gunicorn, against a bare Flask JSON endpoint.

Both apps are served the same way (gunicorn, same workers and threads, loopback) in the same
run, and the same client sends the same scans to both; the tracker's figure is reported as a
ratio of the bare endpoint's (SPEC §10: ≥ 50 %, p99 ≤ 50 ms at 32 concurrent scanners).
Every tracker request is a real first check-in (a new row, its event, the training held).

    .venv/bin/python benchmarks/checkin.py                 # SQLite in a temporary folder
    .venv/bin/python benchmarks/checkin.py --postgresql    # a throwaway database on 127.0.0.1:5432
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import (  # noqa: E402
    load_test,
    scratch_database,
    seed_checkin_scenario,
    serve,
    summarise,
)

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true", help="use PostgreSQL instead of SQLite")
    parser.add_argument("--requests", type=int, default=3000, help="scans per measured round")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent scanners")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per app, alternating")
    args = parser.parse_args()
    with scratch_database(args.postgresql) as (database_url, instance):
        env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance,
               "TRACKER_SCHEDULER": "off"}
        scans_needed = (args.rounds + 1) * args.requests
        token, scans = seed_checkin_scenario(env, scans_needed)
        rounds = {"bare": [], "tracker": []}
        gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(args.workers),
                    "--threads", str(args.threads), "--log-level", "warning"]
        with serve(gunicorn + ["benchmarks.bare_app:app"], env, ROOT) as bare_port, \
                serve(gunicorn + ["wsgi:app"], env, ROOT) as app_port:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            warm = scans[: args.requests // 10]
            load_test(bare_port, headers, warm, args.concurrency)
            load_test(app_port, headers, warm, args.concurrency)
            for number in range(args.rounds):
                batch = scans[(number + 1) * args.requests: (number + 2) * args.requests]
                rounds["bare"].append(load_test(bare_port, headers, batch, args.concurrency))
                rounds["tracker"].append(load_test(app_port, headers, batch, args.concurrency))
        summarise(rounds, database_url, args)


if __name__ == "__main__":
    main()
