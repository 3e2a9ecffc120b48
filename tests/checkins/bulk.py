"""Many check-ins, fast: people by executemany and check-ins by one INSERT … SELECT (tests and benchmarks)."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.participants.models import Gender, Participant
from tracker.trainings.models import Training, TrainingStatus

ICT = timezone(timedelta(hours=7))


def add_people(village, count, *, prefix="B"):
    """Register ``count`` people in ``village`` with one executemany; return their ids."""
    now = utcnow()
    rows = [{"code": f"{prefix}{n:07d}", "full_name": f"Nguyễn Thị Số {n}", "search_name": f"nguyen thi so {n}",
             "birth_year": 1950 + n % 50, "gender": Gender.female, "ethnicity": "Ê Đê", "village_id": village.id,
             "consent": True, "created_at": now, "updated_at": now} for n in range(count)]
    db.session.execute(sa.insert(Participant), rows)
    return db.session.scalars(sa.select(Participant.id).where(Participant.code.startswith(prefix))).all()


def add_trainings(campaign, village, count, *, start=datetime(2025, 8, 1, 8, tzinfo=ICT)):
    """Plan ``count`` held trainings in ``village``, an hour apart; return them."""
    trainings = [Training(campaign=campaign, village=village, title=f"Buổi {n + 1}", topic="VNeID",
                          starts_at=start + timedelta(hours=n), ends_at=start + timedelta(hours=n, minutes=50),
                          status=TrainingStatus.held) for n in range(count)]
    db.session.add_all(trainings)
    db.session.flush()
    return trainings


def check_everyone_in(trainings, people_prefix="B"):
    """Check every person whose code starts with ``people_prefix`` in at each of ``trainings`` (one INSERT … SELECT)."""
    dialect = db.session.get_bind().dialect.name
    scan_id = ("CAST(lpad(to_hex(t.id), 16, '0') || lpad(to_hex(p.id), 16, '0') AS uuid)" if dialect == "postgresql"
               else "printf('%016x%016x', t.id, p.id)")
    db.session.execute(sa.text(
        "INSERT INTO checkins (training_id, participant_id, scan_id, scanned_at, recorded_at, source, is_offline) "
        f"SELECT t.id, p.id, {scan_id}, t.starts_at, t.starts_at, 'camera', :offline "
        "FROM trainings t CROSS JOIN participants p WHERE t.id IN :ids AND p.code LIKE :prefix"
    ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": [training.id for training in trainings], "offline": False, "prefix": people_prefix + "%"})
