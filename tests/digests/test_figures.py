"""Every SPEC §6 definition, pinned on the worked example (answers worked out by hand in the docstring
of tests/digests/worked_example.py), on SQLite and PostgreSQL."""
from datetime import date

import pytest
import sqlalchemy as sa

from tracker.campaigns.models import Target
from tracker.digests.figures import build_payload

SCALARS = ("day_number", "days_total", "days_left", "target", "reached", "reached_percent",
           "new_reached_yesterday", "checkins_yesterday", "trainings_held_yesterday", "trainings_held_total",
           "required_daily_pace", "pace_7d", "projected_completion_date", "on_track", "villages_total",
           "villages_reached")


def figures(worked, unit, day):
    payload = build_payload(worked.campaign, worked.units[unit], date(2025, 7, day))
    return payload, {key: payload[key] for key in SCALARS}


def expect(day_number, days_left, target, reached, percent, new, checkins, held_yesterday, held_total,
           required, pace, projected, on_track, villages, villages_reached):
    return {"day_number": day_number, "days_total": 10, "days_left": days_left, "target": target,
            "reached": reached, "reached_percent": percent, "new_reached_yesterday": new,
            "checkins_yesterday": checkins, "trainings_held_yesterday": held_yesterday,
            "trainings_held_total": held_total, "required_daily_pace": required, "pace_7d": pace,
            "projected_completion_date": projected, "on_track": on_track, "villages_total": villages,
            "villages_reached": villages_reached}


def test_the_start_day_has_nothing_reached_and_no_pace(worked):
    payload, scalars = figures(worked, "province", 15)
    # required: ceil(12 / 10) = 2; no day before the start, so no pace and no projection.
    assert scalars == expect(1, 10, 12, 0, 0.0, 0, 0, 0, 0, 2, 0.0, None, False, 3, 0)
    assert payload["series"] == []
    assert payload["upcoming_total"] == 2 and [t["title"] for t in payload["upcoming"]] == [
        "Lớp VNeID 15/7", "Lớp Dịch vụ công trực tuyến 16/7"]
    assert payload["stale_total"] == 0
    # Nobody reached: a tie, both ranked first; the unit with the smaller name first.
    assert [(r["code"], r["rank"], r["rank_change"]) for r in payload["ranking"]] == [("66002", 1, 0), ("66001", 1, 0)]


def test_the_second_day_counts_the_first_without_its_voided_check_in(worked):
    _payload, scalars = figures(worked, "province", 16)
    # A and B on the 15th (E's check-in was voided); pace 2/1, projection 16 + ceil(10 / 2) − 1 = 20/7.
    assert scalars == expect(2, 9, 12, 2, 16.7, 2, 2, 1, 1, 2, 2.0, "2025-07-20", True, 3, 1)


def test_a_middle_day_of_the_province(worked):
    payload, scalars = figures(worked, "province", 17)
    # required ceil(8 / 8) = 1; pace 4 people / 2 days; projection 17 + ceil(8 / 2) − 1 = 20/7.
    assert scalars == expect(3, 8, 12, 4, 33.3, 2, 3, 1, 2, 1, 2.0, "2025-07-20", True, 3, 2)
    # Local days, not UTC days: T2 at 06:05 local on the 16th is 23:05 UTC on the 15th.
    assert payload["series"] == [{"date": "2025-07-15", "new_reached": 2, "reached": 2},
                                 {"date": "2025-07-16", "new_reached": 2, "reached": 4}]
    assert payload["villages_not_reached"] == [{"code": "6600201", "name": "Tổ dân phố 5", "commune": "Phường Tân An"}]
    assert payload["ranking"] == [
        {"code": "66002", "name": "Phường Tân An", "target": 2, "reached": 1, "percent": 50.0,
         "rank": 1, "rank_yesterday": 2, "rank_change": 1},
        {"code": "66001", "name": "Xã Ea Kao", "target": 10, "reached": 3, "percent": 30.0,
         "rank": 2, "rank_yesterday": 1, "rank_change": -1},
    ]
    assert payload["breakdown"] == {
        "gender": {"female": 2, "male": 2, "other": 0},
        "ethnic_minority": {"minority": 2, "majority": 2},
        "age_band": {"under_15": 0, "15-24": 0, "25-39": 2, "40-59": 1, "60+": 1},
        "topic": {"Dịch vụ công trực tuyến": 3, "VNeID": 2},
    }
    assert [t["title"] for t in payload["upcoming"]] == ["Lớp VNeID 17/7"]  # T4 was cancelled
    assert payload["unit"] == {"code": "66", "name": "Tỉnh Đắk Lắk", "level": "province"}
    assert payload["date"] == "2025-07-17" and payload["as_of"] == "2025-07-16T17:00:00+00:00"


def test_a_commune_counts_its_people_at_home_and_its_trainings_in_its_villages(worked):
    payload, scalars = figures(worked, "commune", 17)
    # A, B, C live here (D trained here but lives in 66002); T2's three check-ins were in 6600102.
    # pace 3 / 2 days; projection 17 + ceil(7 × 2 / 3) − 1 = 21/7.
    assert scalars == expect(3, 8, 10, 3, 30.0, 1, 3, 1, 2, 1, 1.5, "2025-07-21", True, 2, 2)
    assert [(r["code"], r["target"], r["reached"], r["percent"], r["rank"]) for r in payload["ranking"]] == [
        ("6600101", 6, 2, 33.3, 1), ("6600102", 4, 1, 25.0, 2)]
    assert payload["villages_not_reached"] == []


def test_a_person_reached_in_another_commune_counts_at_home(worked):
    payload, scalars = figures(worked, "other_commune", 17)
    assert scalars == expect(3, 8, 2, 1, 50.0, 1, 0, 0, 0, 1, 0.5, "2025-07-18", True, 1, 0)
    # The village has no target of its own: listed with its people, not ranked.
    assert payload["ranking"] == [{"code": "6600201", "name": "Tổ dân phố 5", "target": None, "reached": 1,
                                   "percent": None, "rank": None, "rank_yesterday": None, "rank_change": None}]


def test_a_late_offline_sync_counts_on_the_day_it_was_scanned(worked):
    # G was scanned on the 17th and reached the server on the 20th.
    _payload, before = figures(worked, "province", 17)
    payload, after = figures(worked, "province", 18)
    assert before["reached"] == 4
    assert after["reached"] == 5 and after["new_reached_yesterday"] == 1 and after["checkins_yesterday"] == 1
    assert after["trainings_held_yesterday"] == 1 and after["trainings_held_total"] == 3
    assert payload["series"][-1] == {"date": "2025-07-17", "new_reached": 1, "reached": 5}


def test_a_training_cancelled_after_it_was_held_never_counts(worked):
    payload, scalars = figures(worked, "province", 19)
    # F's only check-in was at T4; required ceil(7 / 6) = 2; pace 5 / 4 days;
    # projection 19 + ceil(7 × 4 / 5) − 1 = 24/7, the deadline itself: still on track.
    assert scalars == expect(5, 6, 12, 5, 41.7, 0, 0, 0, 3, 2, 1.25, "2025-07-24", True, 3, 2)
    assert payload["breakdown"]["gender"] == {"female": 3, "male": 2, "other": 0}
    assert sum(payload["breakdown"]["topic"].values()) == 6  # A at two topics; F nowhere


def test_stale_and_upcoming_trainings(worked):
    payload, scalars = figures(worked, "province", 20)
    # pace 5 / 5 days; projection 20 + ceil(7 × 5 / 5) − 1 = 26/7: past the deadline.
    assert scalars == expect(6, 5, 12, 5, 41.7, 0, 0, 0, 3, 2, 1.0, "2025-07-26", False, 3, 2)
    stale, upcoming = worked.trainings["T5"], worked.trainings["T6"]
    assert payload["stale_total"] == 1 and payload["stale"] == [{
        "id": stale.id, "title": "Lớp VNeID 19/7", "topic": "VNeID",
        "village": {"code": "6600201", "name": "Tổ dân phố 5"},
        "starts_at": "2025-07-19T01:00:00+00:00", "ends_at": "2025-07-19T03:00:00+00:00", "place": None}]
    assert payload["upcoming_total"] == 1 and payload["upcoming"][0]["id"] == upcoming.id


def test_the_deadline_and_the_day_after(worked):
    _payload, deadline = figures(worked, "province", 24)
    # One day left: all 7 missing people are needed today; pace 1 / 7 (G on the 17th);
    # projection 24 + ceil(7 × 7 / 1) − 1 = 24/7 + 48 days = 10/9.
    assert deadline == expect(10, 1, 12, 5, 41.7, 0, 0, 0, 3, 7, 0.14, "2025-09-10", False, 3, 2)
    payload, after = figures(worked, "province", 25)
    # No day left: no required pace; nobody in the last 7 days: no projection.
    assert after == expect(11, 0, 12, 5, 41.7, 0, 0, 0, 3, None, 0.0, None, False, 3, 2)
    assert len(payload["series"]) == 10 and payload["series"][-1]["reached"] == 5


def test_zero_pace_has_no_projection(worked):
    _payload, scalars = figures(worked, "other_commune", 16)
    assert scalars == expect(2, 9, 2, 0, 0.0, 0, 0, 0, 0, 1, 0.0, None, False, 1, 0)


def test_a_target_met_needs_no_more_pace(db, worked):
    db.session.execute(sa.update(Target).where(Target.unit_id == worked.units["other_commune"].id).values(target=1))
    _payload, scalars = figures(worked, "other_commune", 17)
    # Nothing remains: required 0; projection 17 + ceil(0) − 1 = 16/7.
    assert scalars == expect(3, 8, 1, 1, 100.0, 1, 0, 0, 0, 0, 0.5, "2025-07-16", True, 1, 0)


def test_a_unit_without_a_target_has_no_percent_pace_or_verdict(db, worked):
    db.session.execute(sa.delete(Target).where(Target.unit_id == worked.units["other_commune"].id))
    _payload, scalars = figures(worked, "other_commune", 17)
    assert scalars == expect(3, 8, None, 1, None, 1, 0, 0, 0, None, 0.5, None, None, 1, 0)
    assert figures(worked, "province", 17)[1]["target"] == 10  # the sum of the communes that have one


@pytest.mark.parametrize(("unit", "day", "reached", "percent"), [
    ("province", 17, 2, 40.0),   # A (ticked at the door on the 15th), D (recorded on the 16th)
    ("province", 18, 3, 60.0),   # + G, ticked at the door on the 17th, synced on the 20th
    ("province", 20, 4, 80.0),   # + B, recorded on the 19th
    ("commune", 18, 2, 40.0),    # A and G live in 66001; D does not
])
def test_indicators_count_like_reached(worked, unit, day, reached, percent):
    payload, _scalars = figures(worked, unit, day)
    assert payload["indicators"] == [{"key": "vneid_level2", "name": "Kích hoạt VNeID mức 2", "target": 5,
                                      "reached": reached, "reached_percent": percent}]
