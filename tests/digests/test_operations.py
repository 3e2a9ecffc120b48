"""Compiling and storing digests: one row per (campaign, unit, date), replaced atomically, with its event."""
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.digests.worked_example import at
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.core.errors import Forbidden, InvalidInput, NotFound
from tracker.digests import operations
from tracker.digests.models import Digest
from tracker.digests.queries import digest_dates, get_digest_for
from tracker.events.models import Event

NOW = datetime(2025, 7, 30, 3, 0, tzinfo=UTC)


def compile_(worked, unit="province", day=17, **kwargs):
    return operations.compile_digest(worked.campaign, worked.units[unit], date(2025, 7, day), now=NOW, **kwargs)


def test_compile_stores_the_payload_and_records_its_event(db, worked):
    digest = compile_(worked)
    db.session.commit()
    stored = db.session.scalar(sa.select(Digest))
    assert (stored.unit.code, stored.date, stored.payload["reached"], stored.compiled_at) == ("66", date(2025, 7, 17), 4, NOW)
    event = db.session.scalar(sa.select(Event).where(Event.type == "digest.compiled"))
    assert (event.subject_id, event.unit.code, event.campaign_id) == (str(digest.id), "66", worked.campaign.id)
    # Ids and counts only: nothing personal in the event.
    assert event.payload == {"date": "2025-07-17", "unit": "66", "target": 12, "reached": 4, "days_left": 8}


def test_compiling_again_replaces_the_same_row(db, worked):
    first = compile_(worked)
    db.session.commit()
    db.session.add(CheckIn(training=worked.trainings["T2"], participant=worked.people["F"], scan_id=uuid.uuid4(),
                           scanned_at=at(16, 7), source=CheckInSource.sync, is_offline=True))
    db.session.commit()
    second = compile_(worked)
    db.session.commit()
    assert second.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Digest.id))) == 1
    assert db.session.get(Digest, first.id).payload["reached"] == 5
    assert db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.type == "digest.compiled")) == 2


def test_a_crash_while_compiling_leaves_the_previous_digest(db, worked, monkeypatch):
    compile_(worked)
    db.session.commit()
    db.session.add(CheckIn(training=worked.trainings["T2"], participant=worked.people["F"], scan_id=uuid.uuid4(),
                           scanned_at=at(16, 7), source=CheckInSource.camera))
    db.session.commit()

    def crash(*args, **kwargs):
        # The new payload is written (flushed) when the process dies: others still read the old one.
        with db.engine.connect() as other:
            assert other.execute(sa.select(Digest.payload)).scalar_one()["reached"] == 4
        raise RuntimeError("killed")

    monkeypatch.setattr(operations.events, "record", crash)
    with pytest.raises(RuntimeError):
        compile_(worked)
    db.session.rollback()
    assert db.session.scalar(sa.select(Digest)).payload["reached"] == 4
    assert db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.type == "digest.compiled")) == 1


def test_compile_campaign_makes_the_province_and_every_commune(db, worked):
    digests = operations.compile_campaign(worked.campaign, date(2025, 7, 17), now=NOW)
    db.session.commit()
    assert [(d.unit.code, d.payload["reached"]) for d in digests] == [("66", 4), ("66001", 3), ("66002", 1)]


@pytest.mark.parametrize("unit", ["village", "other_village"])
def test_only_the_province_and_its_communes_have_digests(db, worked, unit):
    with pytest.raises(InvalidInput) as refused:
        compile_(worked, unit)
    assert "unit" in refused.value.fields


@pytest.mark.parametrize("day", [14, 31])
def test_a_day_before_the_start_or_after_today_is_refused(db, worked, day):
    with pytest.raises(InvalidInput) as refused:
        compile_(worked, day=day)  # "today" is 30 July
    assert "date" in refused.value.fields


def test_compiling_on_behalf_of_a_user_checks_the_role_and_scope(db, worked, users):
    with pytest.raises(Forbidden):
        compile_(worked, "commune", user=users["commune_committee"])
    with pytest.raises(NotFound):
        compile_(worked, "other_commune", user=users["coordinator"])
    assert compile_(worked, "commune", user=users["coordinator"]).payload["reached"] == 3


def test_missing_days_are_those_where_any_unit_lacks_its_digest(db, worked):
    for day in (15, 16):
        operations.compile_campaign(worked.campaign, date(2025, 7, day), now=NOW)
    compile_(worked, "province", 17)
    db.session.commit()
    # Today is 30 July, after the deadline (24th): days run to the 25th, the day after it.
    assert operations.missing_days(worked.campaign, now=NOW) == [date(2025, 7, day) for day in range(17, 26)]
    assert operations.missing_days(worked.campaign, now=datetime(2025, 7, 14, tzinfo=UTC)) == []


def test_reading_a_stored_digest_is_scoped(db, worked, users):
    compile_(worked, "commune")
    db.session.commit()
    campaign, commune = worked.campaign, worked.units["commune"]
    assert get_digest_for(users["commune_committee"], campaign, commune, date(2025, 7, 17)).payload["reached"] == 3
    with pytest.raises(NotFound):
        get_digest_for(users["other_coordinator"], campaign, commune, date(2025, 7, 17))
    with pytest.raises(Forbidden):
        get_digest_for(users["volunteer"], campaign, commune, date(2025, 7, 17))
    with pytest.raises(NotFound):
        get_digest_for(users["admin"], campaign, commune, date(2025, 7, 18))
    assert digest_dates(campaign, commune) == [date(2025, 7, 17)]
