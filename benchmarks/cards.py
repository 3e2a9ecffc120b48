"""Printable cards: 1,000 participants' cards as one PDF (SPEC §10: ≤ 10 s).

Seeds a village of 1,000 people in a scratch SQLite database (migrated like production), then
times, in the same run and the same process:

- ``baseline``: the 1,000 bare QR matrices the cards need (qrcode, error correction M), the part
  no layout can avoid;
- ``builder``: ``village_cards_pdf`` — the query, 1,000 signed tokens, QR symbols and the A4 PDF;
- ``request``: ``GET /api/v1/participants/cards.pdf?village=…`` through the app (bearer token,
  query validation, scope checks, the PDF response).

Each is run ``--rounds`` times; the median is reported with its ratio to the baseline.

    .venv/bin/python benchmarks/cards.py
    .venv/bin/python benchmarks/cards.py --cards 2000 --rounds 5
"""
import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import make_app, scratch_database  # noqa: E402

TARGET_SECONDS = 10.0
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Thị Thanh", "Ngọc", "Hữu", "Thị Kim", "Minh"]
GIVEN = ["Hoa", "Đức", "Hương", "Dũng", "Yến", "Thắng", "Ánh", "Ổi", "Khánh", "Lộc", "Nhung", "Quý"]
EDE = ["H'Nga Niê Kdăm", "Y Bhim Niê", "Ksor Y Đhăm", "H'Lan Êban", "Y Kông Mlô"]


def person_name(number):
    """A Vietnamese or Ê Đê name, with diacritics, different for neighbouring numbers."""
    if number % 5 == 4:
        return EDE[number // 5 % len(EDE)]
    return f"{FAMILY[number % 13]} {MIDDLE[number % 8]} {GIVEN[number % 12]}"


def seed(app, count):
    """Store a province, commune, village, campaign, a coordinator and ``count`` people; return ids."""
    import flask_migrate

    from tracker.auth.models import Role, User
    from tracker.auth.operations import issue_token
    from tracker.campaigns.models import Campaign
    from tracker.cards.tokens import new_code
    from tracker.extensions import db
    from tracker.geo.models import Unit, UnitLevel
    from tracker.participants.models import Gender, Participant
    from tracker.participants.names import clean_name, fold_name

    flask_migrate.upgrade()
    province = Unit(code="66", name="Tỉnh Đắk Lắk", level=UnitLevel.province, path="/66/")
    commune = Unit(code="66001", name="Xã Ea Kao", level=UnitLevel.commune, parent=province, path="/66/66001/")
    village = Unit(code="6600101", name="Buôn Ko Tam", level=UnitLevel.village, parent=commune,
                   path="/66/66001/6600101/")
    campaign = Campaign(name="100 ngày cao điểm Bình dân học vụ số", unit=province,
                        start_date=date(2025, 7, 15), deadline=date(2025, 10, 25), topics=["VNeID"])
    coordinator = User(username="bench.coord", role=Role.coordinator, unit=commune, password_hash="!")
    codes = set()
    while len(codes) < count:
        codes.add(new_code())
    people = [Participant(code=code, full_name=clean_name(person_name(n)), search_name=fold_name(person_name(n)),
                          birth_year=1950 + n % 55, gender=Gender.female if n % 2 else Gender.male,
                          ethnicity="Ê Đê", village=village, consent=True) for n, code in enumerate(sorted(codes))]
    db.session.add_all([province, commune, village, campaign, coordinator, *people])
    db.session.flush()
    token, _record = issue_token(coordinator)
    db.session.commit()
    return village.id, coordinator.id, token


def timed(function, rounds):
    """Return the median wall time of ``rounds`` calls and the last result."""
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help="participants in the village")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()
    with scratch_database(postgresql=False) as (database_url, instance):
        env = {"TRACKER_ENV": "production", "TRACKER_SECRET_KEY": "benchmark-secret-key-0123456789",
               "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance, "TRACKER_SCHEDULER": "off"}
        app = make_app({**os.environ, **env})
        with app.app_context():
            village_id, user_id, token = seed(app, args.cards)
        measure(app, village_id, user_id, token, args)


def measure(app, village_id, user_id, token, args):
    """Time the baseline, the builder and the request; print the figures and the verdict."""
    from tracker.auth.models import User
    from tracker.cards.printing import village_cards_pdf
    from tracker.cards.render import qr_matrix
    from tracker.cards.tokens import make_token
    from tracker.extensions import db
    from tracker.geo.models import Unit
    from tracker.participants.models import Participant

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        village, user = db.session.get(Unit, village_id), db.session.get(User, user_id)
        tokens = [make_token(code) for code in db.session.scalars(db.select(Participant.code))]
        baseline, baseline_runs, _ = timed(lambda: [qr_matrix(token) for token in tokens], args.rounds)
        builder, builder_runs, pdf = timed(lambda: village_cards_pdf(village, pending=False, user=user), args.rounds)
    url = f"/api/v1/participants/cards.pdf?village={village.code}"
    request, request_runs, response = timed(lambda: client.get(url, headers=headers), args.rounds)
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), response.status_code
    pages = _pages(pdf)
    print(f"cards: {args.cards}  rounds: {args.rounds}  database: SQLite (migrated)  measured {datetime.now():%Y-%m-%d %H:%M}")
    print(f"{'measurement':34} {'median s':>9} {'× baseline':>11}  runs")
    for name, median, runs in [("baseline: bare QR matrices", baseline, baseline_runs),
                               ("builder: village_cards_pdf", builder, builder_runs),
                               ("request: GET …/cards.pdf", request, request_runs)]:
        print(f"{name:34} {median:>9.2f} {median / baseline:>10.2f}×  {', '.join(f'{run:.2f}' for run in runs)}")
    print(f"PDF: {len(pdf) / 1024:.0f} KiB, {pages} pages; per card {request / args.cards * 1000:.1f} ms")
    worst = max(builder_runs + request_runs)
    verdict = "met" if worst <= TARGET_SECONDS * args.cards / 1000 else "NOT met"
    print(f"{args.cards} cards as PDF: worst run {worst:.2f} s (target ≤ {TARGET_SECONDS * args.cards / 1000:.0f} s "
          f"for {args.cards} cards): {verdict}")


def _pages(pdf):
    try:
        import io

        from pypdf import PdfReader
    except ImportError:  # pypdf is a test extra
        return "?"
    return len(PdfReader(io.BytesIO(pdf)).pages)


if __name__ == "__main__":
    main()
