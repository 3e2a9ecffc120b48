"""Reads of trainings, always scoped by the reader's unit."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, scope_filter
from tracker.auth.models import User
from tracker.core.errors import NotFound
from tracker.core.pagination import paginate
from tracker.core.time import DEFAULT_TIMEZONE, day_bounds
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.trainings.models import Training, TrainingStatus


def get_training_for(user, training_id):
    """Return the training if it lies in ``user``'s scope; raise 404 otherwise."""
    training = db.session.get(Training, training_id)
    if training is None:
        raise NotFound(_("Training not found."))
    ensure_can(user, "trainings.read", training.village)
    return training


def trainings_for(user, *, campaign=None, unit=None, day=None, status=None):
    """Return a select of the trainings ``user`` may see, filtered."""
    stmt = sa.select(Training).join(Training.village).where(scope_filter(user, Unit))
    if campaign is not None:
        stmt = stmt.where(Training.campaign_id == campaign.id)
    if unit is not None:
        stmt = stmt.where(Unit.path.startswith(unit.path, autoescape=True))
    if day is not None:
        start, end = day_bounds(day, campaign.timezone if campaign else DEFAULT_TIMEZONE)
        stmt = stmt.where(Training.starts_at >= start, Training.starts_at < end)
    if status is not None:
        stmt = stmt.where(Training.status == status)
    return stmt


#: The order of the trainings list, its pages and its export.
TRAINING_ORDER = (Training.starts_at, Training.id)


def page_trainings(user, *, cursor=None, limit=50, **filters):
    """Return ``(trainings, next_cursor)`` in start order."""
    stmt = trainings_for(user, **filters).options(
        sa.orm.contains_eager(Training.village).selectinload(Unit.parent)
    )
    return paginate(stmt, list(TRAINING_ORDER), cursor=cursor, limit=limit)


def count_by_status(user, *, campaign=None, unit=None, day=None):
    """Return ``{status: count}`` of visible trainings, counted in SQL."""
    stmt = trainings_for(user, campaign=campaign, unit=unit, day=day).subquery()
    rows = db.session.execute(sa.select(stmt.c.status, sa.func.count()).group_by(stmt.c.status))
    counts = {status: 0 for status in TrainingStatus}
    counts.update({TrainingStatus(status): count for status, count in rows})
    return counts


def topics_in_use(campaign):
    """Return the topics that trainings of ``campaign`` use."""
    return db.session.scalars(
        sa.select(Training.topic).where(Training.campaign_id == campaign.id).distinct()
    ).all()


def count_by_day(user, campaign, first, last, *, unit=None):
    """Return ``{local day: {status: count}}`` of visible trainings from ``first`` to ``last``.

    Counted in SQL: each start is bucketed by the UTC bounds of the campaign's local days, which
    is exact on every database (no time-zone arithmetic in SQL).
    """
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    bounds = [day_bounds(day, campaign.timezone) for day in days]
    trainings = (
        trainings_for(user, campaign=campaign, unit=unit)
        .where(Training.starts_at >= bounds[0][0], Training.starts_at < bounds[-1][1])
        .subquery()
    )
    local_day = sa.case(*[(trainings.c.starts_at < end, day.isoformat()) for day, (_start, end) in zip(days, bounds)])
    by_day = sa.select(local_day.label("day"), trainings.c.status).subquery()
    rows = db.session.execute(
        sa.select(by_day.c.day, by_day.c.status, sa.func.count()).group_by(by_day.c.day, by_day.c.status)
    )
    counts = {}
    for day, status, count in rows:
        counts.setdefault(date.fromisoformat(day), {})[TrainingStatus(status)] = count
    return counts


def creator_of(training):
    """Return the user who planned ``training``, or None."""
    return db.session.get(User, training.created_by_id) if training.created_by_id else None
