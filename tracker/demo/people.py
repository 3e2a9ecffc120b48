"""The demo's people: participants registered in the villages that held trainings, checked in
at the past trainings through the same operations the scanner uses, some outcomes ticked.

Part of ``flask --app tracker demo``; nothing here commits.
"""
import uuid
from datetime import timedelta

from tracker.auth.models import Role
from tracker.checkins.models import CheckInSource, Shown
from tracker.checkins.operations import check_in
from tracker.demo import data as names
from tracker.outcomes.operations import define_indicators, set_indicator_targets
from tracker.outcomes.queries import indicators_for
from tracker.participants.models import Gender
from tracker.participants.operations import register_participant

#: People registered in a village the first time it holds a training (low, high).
PEOPLE_PER_VILLAGE = (35, 60)
#: How many of the trainings that have begun get their check-ins (None: all of them).
TRAININGS_WITH_PEOPLE = None
#: Share of a training's capacity that came (low, high).
ATTENDANCE = (0.45, 0.9)
#: Share of attendees from another village of the same commune.
VISITORS = 0.1
#: The campaign's indicators (key, name, target as a share of the campaign's target of people reached).
INDICATORS = [
    ("vneid_level2", "Kích hoạt tài khoản VNeID mức 2", 0.3),
    ("online_public_service", "Sử dụng dịch vụ công trực tuyến", 0.25),
    ("cashless_payment", "Thanh toán không dùng tiền mặt", 0.25),
    ("digital_signature", "Đăng ký chữ ký số", 0.12),
]
#: Chance that an attendee reaches each indicator at a training on its topic, or another.
OUTCOME_CHANCE = {"on_topic": 0.55, "other": 0.08}
INDICATOR_TOPICS = {"vneid_level2": "VNeID", "online_public_service": "Dịch vụ công trực tuyến",
                    "cashless_payment": "Thanh toán không dùng tiền mặt", "digital_signature": "Chữ ký số"}


def seed_people(campaign, trainings, users, rng, *, now):
    """Register people and check them in at the trainings that have begun; return counts."""
    admin = users["admin"]
    define_indicators(campaign, [{"key": key, "name": name} for key, name, _share in INDICATORS], user=admin)
    scanners = {user.unit.id: user for user in users.values() if user.role == Role.volunteer}
    pools, checkins = {}, 0
    begun = sorted((training for training in trainings if training.starts_at < now and not training.is_cancelled),
                   key=lambda training: training.starts_at)[-TRAININGS_WITH_PEOPLE if TRAININGS_WITH_PEOPLE else 0:]
    for training in begun:
        village = training.village
        if village.id not in pools:
            pools[village.id] = register_people(village, admin, rng)
        attendees = choose_attendees(training, pools, rng)
        scanner = scanners.get(village.parent.id, admin)
        for person in attendees:
            check_in(training, scan_for(training, person, rng, now=now), user=scanner,
                     source=rng.choice([CheckInSource.camera] * 8 + [CheckInSource.manual]), now=now)
            checkins += 1
    return {"participants": sum(len(pool) for pool in pools.values()), "checkins": checkins}


def set_indicator_shares(campaign, rate, user):
    """Set each indicator's targets at its share of the campaign's ``rate`` of the population."""
    for indicator, (_key, _name, share) in zip(indicators_for(campaign), INDICATORS):
        set_indicator_targets(indicator, {"rate": round(rate * share, 6)}, user=user)


def register_people(village, user, rng):
    """Register the people of ``village`` the way a commune's list would have them."""
    kind = next(kind for kind in names.ETHNICITIES if village.name.startswith(kind))
    groups, weights = zip(*names.ETHNICITIES[kind])
    people = []
    for _number in range(rng.randint(*PEOPLE_PER_VILLAGE)):
        gender = rng.choice([Gender.female, Gender.male])
        ethnicity = rng.choices(groups, weights)[0]
        data = {"full_name": person_name(ethnicity, gender, rng), "birth_year": rng.randint(1950, 2008),
                "gender": gender, "ethnicity": ethnicity, "village": village, "consent": True,
                "phone": f"09{rng.randrange(10**8):08d}" if rng.random() < 0.7 else None}
        people.append(register_participant(data, user=user)[0])
    return people


def person_name(ethnicity, gender, rng):
    """Return a plausible full name for a person of ``ethnicity``."""
    if ethnicity in names.HIGHLAND_CLANS:
        title = names.HIGHLAND_TITLE[gender.value]
        return f"{title}{rng.choice(names.HIGHLAND_GIVEN[gender.value])} {rng.choice(names.HIGHLAND_CLANS[ethnicity])}"
    return " ".join((rng.choice(names.KINH_FAMILY), rng.choice(names.KINH_MIDDLE[gender.value]),
                     rng.choice(names.KINH_GIVEN[gender.value])))


def choose_attendees(training, pools, rng):
    """Pick who came: mostly people of the village, a few from the commune's other villages."""
    pool = pools[training.village.id]
    wanted = min(len(pool), round((training.capacity or 40) * rng.uniform(*ATTENDANCE)))
    visitors = [person for village_id, people in pools.items() if village_id != training.village.id
                for person in people if person.village.parent_id == training.village.parent_id]
    count = min(len(visitors), round(wanted * VISITORS))
    return rng.sample(pool, wanted - count) + rng.sample(visitors, count)


def scan_for(training, person, rng, *, now):
    """Return the scan of ``person`` arriving at ``training`` (a few minutes either side of the start)."""
    scanned_at = min(training.starts_at + timedelta(minutes=rng.randint(-20, 40)), now)
    outcomes = [key for key, topic in INDICATOR_TOPICS.items()
                if rng.random() < OUTCOME_CHANCE["on_topic" if topic == training.topic else "other"]]
    return {"code": person.code, "scan_id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "scanned_at": scanned_at, "shown": Shown.accepted, "outcomes": outcomes}
