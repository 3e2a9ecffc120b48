"""A hand-written digest payload that follows docs/digest.md, for the page, chart, PDF and text tests."""
from datetime import UTC, date, datetime, timedelta

from tracker.digests.models import Digest

DAY = date(2025, 8, 20)
START, DEADLINE = date(2025, 7, 15), date(2025, 10, 25)


def sample_series(start=START, day=DAY, per_day=36):
    """One row a day from ``start`` to the day before ``day``, ``per_day`` people a day."""
    days = (day - start).days
    return [{"date": (start + timedelta(days=n)).isoformat(), "new_reached": per_day, "reached": per_day * (n + 1)}
            for n in range(days)]


def _training(id_, title, village, starts_at, ends_at, place="Nhà văn hóa thôn"):
    return {"id": id_, "title": title, "topic": "VNeID", "village": village, "place": place,
            "starts_at": starts_at, "ends_at": ends_at}


def sample_payload(**changes):
    """The digest of Xã Ea Kao for 20/08/2025 (day 37 of 103): 1,234 of 3,000 people reached."""
    ko_tam, dien_tan = {"code": "6600101", "name": "Buôn Ko Tam"}, {"code": "6600102", "name": "Thôn Điện Tân"}
    payload = {
        "campaign": {"id": 1, "name": "100 ngày cao điểm"},
        "unit": {"code": "66001", "name": "Xã Ea Kao", "level": "commune"},
        "date": DAY.isoformat(), "as_of": "2025-08-19T17:00:00+00:00",
        "start_date": START.isoformat(), "deadline": DEADLINE.isoformat(),
        "day_number": 37, "days_total": 103, "days_left": 67,
        "target": 3000, "reached": 1234, "reached_percent": 41.1,
        "new_reached_yesterday": 48, "checkins_yesterday": 61, "trainings_held_yesterday": 3,
        "trainings_held_total": 52, "required_daily_pace": 27, "pace_7d": 42.86,
        "projected_completion_date": "2025-10-01", "on_track": True,
        "villages_total": 2, "villages_reached": 1,
        "villages_not_reached": [{"code": "6600102", "name": "Thôn Điện Tân", "commune": "Xã Ea Kao"}],
        "ranking": [
            {"code": "6600101", "name": "Buôn Ko Tam", "target": 1200, "reached": 834, "percent": 69.5,
             "rank": 1, "rank_yesterday": 3, "rank_change": 2},
            {"code": "6600103", "name": "Buôn Tơng Jú", "target": 600, "reached": 300, "percent": 50.0,
             "rank": 2, "rank_yesterday": 1, "rank_change": -1},
            {"code": "6600102", "name": "Thôn Điện Tân", "target": 1800, "reached": 100, "percent": 5.6,
             "rank": 3, "rank_yesterday": 2, "rank_change": -1},
            {"code": "6600104", "name": "Thôn Mới", "target": None, "reached": 0, "percent": None,
             "rank": None, "rank_yesterday": None, "rank_change": None},
        ],
        "breakdown": {
            "gender": {"female": 700, "male": 530, "other": 4},
            "ethnic_minority": {"minority": 810, "majority": 424},
            "age_band": {"under_15": 0, "15-24": 300, "25-39": 420, "40-59": 380, "60+": 134},
            "topic": {"VNeID": 900, "Thanh toán không dùng tiền mặt": 410},
        },
        "indicators": [{"key": "vneid_level2", "name": "VNeID mức 2", "target": 2100, "reached": 640,
                        "reached_percent": 30.5}],
        "upcoming": [_training(11, "Cài đặt VNeID", ko_tam, "2025-08-20T01:00:00+00:00", "2025-08-20T03:00:00+00:00")],
        "stale": [_training(7, "Nhận diện lừa đảo", dien_tan, "2025-08-12T07:00:00+00:00",
                            "2025-08-12T09:00:00+00:00")],
        "series": sample_series(),
    }
    return payload | changes


def store_digest(db, campaign, unit, day=DAY, payload=None):
    """Store a digest row for ``unit`` with ``payload`` (the sample by default)."""
    digest = Digest(campaign=campaign, unit=unit, date=day, payload=payload or sample_payload(),
                    compiled_at=datetime(2025, 8, 19, 23, 0, tzinfo=UTC))
    db.session.add(digest)
    db.session.commit()
    return digest
