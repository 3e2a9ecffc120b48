"""Check-in through gunicorn against a bare Flask endpoint and against the floor, in the same run.

Three apps are served the same way (gunicorn, the same workers and threads, loopback) on the
same database, and the same client drives them:

- ``bare``: Flask endpoints that parse the JSON and answer, touching no database
  (``benchmarks/bare_app.py``): what HTTP, gunicorn and Flask cost;
- ``floor``: the least a check-in must do, with raw psycopg/sqlite3 (``benchmarks/floor_app.py``):
  one lookup statement, the insert with its ``ON CONFLICT`` guard, the event, the commit;
- ``tracker``: the real thing (``wsgi:app``).

For each number of concurrent scanners, single check-ins (``POST /api/v1/trainings/{id}/checkins``)
and 500-scan sync batches (``POST /api/v1/checkins/sync``): throughput, p50/p95/p99 per request,
and the tracker's throughput as a share of the floor's and of the bare endpoint's. Every
floor and tracker scan is a real first check-in (a new row and its event); the two never send
the same scan. Rounds alternate between the apps, so the machine's noise falls on all three.
Targets (issue 11, PostgreSQL): single check-ins at ≥ 50 % of the floor's throughput, p99 ≤ 50 ms
at 32 scanners, a 500-scan batch ≤ 1 s.

    .venv/bin/python benchmarks/checkin.py                 # SQLite in a temporary folder
    .venv/bin/python benchmarks/checkin.py --postgresql    # a throwaway database on 127.0.0.1:5432
    .venv/bin/python benchmarks/checkin.py --postgresql --levels 32 --sync-levels 1,8   # a part
"""
import argparse
import os
import statistics
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import (  # noqa: E402
    checkin_request,
    load_test,
    percentile,
    scratch_database,
    seed_checkin_scenario,
    serve,
    server_cpu,
    sync_request,
)

ROOT = Path(__file__).resolve().parent.parent
APPS = {"bare": "benchmarks.bare_app:app", "floor": "benchmarks.floor_app:app", "tracker": "wsgi:app"}


def levels(text):
    return [int(part) for part in text.split(",") if part]


class Scans:
    """Hands out fresh scans; the bare endpoint may reuse the others' (it stores nothing)."""

    def __init__(self, scans):
        self.scans, self.next = scans, 0

    def take(self, count):
        if self.next + count > len(self.scans):
            raise RuntimeError("not enough seeded scans: raise the count in main()")
        self.next += count
        return self.scans[self.next - count: self.next]


def run(ports, headers, scans, mode, concurrency, count, rounds, batch):
    """Measure the three apps, alternating, for one mode and level; return ``{app: [results]}``."""
    results = {name: [] for name in APPS}
    request = checkin_request if mode == "single" else sync_request
    for _number in range(rounds):
        for name in ("floor", "tracker", "bare"):  # the bare endpoint stores nothing: it reuses the tracker's scans
            if name != "bare":
                flat = scans.take(count * (batch if mode == "sync" else 1))
                items = flat if mode == "single" else [flat[i: i + batch] for i in range(0, len(flat), batch)]
            cpu = server_cpu(ports[name])
            result = load_test(ports[name], headers, items, concurrency, request=request)
            result["scans"], result["cpu"] = len(flat), server_cpu(ports[name]) - cpu
            results[name].append(result)
    return results


def needed(args):
    single = sum(args.requests for _level in levels(args.levels)) * args.rounds * 2
    sync = sum(max(level, args.min_batches) * args.batch for level in levels(args.sync_levels)) * args.sync_rounds * 2
    warm = len(APPS) * (args.requests // 10 + args.batch)
    return single + sync + warm


def report(table, args, database_url):
    print(f"database: {database_url.split(':')[0]}  gunicorn: {args.workers} workers × {args.threads} threads (gthread), "
          f"loopback  single: {args.requests} per round × {args.rounds}  sync: {args.batch}-scan batches "
          f"× max(level, {args.min_batches}) per round × {args.sync_rounds}")
    print(f"{'mode':6} {'level':>5} {'app':8} {'req/s':>8} {'scans/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
          f" {'CPU ms':>7}  statuses   (CPU: the app's gunicorn workers, per scan)")
    verdicts = []
    for (mode, level), results in table.items():
        for name, rounds in results.items():
            for result in rounds:
                lat = result["latencies"]
                wall = len(lat) / result["throughput"]
                print(f"{mode:6} {level:>5} {name:8} {result['throughput']:>8.1f} {result['scans'] / wall:>8.0f} "
                      f"{percentile(lat, 0.5) * 1000:>8.1f} {percentile(lat, 0.95) * 1000:>8.1f} "
                      f"{percentile(lat, 0.99) * 1000:>8.1f} {result['cpu'] / result['scans'] * 1000:>7.2f}  "
                      f"{result['statuses']}")
        median = {name: statistics.median(r["throughput"] for r in rounds) for name, rounds in results.items()}
        p99 = max(percentile(r["latencies"], 0.99) for r in results["tracker"]) * 1000
        p50 = statistics.median(percentile(r["latencies"], 0.5) for r in results["tracker"]) * 1000
        floor_share, bare_share = median["tracker"] / median["floor"], median["tracker"] / median["bare"]
        cpu = {name: sum(r["cpu"] for r in rounds) / sum(r["scans"] for r in rounds) for name, rounds in results.items()}
        print(f"{mode:6} {level:>5} tracker = {floor_share:.0%} of the floor, {bare_share:.0%} of bare "
              f"(floor = {median['floor'] / median['bare']:.0%} of bare); tracker p50 {p50:.1f} ms, worst p99 {p99:.1f} ms; "
              f"CPU per scan: tracker {cpu['tracker'] * 1000:.2f} ms = {cpu['tracker'] / cpu['floor']:.1f}× the floor's")
        if mode == "single":
            verdicts.append(f"single @{level}: {floor_share:.0%} of the floor (target ≥ 50 %: "
                            f"{'met' if floor_share >= 0.5 else 'NOT met'})"
                            + (f", worst p99 {p99:.1f} ms (target ≤ 50 ms: {'met' if p99 <= 50 else 'NOT met'})"
                               if level == 32 else ""))
        else:
            verdicts.append(f"sync @{level}: a {args.batch}-scan batch p50 {p50:.0f} ms, worst p99 {p99:.0f} ms "
                            f"(target ≤ 1 s: {'met' if p99 <= 1000 else 'NOT met'})")
    for verdict in verdicts:
        print(verdict)
    failed = [(mode, level, name, r["statuses"]) for (mode, level), results in table.items()
              for name, rounds in results.items() if name != "bare" for r in rounds
              if set(r["statuses"]) - ({201} if mode == "single" else {200})]
    if failed:
        print(f"INVALID RUN: errors {failed}; the figures above do not count")
    print(f"measured {datetime.now():%Y-%m-%d %H:%M}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true", help="use PostgreSQL instead of SQLite")
    parser.add_argument("--levels", default="8,32,128", help="concurrent scanners sending single check-ins")
    parser.add_argument("--sync-levels", default="1,8,32,128", help="concurrent phones sending sync batches")
    parser.add_argument("--requests", type=int, default=3000, help="single check-ins per app per round")
    parser.add_argument("--rounds", type=int, default=2, help="single-check-in rounds per app and level")
    parser.add_argument("--batch", type=int, default=500, help="scans per sync batch")
    parser.add_argument("--min-batches", type=int, default=8, help="sync batches per round at least (else the level)")
    parser.add_argument("--sync-rounds", type=int, default=1, help="sync rounds per app and level")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    with scratch_database(args.postgresql) as (database_url, instance):
        env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance,
               "TRACKER_SCHEDULER": "off", "TRACKER_DATABASE_POOL_SIZE": str(args.threads)}
        token, seeded = seed_checkin_scenario(env, needed(args))
        scans = Scans(seeded)
        gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(args.workers),
                    "--threads", str(args.threads), "--log-level", "warning"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        table = {}
        with serve(gunicorn + [APPS["bare"]], env, ROOT) as bare, serve(gunicorn + [APPS["floor"]], env, ROOT) as floor, \
                serve(gunicorn + [APPS["tracker"]], env, ROOT) as tracker:
            ports = {"bare": bare, "floor": floor, "tracker": tracker}
            for port in ports.values():  # warm up: connections, imports, prepared statements
                load_test(port, headers, scans.take(args.requests // 10), 8)
                load_test(port, headers, [scans.take(args.batch)], 1, request=sync_request)
            print(f"warmed up; {len(seeded) - scans.next} scans left for the rounds", flush=True)
            for level in levels(args.levels):
                table["single", level] = run(ports, headers, scans, "single", level, args.requests, args.rounds,
                                             args.batch)
            for level in levels(args.sync_levels):
                table["sync", level] = run(ports, headers, scans, "sync", level, max(level, args.min_batches),
                                           args.sync_rounds, args.batch)
        report(table, args, database_url)


if __name__ == "__main__":
    main()
