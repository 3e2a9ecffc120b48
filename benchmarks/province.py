"""A made-up province at SPEC §9's scale: its plan (units, schedules) and its rows, streamed.

``plan_province`` decides everything small (communes, villages, each village's people count and
training schedule) and keeps it in memory: at 10× that is 25,000 villages and 250,000
trainings. ``participant_rows``, ``training_rows`` and ``attendance_rows`` then stream the big
tables village by village from per-village random streams, so the same seed gives the same rows
and memory stays flat however many check-ins there are.
"""
import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from tracker.cards.tokens import CODE_ALPHABET, CODE_LENGTH
from tracker.core.time import combine_local
from tracker.demo.data import SLOTS, TITLES
from tracker.participants.names import clean_name, fold_name

TIMEZONE = "Asia/Ho_Chi_Minh"
#: The real Dak Lak drive: 15 July to 25 October 2025, 103 days. The generated activity covers
#: its first 100 days; the benchmark's digest is dated the 101st (3 days left).
START, DEADLINE, ACTIVE_DAYS = date(2025, 7, 15), date(2025, 10, 25), 100
DIGEST_DATE = START + timedelta(days=ACTIVE_DAYS)
PEOPLE, NEW_PER_TRAINING, RETURNS_PER_PERSON = 500_000, 20, 2.1
TOPICS = list(TITLES)
INDICATORS = [("vneid_level2", "Kích hoạt định danh điện tử VNeID mức 2", 0.45, 0.5),
              ("public_service", "Sử dụng dịch vụ công trực tuyến", 0.25, 0.3),
              ("cashless", "Thanh toán không dùng tiền mặt", 0.2, 0.25)]
ETHNIC = ["Ê Đê", "M'nông", "J'rai", "Tày", "Nùng", "Thái", "Mường", "Dao"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Thị Thanh", "Ngọc", "Hữu", "Thị Kim", "Minh", "Quang", "Thị Mỹ"]
GIVEN = ["Hoa", "Đức", "Hương", "Dũng", "Yến", "Thắng", "Ánh", "Ổi", "Khánh", "Lộc", "Nhung", "Quý", "Tuấn"]
EDE_GIVEN = ["H'Nga", "Y Bhim", "H'Lan", "Y Kông", "H'Duyên", "Y Phăng", "H'Yim", "Y Thuyên"]
EDE_FAMILY = ["Niê Kdăm", "Êban", "Mlô", "Ksor", "Byă", "Adrơng", "Knul", "Buôn Yă"]
PLACE_A = ["Ea", "Cư", "Krông", "Hòa", "Tân", "Buôn", "Đắk", "Dray", "Quảng", "Yang", "Phú", "Liên"]
PLACE_B = ["Kao", "Tul", "Bông", "Pắc", "Súp", "Đôn", "M'gar", "Lắk", "H'leo", "Năng", "Kar", "Drăng",
           "Knốp", "Wer", "Búk", "Sar", "Mdróh", "Kpal", "Tiêu", "Kmar", "Rốk", "Huar", "Phong", "Thành"]


@dataclass
class Village:
    id: int
    commune: int  #: index in ``Plan.communes``
    code: str
    name: str
    population: int
    people: int = 0
    first_person: int = 0
    #: ``(training id, starts_at, ends_at, kind, new people)`` by start; kind: held, cancelled_held,
    #: cancelled, stale, planned.
    trainings: list = field(default_factory=list)
    starts: list = field(default_factory=list)  #: starts of the attended trainings
    registered: list = field(default_factory=list)  #: people registered by each of those


@dataclass
class Commune:
    id: int
    code: str
    name: str
    pace: float
    delay: int
    villages: list = field(default_factory=list)


@dataclass
class Plan:
    seed: int
    scale: float
    communes: list
    villages: list
    rate: float = 0.0
    next_id: dict = field(default_factory=dict)


def plan_province(scale, seed):
    """Decide the units, each village's people and each village's training schedule."""
    rng = random.Random(seed)
    communes, villages = [], []
    names = rng.sample([f"{a} {b}" for a in PLACE_A for b in PLACE_B], len(PLACE_A) * len(PLACE_B))
    for number in range(1, max(2, round(100 * scale)) + 1):
        kind = "Phường" if number % 7 == 1 else "Xã"
        commune = Commune(id=number + 1, code=f"{66000 + number:05d}", pace=rng.lognormvariate(0, 0.3),
                          name=f"{kind} {names[(number - 1) % len(names)]}" + (f" {number // len(names) + 1}" if number > len(names) else ""),
                          delay=rng.randint(0, 25))
        communes.append(commune)
    next_unit = len(communes) + 2
    for index, commune in enumerate(communes):
        prefix = "Tổ dân phố" if commune.name.startswith("Phường") else "Thôn"
        for number in range(1, rng.randint(12, 38) + 1):
            named = rng.random() < 0.3
            name = f"Buôn {rng.choice(PLACE_B)} {number}" if named else f"{prefix} {number}"
            villages.append(Village(id=next_unit, commune=index, code=f"{commune.code}{number:03d}", name=name,
                                    population=int(300 * 10 ** rng.random())))
            commune.villages.append(len(villages) - 1)
            next_unit += 1
    plan = Plan(seed=seed, scale=scale, communes=communes, villages=villages)
    _share_people(plan, rng)
    _schedule(plan)
    return plan


def _share_people(plan, rng):
    weights = [v.population * plan.communes[v.commune].pace * rng.uniform(0.8, 1.2) for v in plan.villages]
    wanted = round(PEOPLE * plan.scale)
    factor = wanted / sum(weights)
    first = 1
    for village, weight in zip(plan.villages, weights):
        village.people, village.first_person = max(5, round(weight * factor)), first
        first += village.people
    # Targets as a rate of population, set so the province ends near 85 % of its target.
    plan.rate = round((first - 1) / (0.85 * sum(v.population for v in plan.villages)), 4)


def village_rng(plan, village, stream):
    """Return the random stream ``stream`` of one village (independent of the other villages)."""
    return random.Random(plan.seed * 1_000_003 + village.id * 8 + stream)


def _schedule(plan):
    training_id = 1
    for village in plan.villages:
        rng, commune = village_rng(plan, village, 0), plan.communes[village.commune]
        past = max(1, round(village.people / NEW_PER_TRAINING * rng.uniform(0.8, 1.2)))
        # Trainings ramp up: the density of days grows linearly from the commune's first day.
        days = [commune.delay + int((ACTIVE_DAYS - commune.delay) * math.sqrt(rng.random())) for _ in range(past)]
        slots = sorted(_session(rng, day) for day in days)
        kinds = [_past_kind(rng.random()) for _ in slots]
        if "held" not in kinds:
            kinds[-1] = "held"
        if rng.random() < 0.35:  # planned for the digest's day, the next one or the deadline
            slots.append(_session(rng, ACTIVE_DAYS + rng.randint(0, 2)))
            kinds.append("planned")
        new = _new_people(rng, kinds, round(village.people * 0.98))
        for (starts, ends), kind, people in zip(slots, kinds, new):
            village.trainings.append((training_id, starts, ends, kind, people))
            training_id += 1
            if people:
                village.starts.append(starts)
                village.registered.append((village.registered or [0])[-1] + people)
    plan.next_id["trainings"] = training_id


def _session(rng, day):
    (start_h, start_m), (end_h, end_m) = rng.choice(SLOTS)
    day_date = START + timedelta(days=day)
    return combine_local(day_date, time(start_h, start_m), TIMEZONE), combine_local(day_date, time(end_h, end_m), TIMEZONE)


def _new_people(rng, kinds, reached):
    """Share the ``reached`` people among the attended trainings: how many come for the first time to each."""
    weights = [rng.uniform(0.5, 1.5) if kind in {"held", "cancelled_held"} else 0 for kind in kinds]
    total, cumulative, new = sum(weights), 0.0, []
    for weight in weights:
        before = round(cumulative)
        cumulative += weight / total * reached
        new.append(round(cumulative) - before)
    return new


def _past_kind(draw):
    return "cancelled" if draw < 0.015 else "cancelled_held" if draw < 0.03 else "stale" if draw < 0.04 else "held"


def registered_before(village, instant):
    """Return how many of the village's people were registered (and reached) before ``instant``."""
    position = bisect.bisect_left(village.starts, instant)
    return village.registered[position - 1] if position else 0


def participant_code(number):
    """Return a unique, random-looking card code for participant ``number`` (a bijection on 40 bits)."""
    value = (number * 0x9E3779B97F + 0x5DEECE66D) % (1 << 40)
    return "".join(CODE_ALPHABET[(value >> (5 * k)) & 31] for k in range(CODE_LENGTH))


_NAMES = {}


def person_name(rng, minority):
    """Return ``(full_name, search_name)``: an Ê Đê name in minority villages, else a Kinh one."""
    name = (f"{rng.choice(EDE_GIVEN)} {rng.choice(EDE_FAMILY)}" if minority
            else f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}")
    if name not in _NAMES:
        _NAMES[name] = (clean_name(name), fold_name(name))
    return _NAMES[name]


def participant_rows(plan, village, users):
    """Yield the village's participants (tuples in ``PARTICIPANT_COLUMNS`` order)."""
    rng = village_rng(plan, village, 1)
    minority_share = 0.85 if village.name.startswith("Buôn") else 0.15
    person = village.first_person
    registrar = users.coordinator(village.commune)
    for training in village.trainings:
        for _ in range(training[4]):
            walk_in = rng.random() < 0.3
            created = training[1] - (timedelta(minutes=rng.uniform(0, 10)) if walk_in
                                     else timedelta(hours=rng.uniform(1, 72)))
            yield _person(rng, person, village, created, minority_share, registrar)
            person += 1
    campaign_start = combine_local(START, time(8), TIMEZONE)
    while person < village.first_person + village.people:  # registered, never came (yet)
        created = campaign_start + timedelta(hours=rng.uniform(0, 24 * (ACTIVE_DAYS - 1)))
        yield _person(rng, person, village, created, minority_share, registrar)
        person += 1


def _person(rng, number, village, created, minority_share, registrar):
    minority = rng.random() < minority_share
    full_name, search_name = person_name(rng, minority)
    ethnicity = (rng.choice(ETHNIC[:3]) if rng.random() < 0.8 else rng.choice(ETHNIC)) if minority else "Kinh"
    draw = rng.random()
    gender = "female" if draw < 0.52 else "male" if draw < 0.995 else "other"
    birth_year = rng.randint(2011, 2013) if rng.random() < 0.02 else min(2010, int(1945 + 65 * rng.random() ** 0.8))
    phone = f"09{rng.randrange(10 ** 8):08d}" if rng.random() < 0.6 else None
    return (number, participant_code(number), full_name, search_name, birth_year, gender, ethnicity, village.id,
            phone, True, created, None, registrar, created, created)


PARTICIPANT_COLUMNS = ("id", "code", "full_name", "search_name", "birth_year", "gender", "ethnicity", "village_id",
                       "phone", "consent", "consent_at", "card_printed_at", "registered_by_id", "created_at",
                       "updated_at")
