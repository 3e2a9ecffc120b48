"""The daily digest at province scale against the plain SQL aggregates it needs, in the same run.

Against databases made by ``benchmarks/generate.py``, it times, alternating round by round:

- ``digest``: ``tracker.digests.figures.build_payload`` for the province (and for one commune of
  median population), the code every digest view, the API and the scheduler run;
- ``floor``: the plain SQL of ``benchmarks/digest_sql.py`` computing the same figures on the bare
  driver (``sqlite3`` / ``psycopg``, no ORM, no app);

then ``compile_digest`` of the province and the whole daily compile (province and every commune,
``compile_campaign``) once each, inside a transaction that is rolled back. It checks that the
digest and the floor give the same numbers and prints medians and ratios (SPEC §10: ≤ 3× the
floor). Given a second database generated at 10× the data, it prints the time ratio 10×/1×
(target ≤ 10×).

    .venv/bin/python benchmarks/digest.py sqlite:////tmp/bench/bench_1x.sqlite3 sqlite:////tmp/bench/bench_10x.sqlite3
    .venv/bin/python benchmarks/digest.py postgresql+psycopg://postgres@127.0.0.1/bench_1x …/bench_10x --rounds 5
"""
import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.digest_sql import Floor  # noqa: E402
from benchmarks.generate import make_app  # noqa: E402
from tracker.core.time import day_bounds  # noqa: E402

COMPARED = ("target", "reached", "new_reached_yesterday", "checkins_yesterday", "trainings_held_total",
            "trainings_held_yesterday", "villages_total", "villages_reached", "upcoming_total", "stale_total")


def connect_floor(url, tz_name, work_mem):
    """Open the bare driver connection the floor runs on (on PostgreSQL with the digest's ``work_mem``)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        return Floor(sqlite3.connect(parsed.database, isolation_level=None), False, tz_name)
    import psycopg

    connection = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    connection.execute("SELECT set_config('work_mem', %s, false)", (work_mem,))
    connection.commit()
    return Floor(connection, True, tz_name)


def comparable(payload):
    """Return the payload's figures in the floor's shape."""
    breakdown = payload["breakdown"]
    return {**{key: payload[key] for key in COMPARED},
            "ranking": [(row["code"], row["reached"], row["rank"]) for row in payload["ranking"]],
            "groups": {group: breakdown[group] for group in ("gender", "ethnic_minority", "age_band")},
            "topic": breakdown["topic"],
            "series": [(row["date"], row["new_reached"]) for row in payload["series"] if row["new_reached"]],
            "indicators": [(row["key"], row["reached"]) for row in payload["indicators"]]}


def floor_comparable(figures):
    """Return the floor's figures in the same shape as ``comparable``."""
    groups = {"gender": dict.fromkeys(("female", "male", "other"), 0),
              "ethnic_minority": dict.fromkeys(("minority", "majority"), 0),
              "age_band": dict.fromkeys(("under_15", "15-24", "25-39", "40-59", "60+"), 0)}
    for gender, minority, band, count in figures["breakdown"]:
        groups["gender"][gender] += count
        groups["ethnic_minority"][minority] += count
        groups["age_band"][band] += count
    return {**{key: figures[key] for key in COMPARED}, "ranking": figures["ranking"], "groups": groups,
            "topic": figures["topic"], "series": figures["series"], "indicators": figures["indicators"]}


def mismatches(payload, figures):
    """Return the keys on which the digest and the floor disagree, with both values."""
    ours, theirs = comparable(payload), floor_comparable(figures)
    return {key: (ours[key], theirs[key]) for key in ours if ours[key] != theirs[key]}


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def race(digest, floor, rounds):
    """Run ``digest`` and ``floor`` alternately ``rounds`` times after a warm-up; return their times and results."""
    _, payload = timed(digest)
    _, figures = timed(floor)
    times = {"digest": [], "floor": []}
    for _ in range(rounds):
        times["digest"].append(timed(digest)[0])
        times["floor"].append(timed(floor)[0])
    return times, payload, figures


def median_commune(db, campaign):
    """Return the commune of median population (a typical commune's digest)."""
    import sqlalchemy as sa

    from tracker.geo.models import Unit, UnitLevel

    communes = db.session.scalars(sa.select(Unit).where(Unit.parent_id == campaign.unit_id, Unit.level == UnitLevel.commune)
                                  .order_by(Unit.population, Unit.code)).all()
    return communes[len(communes) // 2]


def measure(url, rounds, day, compile_all):
    """Return the timings of one database."""
    import sqlalchemy as sa

    from tracker.campaigns.models import Campaign
    from tracker.digests.figures import build_payload
    from tracker.digests.operations import compile_campaign, compile_digest
    from tracker.extensions import db

    app = make_app(url)
    result = {"url": url}
    with app.app_context():
        campaign = db.session.scalars(sa.select(Campaign).order_by(Campaign.id)).first()
        day = day or campaign.start_date + timedelta(days=100)
        floor = connect_floor(url, campaign.timezone, app.config["TRACKER_DIGEST_WORK_MEM"])
        result["people"] = db.session.scalar(sa.text("SELECT count(*) FROM participants"))
        result["checkins"] = db.session.scalar(sa.text("SELECT count(*) FROM checkins"))
        for name, unit in (("province", campaign.unit), ("commune", median_commune(db, campaign))):
            times, payload, figures = race(lambda u=unit: build_payload(campaign, u, day),
                                           lambda u=unit: floor.digest(campaign.id, u.id, str(u.level), u.path, day),
                                           rounds)
            result[name] = {"unit": unit.code, "times": times, "mismatches": mismatches(payload, figures),
                            "reached": payload["reached"]}
        now = day_bounds(day, campaign.timezone)[0] + timedelta(hours=6)  # the scheduler's 06:00
        result["compile_province"], _ = timed(lambda: compile_digest(campaign, campaign.unit, day, now=now))
        db.session.rollback()
        if compile_all:
            result["compile_all"], digests = timed(lambda: compile_campaign(campaign, day, now=now))
            result["digests"] = len(digests)
            db.session.rollback()
        result["day"] = day
        db.session.remove()
        db.engine.dispose()
    return result


def report(results):
    """Print medians, ratios and the cross-check of every database, then the 10×/1× ratio."""
    print(f"{'database':12} {'people':>10} {'check-ins':>11} {'digest':9} {'unit':6} {'median s':>9} {'floor s':>9} "
          f"{'ratio':>6}  target ≤ 3×")
    for result in results:
        kind = result["url"].split(":")[0].split("+")[0]
        for name in ("province", "commune"):
            times = result[name]["times"]
            ours, floor = statistics.median(times["digest"]), statistics.median(times["floor"])
            verdict = "met" if ours <= 3 * floor else "NOT met"
            print(f"{kind:12} {result['people']:>10,} {result['checkins']:>11,} {name:9} {result[name]['unit']:6} "
                  f"{ours:>9.3f} {floor:>9.3f} {ours / floor:>5.2f}×  {verdict}")
        line = f"  compile_digest (province, stored, rolled back): {result['compile_province']:.3f} s"
        if "compile_all" in result:
            line += f"; whole daily compile ({result['digests']} digests): {result['compile_all']:.1f} s"
        print(line)
        for name in ("province", "commune"):
            bad = result[name]["mismatches"]
            print(f"  cross-check {name}: " + ("the digest and the floor agree" if not bad else f"MISMATCH {bad}"))
    if len(results) == 2:
        small, large = results
        for name in ("province", "commune"):
            for side in ("digest", "floor"):
                ratio = statistics.median(large[name]["times"][side]) / statistics.median(small[name]["times"][side])
                print(f"{name} {side}: {large['checkins'] / small['checkins']:.1f}× the check-ins took {ratio:.2f}× "
                      f"the time" + (f" (target ≤ 10×: {'met' if ratio <= 10 else 'NOT met'})" if side == "digest" else ""))
    print(f"digest date {results[0]['day']}; measured {datetime.now():%Y-%m-%d %H:%M}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+", metavar="URL", help="a generated database (1×), then optionally the 10× one")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds of each side, alternating")
    parser.add_argument("--date", type=date.fromisoformat, help="digest date (default: the campaign's 101st day)")
    parser.add_argument("--skip-compile-all", action="store_true", help="do not time the province + every commune compile")
    args = parser.parse_args()
    results = [measure(url, args.rounds, args.date, not args.skip_compile_all) for url in args.urls[:2]]
    report(results)


if __name__ == "__main__":
    main()
