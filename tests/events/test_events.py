import uuid

import pytest
import sqlalchemy as sa

from tracker.campaigns.operations import create_campaign
from tracker.core.errors import AppError
from tracker.events import operations as events
from tracker.events.models import Event
from tracker.trainings.models import Training
from tracker.trainings.operations import cancel_training, schedule_training


def _schedule(campaign, user, village="6600101", **change):
    from datetime import datetime

    from tracker.geo.queries import get_unit
    data = {"campaign_id": campaign.id, "village": get_unit(village), "title": "Buổi học", "topic": "VNeID",
            "starts_at": datetime.fromisoformat("2025-08-20T08:00:00+07:00"),
            "ends_at": datetime.fromisoformat("2025-08-20T10:00:00+07:00"),
            "place": None, "trainer": None, "capacity": None} | change
    return schedule_training(data, user=user)


def test_the_event_is_in_the_same_transaction_as_the_change(db, users, dummy_campaign):
    _schedule(dummy_campaign, users["coordinator"])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Training.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0
    _schedule(dummy_campaign, users["coordinator"])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Training.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 1


def test_a_refused_change_writes_no_event(db, users, dummy_training, count_events):
    with pytest.raises(AppError):
        cancel_training(dummy_training, reason="x", user=users["volunteer"])
    with pytest.raises(AppError):
        _schedule(dummy_training.campaign, users["coordinator"], topic="Không có")
    assert count_events() == 0


def test_listeners_hear_of_events_only_after_commit(app, db, users, dummy_campaign):
    heard = []

    def listener(sender, event_ids):
        heard.extend(event_ids)

    events.event_committed.connect(listener)
    try:
        _schedule(dummy_campaign, users["coordinator"])
        assert heard == []
        db.session.commit()
        assert len(heard) == 1
        _schedule(dummy_campaign, users["coordinator"])
        db.session.rollback()
        db.session.commit()
        assert len(heard) == 1
    finally:
        events.event_committed.disconnect(listener)


def test_events_of_a_rolled_back_savepoint_are_not_announced(app, db, users, dummy_campaign):
    heard = []

    def listener(sender, event_ids):
        heard.extend(event_ids)

    events.event_committed.connect(listener)
    try:
        _schedule(dummy_campaign, users["coordinator"])
        with pytest.raises(RuntimeError), db.session.begin_nested():
            _schedule(dummy_campaign, users["coordinator"])
            raise RuntimeError("refused inside the savepoint")
        _schedule(dummy_campaign, users["coordinator"])
        db.session.commit()
        stored = db.session.scalars(sa.select(Event.id).order_by(Event.id)).all()
        assert len(stored) == 2
        assert heard == stored
    finally:
        events.event_committed.disconnect(listener)


def test_every_change_writes_exactly_one_event(db, users, tree, runner, count_events):
    from datetime import date, time
    campaign = create_campaign({"name": "Chiến dịch", "unit": tree["province"], "start_date": date(2025, 7, 15),
                                "deadline": date(2025, 10, 25), "timezone": "Asia/Ho_Chi_Minh", "digest_time": time(6),
                                "topics": ["VNeID"]}, user=users["admin"])
    db.session.commit()
    assert count_events("campaign.created") == 1
    training = _schedule(campaign, users["coordinator"])
    db.session.commit()
    cancel_training(training, reason="Mưa", user=users["coordinator"])
    db.session.commit()
    types = db.session.scalars(sa.select(Event.type).order_by(Event.id)).all()
    assert types == ["campaign.created", "training.scheduled", "training.cancelled"]


def test_ids_are_monotonic_and_the_feed_pages_in_order(db, users, dummy_campaign, api_as):
    for _ in range(7):
        _schedule(dummy_campaign, users["coordinator"])
        db.session.commit()
    api = api_as(users["committee"])
    ids, url = [], "/api/v1/events?limit=3"
    while url:
        page = api.get(url).json
        ids += [item["id"] for item in page["items"]]
        url = page["next"]
    assert ids == sorted(ids) and len(ids) == 7
    first = api.get("/api/v1/events?limit=1").json["items"][0]
    assert first["type"] == "training.scheduled" and first["unit"] == "6600101"
    assert first["subject"]["type"] == "training" and first["payload"]["title"] == "Buổi học"
    assert first["occurred_at"].endswith("+00:00")
    assert api.get(f"/api/v1/events?after={ids[-1]}").json == {"items": [], "next": None}


def test_the_feed_is_scoped_by_unit(db, users, dummy_campaign, api_as):
    _schedule(dummy_campaign, users["coordinator"])
    _schedule(dummy_campaign, users["other_coordinator"], village="6600201")
    db.session.commit()
    own = api_as(users["other_coordinator"]).get("/api/v1/events").json["items"]
    assert [item["unit"] for item in own] == ["6600201"]
    assert len(api_as(users["admin"]).get("/api/v1/events").json["items"]) == 2


@pytest.mark.parametrize("query", ["after=-1", "after=abc", "limit=0", "limit=5000"])
def test_bad_feed_arguments(users, api_as, query):
    response = api_as(users["admin"]).get(f"/api/v1/events?{query}")
    assert response.status_code == 422


@pytest.mark.postgresql_only
def test_the_feed_hides_events_of_transactions_still_open(app, db, users, dummy_campaign, api_as):
    """On PostgreSQL an id is taken before commit; a reader must not page past a gap.

    (SQLite serialises writers, so it has no transaction in flight to hide.)
    """
    api = api_as(users["admin"])
    engine = db.engine
    with engine.connect() as other:
        other.execute(sa.text(
            "INSERT INTO events (type, occurred_at, subject_type, subject_id, payload, txid) "
            "VALUES ('probe', now(), 'x', '1', '{}', pg_current_xact_id()::text::bigint)"))
        _schedule(dummy_campaign, users["coordinator"])
        db.session.commit()
        assert api.get("/api/v1/events").json["items"] == []
        other.commit()
    items = api.get("/api/v1/events").json["items"]
    assert [item["type"] for item in items] == ["probe", "training.scheduled"]


PROBE = ("INSERT INTO events (type, occurred_at, subject_type, subject_id, payload, txid) "
         "VALUES (:type, now(), 'x', '1', '{}', pg_current_xact_id()::text::bigint)")


@pytest.mark.postgresql_only
def test_an_older_transactions_later_event_waits_until_the_lower_id_can_be_seen(app, db, users, api_as,
                                                                                 monkeypatch):
    """U takes its transaction id first (a check-in row), T inserts an event and stays open, then U inserts
    its event (a higher id) and commits: U's event is below the horizon while T's lower id is not visible
    yet. Handing U's out would let a reader page past T's for good; events wait a few seconds first."""
    api = api_as(users["admin"])
    with db.engine.connect() as older, db.engine.connect() as younger:
        older.execute(sa.text("INSERT INTO leases (name) VALUES ('first-write')"))  # U's transaction id
        younger.execute(sa.text(PROBE), {"type": "younger.lower_id"})  # T: the lower event id, still open
        older.execute(sa.text(PROBE), {"type": "older.higher_id"})
        older.commit()
        monkeypatch.setitem(app.config, "TRACKER_EVENT_SETTLE_SECONDS", 0)
        assert [item["type"] for item in api.get("/api/v1/events").json["items"]] == ["older.higher_id"]  # the gap
        monkeypatch.setitem(app.config, "TRACKER_EVENT_SETTLE_SECONDS", 3)
        assert api.get("/api/v1/events").json["items"] == []  # too fresh to hand out
        younger.commit()
    db.session.execute(sa.text("UPDATE events SET occurred_at = occurred_at - interval '4 seconds'"))
    db.session.commit()
    items = api.get("/api/v1/events").json["items"]
    assert [item["type"] for item in items] == ["younger.lower_id", "older.higher_id"]


@pytest.mark.postgresql_only
def test_a_write_left_open_in_another_database_does_not_stall_the_feed(app, db, users, dummy_campaign, api_as):
    """Transaction ids are cluster-wide; only this database's writers may hold the feed back."""
    api = api_as(users["admin"])
    other_db = f"other_{uuid.uuid4().hex[:8]}"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(sa.text(f"CREATE DATABASE {other_db}"))
    elsewhere = sa.create_engine(db.engine.url.set(database=other_db), poolclass=sa.pool.NullPool)
    try:
        with elsewhere.connect() as other:
            other.execute(sa.text("CREATE TABLE t (x int)"))
            other.execute(sa.text("INSERT INTO t VALUES (1)"))  # a write left open, elsewhere on the server
            _schedule(dummy_campaign, users["coordinator"])
            db.session.commit()
            assert [item["type"] for item in api.get("/api/v1/events").json["items"]] == ["training.scheduled"]
            other.rollback()
    finally:
        elsewhere.dispose()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            admin.execute(sa.text(f"DROP DATABASE {other_db}"))


@pytest.mark.postgresql_only
def test_the_audit_trail_shows_what_is_committed_while_another_write_is_open(app, db, users, dummy_campaign,
                                                                             client, login):
    """The feed waits for older open transactions; the pages that only show the log do not."""
    login(users["admin"])
    with db.engine.connect() as other:
        other.execute(sa.text("INSERT INTO leases (name) VALUES ('long-write')"))  # a write left open
        _schedule(dummy_campaign, users["coordinator"])
        db.session.commit()
        page = client.get("/events").get_data(as_text=True)
        assert "Title:</span> Buổi học" in page and "No events." not in page
        other.rollback()
