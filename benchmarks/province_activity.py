"""The generated province's activity: users, trainings, check-ins and outcomes, streamed by village."""
import uuid
from datetime import time, timedelta

from benchmarks.province import (
    DIGEST_DATE,
    INDICATORS,
    RETURNS_PER_PERSON,
    TIMEZONE,
    TOPICS,
    registered_before,
    village_rng,
)
from tracker.core.time import combine_local
from tracker.demo.data import TITLES

VOLUNTEERS_PER_COMMUNE = 3
#: Nothing was recorded after 05:00 on the digest's day: late syncs are capped there.
CUTOFF = combine_local(DIGEST_DATE, time(5), TIMEZONE)
STATUS = {"held": "held", "cancelled_held": "cancelled", "cancelled": "cancelled", "stale": "planned",
          "planned": "planned"}
TRAINING_COLUMNS = ("id", "campaign_id", "village_id", "title", "topic", "starts_at", "ends_at", "place", "trainer",
                    "capacity", "status", "cancel_reason", "created_by_id", "created_at", "updated_at")
CHECKIN_COLUMNS = ("id", "training_id", "participant_id", "scan_id", "scanned_at", "recorded_at", "volunteer_id",
                   "source", "is_offline", "shown", "voided_at", "void_reason", "voided_by_id")
OUTCOME_COLUMNS = ("id", "participant_id", "indicator_id", "recorded_at", "checkin_id", "recorded_by_id")


class Users:
    """Ids of the generated accounts: an admin, a coordinator and volunteers per commune."""

    def __init__(self, communes):
        self.communes = communes

    def coordinator(self, commune):
        """Return the id of the coordinator of commune number ``commune``."""
        return 2 + commune

    def volunteer(self, commune, rng):
        """Return the id of one of the commune's volunteers."""
        return 2 + len(self.communes) + commune * VOLUNTEERS_PER_COMMUNE + rng.randrange(VOLUNTEERS_PER_COMMUNE)

    def rows(self, province_id):
        """Yield the user rows (dicts) of the admin, coordinators and volunteers."""
        yield {"id": 1, "username": "bench.admin", "role": "admin", "unit_id": province_id}
        for number, commune in enumerate(self.communes):
            yield {"id": self.coordinator(number), "username": f"bench.coord.{commune.code}", "role": "coordinator",
                   "unit_id": commune.id}
            for slot in range(VOLUNTEERS_PER_COMMUNE):
                yield {"id": 2 + len(self.communes) + number * VOLUNTEERS_PER_COMMUNE + slot, "role": "volunteer",
                       "username": f"bench.tnv.{commune.code}.{slot + 1}", "unit_id": commune.id}


def training_rows(plan, village, users, campaign_id):
    """Yield the village's trainings (tuples in ``TRAINING_COLUMNS`` order)."""
    rng = village_rng(plan, village, 2)
    coordinator = users.coordinator(village.commune)
    for training_id, starts, ends, kind, _new in village.trainings:
        topic = rng.choice(TOPICS)
        title = rng.choice(TITLES[topic]).format(village=village.name[:1].lower() + village.name[1:])
        created = starts - timedelta(hours=rng.uniform(24, 14 * 24))
        cancelled = STATUS[kind] == "cancelled"
        updated = starts + timedelta(hours=rng.uniform(-20, 30)) if cancelled else created
        yield (training_id, campaign_id, village.id, title[:200], topic, starts, ends, f"Nhà văn hóa {village.name}",
               None, rng.choice([None, 40, 60, 80, 100]), STATUS[kind],
               "Trùng lịch thu hoạch cà phê" if cancelled else None, coordinator, created, updated)


class Counter:
    """Next ids of the streamed tables, shared across villages."""

    def __init__(self):
        self.checkin, self.outcome = 1, 1


def attendance_rows(plan, village, users, ids):
    """Return ``(checkins, outcomes)`` of the village's trainings, as lists of tuples."""
    rng = village_rng(plan, village, 3)
    attended = [training for training in village.trainings if training[4]]
    gamma = 2 * RETURNS_PER_PERSON / len(attended)
    checkins, outcomes, pool = [], [], 0
    for training_id, starts, ends, _kind, new in attended:
        first = village.first_person + pool
        returning = [village.first_person + n for n in rng.sample(range(pool), min(pool, int(gamma * pool * rng.uniform(0.6, 1.4))))]
        people = [*range(first, first + new), *returning]
        people += _visitors(plan, village, rng, starts, len(people), set(people))
        for person in people:
            row = _checkin(rng, ids, training_id, person, starts, ends, users.volunteer(village.commune, rng),
                           users.coordinator(village.commune))
            checkins.append(row)
            if first <= person < first + new:
                outcomes.extend(_outcomes(rng, ids, row))
        pool += new
    return checkins, outcomes


def _visitors(plan, village, rng, starts, attendees, seen):
    """People from other villages: mostly of the same commune, some from other communes."""
    visitors = []
    for _ in range(int(0.1 * attendees * rng.uniform(0, 2))):
        if rng.random() < 0.7:
            other = plan.villages[rng.choice(plan.communes[village.commune].villages)]
        else:
            other = plan.villages[rng.randrange(len(plan.villages))]
        known = registered_before(other, starts)
        person = other.first_person + rng.randrange(known) if known and other is not village else None
        if person is not None and person not in seen:
            seen.add(person)
            visitors.append(person)
    return visitors


def _checkin(rng, ids, training_id, person, starts, ends, volunteer, coordinator):
    scanned = starts + (ends - starts) * rng.random()
    draw = rng.random()
    source, offline = ("sync", True) if draw < 0.08 else ("manual", False) if draw < 0.15 else ("camera", False)
    delay = timedelta(hours=rng.uniform(1, 72)) if offline else timedelta(seconds=rng.uniform(0.2, 3))
    recorded = min(scanned + delay, CUTOFF)
    shown = ("accepted" if rng.random() < 0.9 else "pending") if offline else None
    voided = rng.random() < 0.004
    voided_at = min(recorded + timedelta(minutes=rng.uniform(5, 600)), CUTOFF) if voided else None
    row = (ids.checkin, training_id, person, uuid.UUID(int=rng.getrandbits(128), version=4), scanned, recorded,
           volunteer, source, offline, shown, voided_at, "Quét nhầm thẻ của người nhà" if voided else None,
           coordinator if voided else None)
    ids.checkin += 1
    return row


def _outcomes(rng, ids, checkin):
    rows = []
    for number, (_key, _name, share, _target) in enumerate(INDICATORS, start=1):
        if rng.random() < share:
            rows.append((ids.outcome, checkin[2], number, checkin[5], checkin[0], checkin[6]))
            ids.outcome += 1
    return rows
