"""A ten-day campaign small enough to work every digest figure out by hand (tests import ``worked``).

Campaign 15–24 July 2025 (Asia/Ho_Chi_Minh, days_total 10). Targets: commune 66001 → 10 (villages
6600101 → 6, 6600102 → 4), commune 66002 → 2; the province's is their sum, 12.

People (home village, gender, ethnicity, birth year):
  A 6600101 f Ê Đê 1990 · B 6600101 m Kinh 2000 · C 6600102 f Kinh 1960 · D 6600201 m Ê Đê 1985 (66002)
  E 6600101 (only a voided check-in) · F 6600102 (only at a training cancelled after it was held)
  G 6600101 (scanned offline on 17/7, synced on 20/7)

Trainings (local time):
  T1 6600101 15/7 08:00–10:00 VNeID: A 08:05, B 08:10, E 08:15 (voided)
  T2 6600102 16/7 06:00–08:00 "Dịch vụ công trực tuyến": C 06:05, D 06:10, A 06:20 — 06:05 local on the
     16th is 23:05 UTC on the 15th: bucketing by UTC day would put C on the wrong day
  T3 6600101 17/7 08:00–10:00 VNeID: G 08:30 (recorded 20/7 09:00, source sync, offline)
  T4 6600102 18/7 08:00–10:00, cancelled after F checked in at 08:05
  T5 6600201 19/7 08:00–10:00, still planned, nobody came (stale from the 20th)
  T6 6600201 21/7 08:00–10:00, planned (upcoming on the 20th)

Indicator vneid_level2, target 5 in commune 66001: A ticked at T1's door, G ticked at T3's door
(counts on its scan day), B recorded later on 19/7 10:00, D recorded 16/7 12:00.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest

from tests.conftest import ICT
from tracker.campaigns.models import Campaign, Target
from tracker.cards.tokens import new_code
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.outcomes.models import Indicator, IndicatorTarget, Outcome
from tracker.participants.models import Gender, Participant
from tracker.participants.names import clean_name, fold_name
from tracker.trainings.models import Training, TrainingStatus


def at(day, hour, minute=0):
    """Return an aware instant on July ``day`` 2025 at local ``hour:minute``."""
    return datetime(2025, 7, day, hour, minute, tzinfo=ICT)


@dataclass
class Worked:
    campaign: Campaign
    units: dict
    people: dict = field(default_factory=dict)
    trainings: dict = field(default_factory=dict)
    checkins: dict = field(default_factory=dict)


def _person(db, village, name, gender, ethnicity, birth_year):
    person = Participant(code=new_code(), full_name=clean_name(name), search_name=fold_name(name),
                         birth_year=birth_year, gender=gender, ethnicity=ethnicity, village=village, consent=True)
    db.session.add(person)
    return person


def _training(db, campaign, village, day, topic, status=TrainingStatus.held, start=8):
    training = Training(campaign=campaign, village=village, title=f"Lớp {topic} {day}/7", topic=topic,
                        starts_at=at(day, start), ends_at=at(day, start + 2), status=status)
    db.session.add(training)
    return training


def _check_in(db, training, person, scanned_at, **extra):
    checkin = CheckIn(training=training, participant=person, scan_id=uuid.uuid4(), scanned_at=scanned_at,
                      recorded_at=extra.pop("recorded_at", scanned_at), source=extra.pop("source", CheckInSource.camera),
                      **extra)
    db.session.add(checkin)
    return checkin


@pytest.fixture
def worked(db, tree):
    """The worked example above, stored."""
    campaign = Campaign(name="Chiến dịch mười ngày", unit=tree["province"], start_date=date(2025, 7, 15),
                        deadline=date(2025, 7, 24), topics=["VNeID", "Dịch vụ công trực tuyến"])
    db.session.add(campaign)
    for unit, target in (("commune", 10), ("village", 6), ("village2", 4), ("other_commune", 2)):
        db.session.add(Target(campaign=campaign, unit=tree[unit], target=target))
    w = Worked(campaign, tree)
    p = w.people
    p["A"] = _person(db, tree["village"], "H'Linh Niê", Gender.female, "Ê Đê", 1990)
    p["B"] = _person(db, tree["village"], "Trần Văn Bình", Gender.male, "Kinh", 2000)
    p["C"] = _person(db, tree["village2"], "Lê Thị Cúc", Gender.female, "Kinh", 1960)
    p["D"] = _person(db, tree["other_village"], "Y Dăm Êban", Gender.male, "Ê Đê", 1985)
    p["E"] = _person(db, tree["village"], "Phạm Thị Én", Gender.female, "Kinh", 1975)
    p["F"] = _person(db, tree["village2"], "Đỗ Văn Phúc", Gender.male, "Kinh", 1970)
    p["G"] = _person(db, tree["village"], "H'Giang Mlô", Gender.female, "Ê Đê", 1995)
    t = w.trainings
    t["T1"] = _training(db, campaign, tree["village"], 15, "VNeID")
    t["T2"] = _training(db, campaign, tree["village2"], 16, "Dịch vụ công trực tuyến", start=6)
    t["T3"] = _training(db, campaign, tree["village"], 17, "VNeID")
    t["T4"] = _training(db, campaign, tree["village2"], 18, "VNeID", status=TrainingStatus.cancelled)
    t["T5"] = _training(db, campaign, tree["other_village"], 19, "VNeID", status=TrainingStatus.planned)
    t["T6"] = _training(db, campaign, tree["other_village"], 21, "VNeID", status=TrainingStatus.planned)
    c = w.checkins
    c["A1"] = _check_in(db, t["T1"], p["A"], at(15, 8, 5))
    c["B1"] = _check_in(db, t["T1"], p["B"], at(15, 8, 10))
    c["E1"] = _check_in(db, t["T1"], p["E"], at(15, 8, 15), voided_at=at(15, 9), void_reason="nhầm người")
    c["C2"] = _check_in(db, t["T2"], p["C"], at(16, 6, 5))
    c["D2"] = _check_in(db, t["T2"], p["D"], at(16, 6, 10))
    c["A2"] = _check_in(db, t["T2"], p["A"], at(16, 6, 20))
    c["G3"] = _check_in(db, t["T3"], p["G"], at(17, 8, 30), recorded_at=at(20, 9), source=CheckInSource.sync,
                        is_offline=True)
    c["F4"] = _check_in(db, t["T4"], p["F"], at(18, 8, 5))
    indicator = Indicator(campaign=campaign, key="vneid_level2", name="Kích hoạt VNeID mức 2")
    db.session.add(indicator)
    db.session.add(IndicatorTarget(indicator=indicator, unit=tree["commune"], target=5))
    db.session.flush()
    for person, checkin, recorded_at in (("A", c["A1"], at(15, 8, 6)), ("G", c["G3"], at(20, 9)),
                                         ("B", None, at(19, 10)), ("D", None, at(16, 12))):
        db.session.add(Outcome(participant=p[person], indicator=indicator, checkin_id=checkin.id if checkin else None,
                               recorded_at=recorded_at))
    db.session.commit()
    return w
