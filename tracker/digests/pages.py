"""What the digest pages need besides the stored digest: their input, the unit a reader gets by
default, the history's figures."""
from datetime import datetime, timedelta

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import can_see, ensure_can
from tracker.core.args import DropBlanks
from tracker.core.errors import InvalidInput, NotFound
from tracker.digests.models import Digest
from tracker.digests.operations import digest_units, ensure_digest_unit, last_day
from tracker.digests.queries import default_digest_unit
from tracker.extensions import db
from tracker.geo.schemas import UnitField


class PageArgsSchema(DropBlanks, ma.Schema):
    """``?unit=CODE`` on every digest page (the reader's own unit when left out)."""

    unit = UnitField()


class HistoryArgsSchema(PageArgsSchema):
    """The history's day picker: ``?date=YYYY-MM-DD`` opens that day's digest."""

    date = ma.fields.Date()


class DaySchema(ma.Schema):
    day = ma.fields.Date(required=True)


def parse_day(text):
    """Return the day of a digest URL; a malformed one answers 404 with the reason."""
    try:
        return DaySchema().load({"day": text})["day"]
    except ma.ValidationError:
        raise NotFound(_("“%(text)s” is not a day: write it as YYYY-MM-DD.", text=text[:40])) from None


def digest_unit_for(user, campaign, unit=None):
    """Return the unit asked for (or the default) once ``user`` may read its digests there.

    A unit out of scope answers 404, a role without ``digests.read`` 403, a unit without digests 422.
    """
    unit = unit or default_digest_unit(user, campaign)
    ensure_can(user, "digests.read", unit)
    try:
        ensure_digest_unit(campaign, unit)
    except InvalidInput as error:
        raise InvalidInput(error.fields["unit"][0], fields=error.fields) from None
    return unit


def neighbours(campaign, day, *, now=None):
    """Return the previous and next digest days around ``day`` (None beyond the campaign)."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    return (before if before >= campaign.start_date else None,
            after if after <= last_day(campaign, now=now) else None)


def digest_history(campaign, unit):
    """Return the stored digests of ``unit``, newest first, with their headline figures read in SQL."""
    figures = Digest.payload
    rows = db.session.execute(
        sa.select(Digest.date, Digest.compiled_at, figures["reached"].as_integer().label("reached"),
                  figures["target"].as_integer().label("target"),
                  figures["reached_percent"].as_float().label("reached_percent"),
                  figures["days_left"].as_integer().label("days_left"),
                  figures["new_reached_yesterday"].as_integer().label("new_reached_yesterday"),
                  figures["on_track"].as_boolean().label("on_track"))
        .where(Digest.campaign_id == campaign.id, Digest.unit_id == unit.id)
        .order_by(Digest.date.desc())
    )
    return rows.all()


def unit_choices(user, campaign):
    """Return the units whose digests ``user`` may pick: the province and communes in their scope."""
    return [unit for unit in digest_units(campaign) if can_see(user, unit)]


def with_instants(trainings):
    """Return the payload's trainings with ``starts_at``/``ends_at`` as aware datetimes."""
    return [training | {"starts_at": datetime.fromisoformat(training["starts_at"]),
                        "ends_at": datetime.fromisoformat(training["ends_at"])} for training in trainings]
