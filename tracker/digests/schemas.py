"""Digest input and output: the stored payload (docs/digest.md) and the arguments that pick one."""
import re

import marshmallow as ma

from tracker.core.args import DropBlanks, Id
from tracker.geo.models import UnitLevel
from tracker.geo.schemas import UnitField

#: The units that have a digest: the campaign's province and its communes.
DIGEST_LEVELS = [UnitLevel.province, UnitLevel.commune]
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Day(ma.fields.Date):
    """A calendar day written ``YYYY-MM-DD`` and nothing else (no ``20250820``, no week dates)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _DAY.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class ProgressArgsSchema(DropBlanks, ma.Schema):
    """A progress download: the campaign (default: the reader's current one) and the local day it ends on."""

    campaign_id = Id()
    date = Day(metadata={"description": "Counts every check-in scanned up to the end of this local day "
                                        "(default: today so far)"})


def _date(**kwargs):
    """A calendar day as stored in the payload (already ``YYYY-MM-DD`` text)."""
    return ma.fields.String(metadata={"format": "date"}, **kwargs)


class CampaignRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class UnitRefSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.String()


class VillageRefSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class VillageNotReachedSchema(VillageRefSchema):
    commune = ma.fields.String(metadata={"description": "The commune's name"})


class RankingRowSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    target = ma.fields.Integer(allow_none=True)
    reached = ma.fields.Integer()
    percent = ma.fields.Float(allow_none=True)
    rank = ma.fields.Integer(allow_none=True, metadata={"description": "By percent of target; null without one"})
    rank_yesterday = ma.fields.Integer(allow_none=True)
    rank_change = ma.fields.Integer(allow_none=True, metadata={"description": "rank_yesterday − rank (up is positive)"})


class BreakdownSchema(ma.Schema):
    gender = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    ethnic_minority = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    age_band = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    topic = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class IndicatorRowSchema(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    target = ma.fields.Integer(allow_none=True)
    reached = ma.fields.Integer()
    reached_percent = ma.fields.Float(allow_none=True)


class TrainingBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    topic = ma.fields.String()
    village = ma.fields.Nested(VillageRefSchema)
    starts_at = ma.fields.String(metadata={"format": "date-time"})
    ends_at = ma.fields.String(metadata={"format": "date-time"})
    place = ma.fields.String(allow_none=True)


class SeriesRowSchema(ma.Schema):
    date = _date()
    new_reached = ma.fields.Integer()
    reached = ma.fields.Integer()


class DigestSchema(ma.Schema):
    """A stored digest: the payload's keys (docs/digest.md) at the top level, and ``compiled_at``."""

    campaign = ma.fields.Nested(CampaignRefSchema)
    unit = ma.fields.Nested(UnitRefSchema)
    date = _date()
    as_of = ma.fields.String(metadata={"format": "date-time", "description": "00:00 local on date, in UTC"})
    start_date = _date()
    deadline = _date()
    day_number = ma.fields.Integer()
    days_total = ma.fields.Integer()
    days_left = ma.fields.Integer()
    target = ma.fields.Integer(allow_none=True)
    reached = ma.fields.Integer()
    reached_percent = ma.fields.Float(allow_none=True)
    new_reached_yesterday = ma.fields.Integer()
    checkins_yesterday = ma.fields.Integer()
    trainings_held_yesterday = ma.fields.Integer()
    trainings_held_total = ma.fields.Integer()
    required_daily_pace = ma.fields.Integer(allow_none=True)
    pace_7d = ma.fields.Float()
    projected_completion_date = _date(allow_none=True)
    on_track = ma.fields.Boolean(allow_none=True)
    villages_total = ma.fields.Integer()
    villages_reached = ma.fields.Integer()
    villages_not_reached = ma.fields.List(ma.fields.Nested(VillageNotReachedSchema))
    ranking = ma.fields.List(ma.fields.Nested(RankingRowSchema))
    breakdown = ma.fields.Nested(BreakdownSchema)
    indicators = ma.fields.List(ma.fields.Nested(IndicatorRowSchema))
    upcoming_total = ma.fields.Integer()
    upcoming = ma.fields.List(ma.fields.Nested(TrainingBriefSchema), metadata={"description": "The first 200"})
    stale_total = ma.fields.Integer()
    stale = ma.fields.List(ma.fields.Nested(TrainingBriefSchema), metadata={"description": "The first 200"})
    series = ma.fields.List(ma.fields.Nested(SeriesRowSchema))
    compiled_at = ma.fields.AwareDateTime()

    @ma.pre_dump
    def flatten(self, digest, **kwargs):
        """Lift the payload's keys to the top level beside ``compiled_at``."""
        return {**digest.payload, "compiled_at": digest.compiled_at}


class ProgressSchema(DigestSchema):
    """The digest's figures as of a recent instant (``as_of``, also ``compiled_at``): what dashboards show."""

    @ma.pre_dump
    def flatten(self, snapshot, **kwargs):
        """Lift the snapshot's payload to the top level."""
        return {**snapshot.payload, "compiled_at": snapshot.as_of}


class ProgressNowArgsSchema(DropBlanks, ma.Schema):
    unit = UnitField(metadata={"description": "A unit of any level in your area; default your own unit"})


class DigestArgsSchema(DropBlanks, ma.Schema):
    unit = UnitField(levels=DIGEST_LEVELS, metadata={
        "description": "Province or commune code; default the province if you may read it, else your commune"})


class DigestPathSchema(ma.Schema):
    """A digest's address: the campaign id and the day (``YYYY-MM-DD``, checked here: never a 500)."""

    # The URL converter has read it: a number past the id column reads as 0, a campaign not found (404).
    campaign_id = ma.fields.Integer(required=True, load_only=True)
    day = Day(required=True, data_key="date", metadata={"description": "The digest's day, YYYY-MM-DD"})


class DigestCompileCommandSchema(ma.Schema):
    """The options of ``flask digest compile``."""

    campaign = Id(required=True)
    date = Day(load_default=None)
    unit = UnitField(levels=DIGEST_LEVELS, load_default=None)
