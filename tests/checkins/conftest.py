"""Fixtures shared by the check-in tests: a 500-scan offline batch and the rows it must give."""
import random
from datetime import datetime, timedelta

import pytest

from tests.checkins.scans import scan_body
from tests.conftest import ICT
from tracker.cards.tokens import new_code
from tracker.participants.models import Gender, Participant
from tracker.participants.names import fold_name


def _item(training, participant, **change):
    return scan_body(participant, training_id=training.id, **change)


@pytest.fixture
def batch(db, dummy_campaign, create_training, tree):
    """A 500-scan batch over several trainings and 120 people, with the rows it must produce."""
    base = datetime(2025, 8, 20, 8, 0, tzinfo=ICT)
    trainings = [create_training(village=tree["village"]),
                 create_training(village=tree["village2"], starts_at=base + timedelta(hours=6),
                                 ends_at=base + timedelta(hours=8)),
                 create_training(village=tree["village"], starts_at=base + timedelta(days=1),
                                 ends_at=base + timedelta(days=1, hours=2))]
    people = [Participant(code=new_code(), full_name=f"Người {n}", search_name=fold_name(f"Người {n}"),
                          birth_year=1970 + n % 40, gender=Gender.female, ethnicity="Ê Đê",
                          village=tree["village2" if n % 3 else "other_village"], consent=True) for n in range(120)]
    db.session.add_all(people)
    db.session.commit()
    return _make_batch(random.Random(20250820), trainings, people, create_training(village=tree["other_village"]))


def _make_batch(rng, trainings, people, out_of_scope):
    """Return 500 scans and, for each (training, person) they check in, the scan id that must win."""
    refused = [{"scan_id": "broken", "training_id": trainings[0].id, "qr": "x", "scanned_at": "2025-13-01"},
               _item(out_of_scope, people[0])]
    for _ in range(20):
        refused.append(_item(rng.choice(trainings), rng.choice(people), qr="PD1.ABCDEFGH.AAAAAAAAAAAAAAAA"))
        training = rng.choice(trainings)
        late = (training.ends_at + timedelta(hours=2, seconds=1)).isoformat()
        refused.append(_item(training, rng.choice(people), scanned_at=late))
    items, scans, room = [], {}, 500 - len(refused)
    while len(items) < room:
        training, person = rng.choice(trainings), rng.choice(people)
        at = training.starts_at + timedelta(minutes=rng.randrange(-60, 241))
        item = _item(training, person, scanned_at=at.isoformat(), shown=rng.choice(["accepted", "pending"]))
        twice = rng.random() < 0.1 and len(items) + 2 <= room  # some scans are sent twice
        items += [item, dict(item)] if twice else [item]
        scans.setdefault((training.id, person.id), []).append((at, item["scan_id"]))
    items += refused
    # The earliest scan of a person at a training is the one that counts, whatever the order sent.
    return items, {key: min(found)[1] for key, found in scans.items()}


