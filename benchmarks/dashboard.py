"""The dashboard at province scale: what a reader waits for, against a plain page of the same app.

    .venv/bin/python benchmarks/dashboard.py postgresql+psycopg://postgres@127.0.0.1:5432/bench_1x
    .venv/bin/python benchmarks/dashboard.py sqlite:////tmp/bench/bench_1x.sqlite3 --requests 20

Against a database made by ``generate.py``, through the app's routes in-process (Flask's test
client, signed in as an admin of the province), it times, request by request, alternating:

- ``baseline``: the sign-in page (a template rendered, no query): what any page costs here;
- ``province``: ``/dashboard`` of the whole province with its figures' snapshot fresh (what every
  reader gets: the scheduler keeps it fresh), and ``/dashboard/live`` answered 200 and 304;
- ``commune``: ``/dashboard?unit=CODE`` of the median commune, fresh, and stale (the figures computed
  for the request, as the first reader after a minute gets them);
- ``public``: the public page of the province (no sign-in);

then the scheduler's refresh of the province's snapshot (``refresh_snapshot``: the digest's figures as
of now, ``--refreshes`` times) alternating with the digest of the campaign's last day (the same work). It prints medians and p95 in milliseconds and each as a ratio of the
baseline, and checks that the province's figures equal ``build_payload_at`` for the same instant.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.exports import sign_in  # noqa: E402
from benchmarks.generate import make_app  # noqa: E402


def timed(client, url, headers=None, expect=200, before=None):
    """Return the milliseconds one request takes (``before`` runs first, untimed)."""
    if before:
        before()
    started = time.perf_counter()
    response = client.get(url, headers=headers or {})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == expect, (url, response.status_code)
    return elapsed, response


def summary(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=30, help="requests per kind (default 30)")
    parser.add_argument("--refreshes", type=int, default=2, help="province refreshes timed (default 2)")
    args = parser.parse_args()

    import sqlalchemy as sa

    from tracker.campaigns.models import Campaign
    from tracker.campaigns.queries import campaign_today
    from tracker.core.time import utcnow
    from tracker.digests.figures import build_payload, build_payload_at
    from tracker.digests.models import ProgressSnapshot
    from tracker.digests.progress import refresh_snapshot
    from tracker.extensions import db
    from tracker.geo.models import Unit, UnitLevel

    app = make_app(args.database_url)
    app.config["TRACKER_PROGRESS_MAX_AGE"] = 24 * 3600  # "fresh" while timing the readers
    client = sign_in(app)
    anonymous = app.test_client()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        campaign.is_public = True
        province = campaign.unit
        communes = db.session.scalars(sa.select(Unit).where(Unit.parent_id == province.id,
                                                            Unit.level == UnitLevel.commune)
                                      .order_by(Unit.population, Unit.code)).all()
        commune = communes[len(communes) // 2]
        refreshes, digests = [], []
        last_day = min(campaign.deadline, campaign_today(campaign))
        for _ in range(args.refreshes):  # alternating with the digest of the last day, the same work
            started = time.perf_counter()
            moment = utcnow()
            snapshot = refresh_snapshot(campaign, province, now=moment)
            db.session.commit()
            refreshes.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_payload(campaign, province, last_day)
            db.session.rollback()
            digests.append(time.perf_counter() - started)
        assert snapshot.payload == build_payload_at(campaign, province, moment), "the dashboard and the digest differ"
        db.session.rollback()
        ids = (campaign.id, commune.id, commune.code)

    def make_commune_stale():
        with app.app_context():
            db.session.execute(sa.delete(ProgressSnapshot).where(ProgressSnapshot.unit_id == ids[1]))
            db.session.commit()

    _ms, live = timed(client, "/dashboard/live")
    etag = live.headers["ETag"]
    kinds = {
        "baseline (sign-in page)": lambda: timed(anonymous, "/login")[0],
        "province /dashboard": lambda: timed(client, "/dashboard")[0],
        "province /dashboard/live 200": lambda: timed(client, "/dashboard/live")[0],
        "province /dashboard/live 304": lambda: timed(client, "/dashboard/live", {"If-None-Match": etag}, 304)[0],
        "commune /dashboard (fresh)": lambda: timed(client, f"/dashboard?unit={ids[2]}")[0],
        "commune /dashboard (computed)": lambda: timed(client, f"/dashboard?unit={ids[2]}",
                                                       before=make_commune_stale)[0],
        "province public page": lambda: timed(anonymous, f"/public/campaigns/{ids[0]}")[0],
    }
    for kind in kinds.values():  # warm every path once
        kind()
    found = {name: [] for name in kinds}
    for _ in range(args.requests):
        for name, kind in kinds.items():
            found[name].append(kind())
    base = statistics.median(found["baseline (sign-in page)"])
    print(f"database: {args.database_url.split('@')[-1]} · {args.requests} requests each, alternating")
    print(f"{'':34}{'median ms':>10}{'p95 ms':>9}{'× baseline':>12}")
    for name, values in found.items():
        median, p95 = summary(values)
        print(f"{name:34}{median:10.1f}{p95:9.1f}{median / base:12.1f}")
    print(f"province snapshot refresh (scheduler): {', '.join(f'{value:.2f} s' for value in refreshes)}"
          f" · the digest of {last_day}: {', '.join(f'{value:.2f} s' for value in digests)}"
          f" · ratio {statistics.median(refreshes) / statistics.median(digests):.2f}")


if __name__ == "__main__":
    main()
