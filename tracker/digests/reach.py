"""Who was reached: people counted at their home unit by their first counting check-in, in SQL.

A counting check-in is not voided, at a training of the campaign that is not cancelled, and
scanned (device clock) before the digest's moment: a late offline sync counts when it was scanned.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from tracker.campaigns.models import Campaign, Target
from tracker.checkins.models import CheckIn
from tracker.core.db import local_day_number
from tracker.core.time import UTC, day_bounds, from_epoch_day, local_date
from tracker.digests.numbers import percent
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.queries import village_within
from tracker.participants.models import AGE_BANDS, MAJORITY_ETHNICITY, Participant
from tracker.trainings.models import Training, TrainingStatus


@dataclass(frozen=True)
class Frame:
    """The moment a digest describes: a campaign, a unit and 00:00 local on ``day``."""

    campaign: Campaign
    unit: Unit
    day: date
    as_of: datetime  #: 00:00 local on ``day``, in UTC (or an instant of the day before: ``Frame.at``)
    yesterday: datetime  #: 00:00 local on the day before, in UTC

    @classmethod
    def of(cls, campaign, unit, day):
        """Return the frame of ``unit``'s digest for ``day``."""
        as_of = day_bounds(day, campaign.timezone)[0]
        return cls(campaign, unit, day, as_of, day_bounds(day - timedelta(days=1), campaign.timezone)[0])

    @classmethod
    def at(cls, campaign, unit, moment):
        """Return the frame of ``unit`` as of any instant: the digest dated the day after ``moment``'s
        local day, but counting only up to ``moment`` (the dashboard's "now").

        At 00:00 local on D it is the frame of D's digest; at noon on D, "yesterday" is D so far.
        """
        moment = moment.astimezone(UTC)
        day = local_date(moment - timedelta(microseconds=1), campaign.timezone) + timedelta(days=1)
        return cls(campaign, unit, day, moment, day_bounds(day - timedelta(days=1), campaign.timezone)[0])

    def since(self, day):
        """Return 00:00 local on ``day``, in UTC."""
        return day_bounds(day, self.campaign.timezone)[0]


def allow_large_aggregates():
    """Let this transaction's sorts and hashes use ``TRACKER_DIGEST_WORK_MEM`` on PostgreSQL (a SET LOCAL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.set_config("work_mem", current_app.config["TRACKER_DIGEST_WORK_MEM"], True)))


def counting(frame):
    """Return the conditions under which a check-in (joined to its training) counts in ``frame``."""
    return (Training.campaign_id == frame.campaign.id, Training.status != TrainingStatus.cancelled,
            CheckIn.voided_at.is_(None), CheckIn.scanned_at < frame.as_of)


def first_reaches(frame, *columns):
    """Return a subquery of the people living in the frame's unit: ``first_at`` and ``columns``.

    ``columns`` are functions of the home village's alias (e.g. the child unit it counts under).
    """
    home = aliased(Unit)
    extra = [column(home) for column in columns]
    return (
        sa.select(Participant.id.label("participant_id"), Participant.gender, Participant.ethnicity,
                  Participant.birth_year, *extra, sa.func.min(CheckIn.scanned_at).label("first_at"))
        .select_from(CheckIn)
        .join(Training, Training.id == CheckIn.training_id)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .join(home, home.id == Participant.village_id)
        .where(*counting(frame), village_within(frame.unit, home))
        .group_by(Participant.id, Participant.gender, Participant.ethnicity, Participant.birth_year, *extra)
        .subquery()
    )


def reach_by_day(frame):
    """Return ``[(day, new, reached so far)]`` for the days people were first reached, in order.

    First reaches before the start day count on the start day; the running total is a window sum.
    """
    first = first_reaches(frame)
    start, last = frame.campaign.start_date, max(frame.campaign.start_date, frame.day - timedelta(days=1))
    days = sa.select(local_day_number(first.c.first_at, frame.campaign.timezone, start, last).label("day")).subquery()
    per_day = sa.select(days.c.day, sa.func.count().label("new")).group_by(days.c.day).subquery()
    rows = db.session.execute(
        sa.select(per_day.c.day, per_day.c.new, sa.func.sum(per_day.c.new).over(order_by=per_day.c.day))
        .order_by(per_day.c.day)
    )
    return [(from_epoch_day(day), new, int(total)) for day, new, total in rows]


def breakdown(frame):
    """Return the reached people by gender, ethnic minority, age band and topic (``{group: {key: n}}``)."""
    first = first_reaches(frame)
    year = frame.day.year
    band = sa.case(*[(first.c.birth_year <= year - age, key) for key, age in AGE_BANDS], else_="under_15")
    minority = sa.case((first.c.ethnicity == MAJORITY_ETHNICITY, "majority"), else_="minority")
    people = sa.select(first.c.gender, minority.label("minority"), band.label("band")).subquery()
    rows = db.session.execute(
        sa.select(people.c.gender, people.c.minority, people.c.band, sa.func.count())
        .group_by(people.c.gender, people.c.minority, people.c.band)
    ).all()
    groups = {"gender": dict.fromkeys(("female", "male", "other"), 0),
              "ethnic_minority": dict.fromkeys(("minority", "majority"), 0),
              "age_band": dict.fromkeys(("under_15", "15-24", "25-39", "40-59", "60+"), 0)}
    for gender, is_minority, age_band, count in rows:  # at most 30 group rows, never people
        groups["gender"][str(gender)] += count
        groups["ethnic_minority"][is_minority] += count
        groups["age_band"][age_band] += count
    return groups | {"topic": reached_by_topic(frame)}


def reached_by_topic(frame):
    """Return ``{topic: people}``: distinct people of the unit reached at trainings of each topic."""
    home = aliased(Unit)
    rows = db.session.execute(
        sa.select(Training.topic, sa.func.count(sa.distinct(CheckIn.participant_id)))
        .select_from(CheckIn)
        .join(Training, Training.id == CheckIn.training_id)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .join(home, home.id == Participant.village_id)
        .where(*counting(frame), village_within(frame.unit, home))
        .group_by(Training.topic)
        .order_by(sa.func.count(sa.distinct(CheckIn.participant_id)).desc(), Training.topic)
    )
    return dict(rows.all())


def ranking(frame):
    """Return the child units with target, reached, percent, and rank by percent today and yesterday.

    Communes rank in a province, villages in a commune; units without a target are not ranked.
    """
    child = (lambda home: home.parent_id) if frame.unit.level == UnitLevel.province else (lambda home: home.id)
    first = first_reaches(frame, lambda home: child(home).label("child_id"))
    per_child = (
        sa.select(first.c.child_id, sa.func.count().label("reached"),
                  sa.func.sum(sa.case((first.c.first_at < frame.yesterday, 1), else_=0)).label("before"))
        .group_by(first.c.child_id).subquery()
    )
    reached, before = sa.func.coalesce(per_child.c.reached, 0), sa.func.coalesce(per_child.c.before, 0)
    target = sa.func.nullif(Target.target, 0)
    unranked = sa.case((target.is_(None), 1), else_=0)
    rows = sa.select(
        Unit.code, Unit.name, Target.target, reached.label("reached"), before.label("before"),
        sa.func.rank().over(partition_by=unranked, order_by=(reached * 1.0 / target).desc()).label("rank"),
        sa.func.rank().over(partition_by=unranked, order_by=(before * 1.0 / target).desc()).label("rank_yesterday"),
        unranked.label("unranked"),
    ).select_from(Unit).outerjoin(per_child, per_child.c.child_id == Unit.id).outerjoin(
        Target, sa.and_(Target.unit_id == Unit.id, Target.campaign_id == frame.campaign.id)
    ).where(Unit.parent_id == frame.unit.id).subquery()
    rows = db.session.execute(
        sa.select(rows).order_by(rows.c.unranked, rows.c.rank, rows.c.reached.desc(), rows.c.name, rows.c.code)
    )
    return [_ranking_row(*row) for row in rows]


def _ranking_row(code, name, target, reached, before, rank, rank_yesterday, unranked):
    if unranked:
        rank = rank_yesterday = None
    change = rank_yesterday - rank if rank is not None else None
    return {"code": code, "name": name, "target": target, "reached": int(reached),
            "percent": percent(reached, target), "rank": rank, "rank_yesterday": rank_yesterday,
            "rank_change": change}
