"""What happened in the unit's villages: trainings held, check-ins, villages reached, what is next.

Trainings and check-ins count at the training's village. A training is held when it has a
counting check-in (see :func:`tracker.digests.reach.counting`), on the local day it starts.
"""
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.checkins.models import CheckIn
from tracker.digests.reach import counting
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.queries import village_within
from tracker.trainings.models import Training, TrainingStatus

#: Trainings listed in ``upcoming`` and ``stale`` at most (the totals are always given).
LISTED_TRAININGS = 200


def _in_unit(frame, village):
    return village_within(frame.unit, village)


def held_trainings(frame):
    """Return a subquery of the unit's held trainings: id, village, start and check-ins of yesterday."""
    village = aliased(Unit)
    yesterday = sa.func.sum(sa.case((CheckIn.scanned_at >= frame.yesterday, 1), else_=0))
    return (
        sa.select(Training.id, Training.village_id, Training.starts_at, yesterday.label("checkins_yesterday"))
        .select_from(CheckIn)
        .join(Training, Training.id == CheckIn.training_id)
        .join(village, village.id == Training.village_id)
        .where(*counting(frame), _in_unit(frame, village))
        .group_by(Training.id, Training.village_id, Training.starts_at)
        .subquery()
    )


def training_counts(frame):
    """Return check-ins of yesterday and trainings held yesterday and in all, before the frame's day."""
    held = held_trainings(frame)
    started_yesterday = sa.case((sa.and_(held.c.starts_at >= frame.yesterday, held.c.starts_at < frame.as_of), 1),
                                else_=0)
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(held.c.checkins_yesterday), 0),
        sa.func.coalesce(sa.func.sum(started_yesterday), 0),
        sa.func.count(held.c.id),
    )).one()
    return {"checkins_yesterday": int(row[0]), "trainings_held_yesterday": int(row[1]),
            "trainings_held_total": int(row[2])}


def villages(frame):
    """Return the number of villages in the unit and the list of those without a held training."""
    village, commune = aliased(Unit), aliased(Unit)
    held = held_trainings(frame)
    in_unit = sa.and_(village.level == UnitLevel.village, _in_unit(frame, village))
    total = db.session.scalar(sa.select(sa.func.count(village.id)).where(in_unit))
    rows = db.session.execute(
        sa.select(village.code, village.name, commune.name)
        .join(commune, commune.id == village.parent_id)
        .where(in_unit, ~sa.exists().where(held.c.village_id == village.id))
        .order_by(commune.name, village.name, village.code)
    )
    missing = [{"code": code, "name": name, "commune": commune_name} for code, name, commune_name in rows]
    return {"villages_total": total, "villages_reached": total - len(missing), "villages_not_reached": missing}


def upcoming(frame):
    """Return ``(total, trainings)``: trainings of the unit (not cancelled) starting on the day or the next."""
    end = frame.since(frame.day + timedelta(days=2))
    return _listed(frame, Training.status != TrainingStatus.cancelled,
                   Training.starts_at >= frame.as_of, Training.starts_at < end)


def stale(frame):
    """Return ``(total, trainings)``: trainings whose end passed, still planned, with no counting check-in."""
    scanned = sa.exists().where(CheckIn.training_id == Training.id, CheckIn.voided_at.is_(None),
                                CheckIn.scanned_at < frame.as_of)
    return _listed(frame, Training.status == TrainingStatus.planned, Training.ends_at < frame.as_of, ~scanned)


def _listed(frame, *conditions):
    village = aliased(Unit)
    stmt = (sa.select(Training, village).join(village, village.id == Training.village_id)
            .where(Training.campaign_id == frame.campaign.id, _in_unit(frame, village), *conditions))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(Training.starts_at, Training.id).limit(LISTED_TRAININGS))
    return total, [_training(training, place) for training, place in rows]


def _training(training, village):
    return {"id": training.id, "title": training.title, "topic": training.topic,
            "village": {"code": village.code, "name": village.name},
            "starts_at": training.starts_at.isoformat(), "ends_at": training.ends_at.isoformat(),
            "place": training.place}
