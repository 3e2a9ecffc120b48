"""Generate a province at SPEC §9's scale into an empty database, in bulk.

One province, ~100 communes, ~2,500 villages (300–3,000 adults each), ~500,000 participants,
~25,000 trainings and ~1,500,000 check-ins over the first 100 days of a 103-day campaign, with
per-commune and per-village targets, three outcome indicators, voided check-ins, cancelled
trainings (some after they were held), stale ones, people trained outside their home commune,
and offline scans synced hours later. ``--scale`` multiplies communes, villages and people
alike (0.1, 1, 10); the same ``--seed`` gives the same rows.

The schema is built by the migrations (so every index is real), then rows are written straight
into the tables — COPY on PostgreSQL, Core ``insert()`` executemany on SQLite — in chunks, village
by village, so memory stays flat at 10×. No events are written for these bulk rows (the digest
does not read events); every constraint holds: unique codes and scan ids, one counting check-in
per person and training, ends after starts, scans inside their training's window, UTC instants.
Afterwards the tables are analysed (VACUUM ANALYZE / ANALYZE) as a running database would be.

    .venv/bin/python benchmarks/generate.py --sqlite /tmp/bench_1x.sqlite3
    .venv/bin/python benchmarks/generate.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench_1x --create
    .venv/bin/python benchmarks/generate.py --scale 10 --database-url …/bench_10x --create
"""
import argparse
import math
import os
import sys
import time
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.province import (  # noqa: E402
    DEADLINE,
    INDICATORS,
    PARTICIPANT_COLUMNS,
    START,
    TIMEZONE,
    TOPICS,
    participant_rows,
    plan_province,
)
from benchmarks.province_activity import (  # noqa: E402
    CHECKIN_COLUMNS,
    OUTCOME_COLUMNS,
    TRAINING_COLUMNS,
    Counter,
    Users,
    attendance_rows,
    training_rows,
)
from tracker.core.time import combine_local  # noqa: E402

CHUNK = 50_000
BIG_TABLES = ("participants", "trainings", "checkins", "outcomes")
ID_TABLES = ("units", "users", "campaigns", "indicators", *BIG_TABLES)


class Progress:
    """Count rows per table, time each phase and print the pace every few seconds."""

    def __init__(self):
        self.started = self.last = self.phase_started = time.perf_counter()
        self.rows, self.phase_rows = {}, 0

    def add(self, table, count):
        """Record ``count`` more rows written to ``table``."""
        self.rows[table] = self.rows.get(table, 0) + count
        self.phase_rows += count
        if time.perf_counter() - self.last > 10:
            self.last = time.perf_counter()
            print(f"  {table}: {self.rows[table]:,} rows ({self.phase_rows / (self.last - self.phase_started):,.0f} "
                  "rows/s in this phase)", flush=True)

    def phase(self, name):
        """Print the rows and pace of the phase that ends now and start the next one."""
        elapsed = time.perf_counter() - self.phase_started
        print(f"{name}: {self.phase_rows:,} rows in {elapsed:,.1f} s ({self.phase_rows / max(elapsed, 1e-9):,.0f} rows/s)",
              flush=True)
        self.phase_started, self.phase_rows = time.perf_counter(), 0

    def report(self):
        """Print the rows of every table and the overall pace."""
        elapsed = time.perf_counter() - self.started
        print("  ".join(f"{table} {rows:,}" for table, rows in self.rows.items()))
        print(f"rows written in {elapsed:,.1f} s ({sum(self.rows.values()) / elapsed:,.0f} rows/s overall)")


class Sink:
    """Writes lists of row tuples into a table: COPY on PostgreSQL, Core executemany on SQLite."""

    def __init__(self, db, progress):
        self.db, self.progress = db, progress
        self.postgresql = db.engine.dialect.name == "postgresql"
        self.connection = db.engine.connect()
        if not self.postgresql:
            self.connection.exec_driver_sql("PRAGMA synchronous=OFF")
        else:
            self.connection.exec_driver_sql("SET synchronous_commit = off")

    def write(self, table, columns, rows):
        """Write ``rows`` (tuples in ``columns`` order) and commit.

        On PostgreSQL a writer thread feeds COPY, so the server's work (indexes, foreign-key
        checks) overlaps with this process making the next rows.
        """
        if not rows:
            return
        if self.postgresql:
            from psycopg.copy import QueuedLibpqWriter

            driver = self.connection.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN",
                                                        writer=QueuedLibpqWriter(cursor)) as copy:
                for row in rows:
                    copy.write_row(row)
            driver.commit()
        else:
            self.connection.execute(self.db.metadata.tables[table].insert(), [dict(zip(columns, row)) for row in rows])
            self.connection.commit()
        self.progress.add(table, len(rows))

    def write_dicts(self, table, rows):
        """Write small tables through Core ``insert()`` (defaults and types applied) and commit."""
        rows = list(rows)
        self.connection.execute(self.db.metadata.tables[table].insert(), rows)
        self.connection.commit()
        self.progress.add(table, len(rows))


def write_setup(sink, plan, users):
    """Write the units, accounts, campaign, targets and indicators."""
    created = combine_local(START - timedelta(days=30), dtime(8), TIMEZONE)
    stamp = {"created_at": created, "updated_at": created}
    population = {c.id: sum(plan.villages[v].population for v in c.villages) for c in plan.communes}
    province = {"id": 1, "code": "66", "name": "Tỉnh Đắk Lắk", "level": "province", "parent_id": None,
                "population": sum(population.values()), "path": "/66/", **stamp}
    communes = [{"id": c.id, "code": c.code, "name": c.name, "level": "commune", "parent_id": 1,
                 "population": population[c.id], "path": f"/66/{c.code}/", **stamp} for c in plan.communes]
    villages = [{"id": v.id, "code": v.code, "name": v.name, "level": "village", "parent_id": plan.communes[v.commune].id,
                 "population": v.population, "path": f"/66/{plan.communes[v.commune].code}/{v.code}/", **stamp}
                for v in plan.villages]
    sink.write_dicts("units", [province, *communes, *villages])
    sink.write_dicts("users", [{**row, "password_hash": "!", "is_active": True, "created_at": created}
                               for row in users.rows(1)])
    sink.write_dicts("campaigns", [{"id": 1, "name": "100 ngày cao điểm Bình dân học vụ số", "unit_id": 1,
                                    "start_date": START, "deadline": DEADLINE, "timezone": TIMEZONE,
                                    "digest_time": dtime(6), "target": None,
                                    "topics": TOPICS, "created_at": created}])
    targets = {row["id"]: math.ceil(round(row["population"] * plan.rate, 6)) for row in [*communes, *villages]}
    sink.write_dicts("targets", [{"campaign_id": 1, "unit_id": unit_id, "target": target, "rate": plan.rate}
                                 for unit_id, target in targets.items()])
    sink.write_dicts("indicators", [{"id": n, "campaign_id": 1, "key": key, "name": name, "position": n}
                                    for n, (key, name, _share, _target) in enumerate(INDICATORS, start=1)])
    sink.write_dicts("indicator_targets", [
        {"indicator_id": n, "unit_id": c.id, "target": math.ceil(targets[c.id] * share), "rate": None}
        for n, (_key, _name, _ticked, share) in enumerate(INDICATORS, start=1) for c in plan.communes])


def write_people_and_trainings(sink, plan, users):
    """Stream the participants, then the trainings, village by village."""
    for table, columns, rows_of in (("participants", PARTICIPANT_COLUMNS, lambda v: participant_rows(plan, v, users)),
                                    ("trainings", TRAINING_COLUMNS, lambda v: training_rows(plan, v, users, 1))):
        buffer = []
        for village in plan.villages:
            buffer.extend(rows_of(village))
            if len(buffer) >= CHUNK:
                sink.write(table, columns, buffer)
                buffer = []
        sink.write(table, columns, buffer)
        sink.progress.phase(table)


def write_attendance(sink, plan, users):
    """Stream the check-ins and the outcomes ticked at them, village by village."""
    ids, checkins, outcomes = Counter(), [], []
    for village in plan.villages:
        more_checkins, more_outcomes = attendance_rows(plan, village, users, ids)
        checkins.extend(more_checkins)
        outcomes.extend(more_outcomes)
        if len(checkins) >= CHUNK:
            sink.write("checkins", CHECKIN_COLUMNS, checkins)
            sink.write("outcomes", OUTCOME_COLUMNS, outcomes)
            checkins, outcomes = [], []
    sink.write("checkins", CHECKIN_COLUMNS, checkins)
    sink.write("outcomes", OUTCOME_COLUMNS, outcomes)
    sink.progress.phase("check-ins and outcomes")


def finish(db):
    """Move the id sequences past the written ids and analyse the tables."""
    started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ID_TABLES:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))")
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.commit()
    print(f"sequences and ANALYZE in {time.perf_counter() - started:,.1f} s")


def prepare_database(args):
    """Return the SQLAlchemy URL to fill, creating (or refusing to overwrite) the database."""
    if args.sqlite:
        path = Path(args.sqlite).resolve()
        if path.exists():
            if not args.replace:
                sys.exit(f"{path} exists; pass --replace to overwrite it")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = args.database_url
    if args.create:
        import psycopg
        import sqlalchemy as sa

        parsed = sa.make_url(url)
        if not parsed.database.startswith("bench_"):
            sys.exit("--create drops and recreates the database: its name must start with bench_")
        admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{parsed.database}"')
    return url


def make_app(url):
    """Create the tracker on ``url`` (demo settings: no mail, no scheduler)."""
    from tracker import create_app
    from tracker.config import Config

    os.environ.setdefault("TRACKER_INSTANCE_PATH", str(Path(os.environ.get("TMPDIR", "/tmp")) / "tracker-bench"))
    config = Config()
    config.TRACKER_ENV, config.SECRET_KEY, config.TRACKER_SCHEDULER = "demo", "benchmark-secret-key-0123456789", "off"
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", metavar="PATH", help="a SQLite file to create")
    where.add_argument("--database-url", help="an empty PostgreSQL database (postgresql+psycopg://…)")
    parser.add_argument("--create", action="store_true", help="drop and create the PostgreSQL database (bench_* only)")
    parser.add_argument("--replace", action="store_true", help="overwrite an existing SQLite file")
    parser.add_argument("--scale", type=float, default=1.0, help="1 is SPEC §9's province (0.1, 1, 10)")
    parser.add_argument("--seed", type=int, default=66)
    args = parser.parse_args()
    import flask_migrate

    from tracker.extensions import db

    url = prepare_database(args)
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade()
        print(f"schema migrated in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        plan = plan_province(args.scale, args.seed)
        print(f"planned {len(plan.communes):,} communes, {len(plan.villages):,} villages, "
              f"{sum(v.people for v in plan.villages):,} people, {plan.next_id['trainings'] - 1:,} trainings "
              f"in {time.perf_counter() - started:.1f} s (scale {args.scale:g}, seed {args.seed})", flush=True)
        progress, users = Progress(), Users(plan.communes)
        sink = Sink(db, progress)
        write_setup(sink, plan, users)
        progress.phase("units, accounts, campaign, targets, indicators")
        write_people_and_trainings(sink, plan, users)
        write_attendance(sink, plan, users)
        sink.connection.close()
        progress.report()
        finish(db)
        print(f"total {time.perf_counter() - progress.started:,.1f} s")


if __name__ == "__main__":
    main()
