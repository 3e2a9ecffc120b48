"""Exports at province scale: a whole province's check-ins downloaded as CSV and XLSX, streamed.

    .venv/bin/python benchmarks/exports.py postgresql+psycopg://postgres@127.0.0.1:5432/bench_1x
    .venv/bin/python benchmarks/exports.py sqlite:////tmp/bench/bench_1x.sqlite3 --formats csv

Against a database made by ``generate.py``. Each download goes through the app's route
(``GET /units/CODE/checkins.csv|.xlsx`` signed in as an admin, read chunk by chunk as a client
would), smallest unit first: a village, a commune, then the province. For each it prints rows,
bytes, seconds, rows per second, the peak of Python memory during the download (tracemalloc,
``--tracemalloc``: it slows Python down about twofold) and how far the process's peak RSS grew.
The baseline is the database writing the same rows as CSV by itself (PostgreSQL ``COPY … TO
STDOUT``, or SQLite rows through the bare sqlite3 module and ``csv``), in the same run.
"""
import argparse
import csv
import io
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import make_app  # noqa: E402

BASELINE_SQL = """
SELECT t.id, t.title, t.starts_at, v.code, v.name, p.code, p.full_name, c.scanned_at, c.recorded_at, c.source,
       c.is_offline, c.voided_at, c.void_reason
FROM checkins c JOIN trainings t ON t.id = c.training_id JOIN units v ON v.id = t.village_id
JOIN participants p ON p.id = c.participant_id
WHERE v.path LIKE '{path}%' AND t.campaign_id = {campaign}
ORDER BY t.starts_at, t.id, c.scanned_at, c.id
"""
PASSWORD = "bench-exports-2025"


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sign_in(app):
    """Create (once) an admin at the province with a known password; return a signed-in test client."""
    import sqlalchemy as sa

    from tracker.auth.models import Role, User
    from tracker.extensions import db
    from tracker.geo.models import Unit, UnitLevel

    with app.app_context():
        province = db.session.scalar(sa.select(Unit).where(Unit.level == UnitLevel.province))
        user = db.session.scalar(sa.select(User).where(User.username == "bench-exports"))
        if user is None:
            user = User(username="bench-exports", role=Role.admin, unit=province)
            db.session.add(user)
        user.set_password(PASSWORD)
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-exports", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def units_to_export(app):
    """Return ``[(label, code, path)]``: the busiest village, the busiest commune, the province; and the campaign id."""
    import sqlalchemy as sa

    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.geo.models import Unit, UnitLevel
    from tracker.trainings.models import Training

    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        busiest = {}
        for level, key in ((UnitLevel.village, Training.village_id), (UnitLevel.commune, Unit.parent_id)):
            unit_id = db.session.scalar(sa.select(key).select_from(Training).join(Unit, Unit.id == Training.village_id)
                                        .group_by(key).order_by(sa.func.count().desc()).limit(1))
            busiest[level] = db.session.get(Unit, unit_id)
        province = db.session.get(Unit, campaign.unit_id)
        units = [("village", busiest[UnitLevel.village]), ("commune", busiest[UnitLevel.commune]),
                 ("province", province)]
        return [(label, unit.code, unit.path) for label, unit in units], campaign.id


def baseline(app, path, campaign_id):
    """Return (rows, bytes, seconds) of the database writing the rows as CSV itself."""
    from tracker.extensions import db

    sql = BASELINE_SQL.format(path=path, campaign=campaign_id)
    started = time.perf_counter()
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "postgresql":
                size = rows = 0
                with raw.driver_connection.cursor().copy(f"COPY ({sql}) TO STDOUT WITH CSV") as copy:
                    for data in copy:
                        size, rows = size + len(data), rows + bytes(data).count(b"\n")
            else:
                buffer, writer, size, rows = io.StringIO(), None, 0, 0
                writer = csv.writer(buffer)
                for row in raw.driver_connection.execute(sql):
                    writer.writerow(row)
                    rows += 1
                    if rows % 2000 == 0:
                        size += len(buffer.getvalue().encode())
                        buffer.seek(0)
                        buffer.truncate()
                size += len(buffer.getvalue().encode())
        finally:
            raw.close()
    return rows, size, time.perf_counter() - started


def download(client, url, *, trace):
    """GET ``url`` chunk by chunk; return (rows or None, bytes, seconds, peak MiB or None)."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.is_streamed, response.status_code
    size = lines = 0
    for chunk in response.response:
        size, lines = size + len(chunk), lines + chunk.count(b"\r\n")
    response.close()
    seconds = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return (lines - 1 if url.endswith(".csv") else None), size, seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a database made by generate.py")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--xlsx-units", default="village,commune",
                        help="the units exported as XLSX too (the province's takes minutes)")
    parser.add_argument("--units", default="village,commune,province", help="which of the three to export")
    parser.add_argument("--tracemalloc", action="store_true", help="measure the peak of Python memory")
    args = parser.parse_args()
    app = make_app(args.url)
    client = sign_in(app)
    units, campaign_id = units_to_export(app)
    print(f"start: max RSS {max_rss_mib():.0f} MiB")
    print("| unit | format | rows | MiB sent | seconds | rows/s | baseline s (DB writes CSV) | × baseline "
          "| peak Python MiB | max RSS MiB after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, code, path in units:
        if label not in args.units.split(","):
            continue
        base_rows, _base_size, base_seconds = baseline(app, path, campaign_id)
        for extension in args.formats.split(","):
            if extension == "xlsx" and label not in args.xlsx_units.split(","):
                continue
            url = f"/units/{code}/checkins.{extension}?campaign_id={campaign_id}"
            rows, size, seconds, peak = download(client, url, trace=args.tracemalloc)
            rows = rows if rows is not None else base_rows
            assert rows == base_rows, (rows, base_rows)
            print(f"| {label} {code} | {extension} | {rows:,} | {size / 2**20:,.1f} | {seconds:,.1f} "
                  f"| {rows / seconds:,.0f} | {base_seconds:,.2f} | {seconds / base_seconds:,.1f}× "
                  f"| {'' if peak is None else f'{peak:.1f}'} | {max_rss_mib():.0f} |", flush=True)


if __name__ == "__main__":
    main()
