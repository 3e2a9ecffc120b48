"""The dashboard's figures: the digest's own function as of any instant, kept as a snapshot, drilled down
province → commune → village, and updated live."""
import uuid
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.digests.worked_example import at
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.core.time import DEFAULT_TIMEZONE, combine_local, today, utcnow
from tracker.digests.figures import build_payload
from tracker.digests.models import ProgressSnapshot
from tracker.digests.progress import progress_now, refresh_provinces, refresh_snapshot
from tracker.trainings.models import Training

UNITS = ("province", "commune", "other_commune", "village")


@pytest.mark.parametrize("unit", UNITS)
def test_at_midnight_the_figures_are_that_days_digest(worked, unit):
    snapshot = refresh_snapshot(worked.campaign, worked.units[unit], now=at(17, 0))
    assert snapshot.payload == build_payload(worked.campaign, worked.units[unit], date(2025, 7, 17))


@pytest.mark.parametrize("unit", UNITS)
def test_during_a_day_the_figures_are_what_tomorrows_digest_will_say(worked, unit):
    """At 13:00 on the 16th, the day so far is "yesterday" of the 17th's digest (nothing else happens that day)."""
    payload = refresh_snapshot(worked.campaign, worked.units[unit], now=at(16, 13)).payload
    digest = build_payload(worked.campaign, worked.units[unit], date(2025, 7, 17))
    assert payload.pop("as_of") == "2025-07-16T06:00:00+00:00"
    digest.pop("as_of")
    assert payload == digest


def test_the_day_so_far_counts_only_up_to_now(worked):
    payload = refresh_snapshot(worked.campaign, worked.units["province"], now=at(16, 6, 15)).payload
    # C (06:05) and D (06:10) reached so far today; A's 06:20 scan is still to come (and A counts from the 15th).
    assert (payload["reached"], payload["new_reached_yesterday"], payload["checkins_yesterday"]) == (4, 2, 2)
    assert payload["series"][-1] == {"date": "2025-07-16", "new_reached": 2, "reached": 4}


def test_a_snapshot_is_reused_while_fresh_then_computed_again(app, worked, db):
    province, commune = worked.units["province"], worked.units["commune"]
    first = progress_now(worked.campaign, commune, now=at(17, 0))
    db.session.commit()
    assert progress_now(worked.campaign, commune, now=at(17, 0, 0) + timedelta(seconds=59)).as_of == at(17, 0)
    later = progress_now(worked.campaign, commune, now=at(18, 0))
    assert later.id == first.id and later.as_of == at(18, 0) and later.payload["date"] == "2025-07-18"
    # A province's stale figures are shown as they are: the scheduler refreshes them.
    progress_now(worked.campaign, province, now=at(17, 0))
    assert progress_now(worked.campaign, province, now=at(19, 0)).as_of == at(17, 0)
    assert db.session.scalar(sa.select(sa.func.count(ProgressSnapshot.id))) == 2


def test_the_scheduler_refreshes_the_provinces_of_running_campaigns(app, worked, db):
    assert refresh_provinces(now=at(17, 0)) == 1
    assert refresh_provinces(now=at(17, 0, 0) + timedelta(seconds=30)) == 0  # still fresh
    assert refresh_provinces(now=at(18, 0)) == 1
    assert refresh_provinces(now=at(28, 0)) == 0  # the campaign is over (deadline 24/7, and a day)
    snapshot = db.session.scalar(sa.select(ProgressSnapshot))
    assert snapshot.unit_id == worked.units["province"].id and snapshot.as_of == at(18, 0)


def test_a_slow_computation_is_not_repeated_more_than_a_tenth_of_the_time(app, worked, db):
    snapshot = refresh_snapshot(worked.campaign, worked.units["commune"], now=at(17, 0))
    snapshot.duration_ms = 30_000  # a province at ten times the scale
    db.session.commit()
    assert progress_now(worked.campaign, worked.units["commune"], now=at(17, 0, 4)).as_of == at(17, 0)
    assert progress_now(worked.campaign, worked.units["commune"], now=at(17, 0, 6)).as_of == at(17, 0, 6)


# The pages ---------------------------------------------------------------------------------------

def test_the_dashboard_shows_the_figures_of_now_as_the_digest_counts_them(client, login, users, running, tree):
    login(users["admin"])
    page = client.get("/dashboard").get_data(as_text=True)
    payload = build_payload(running, tree["province"], today(DEFAULT_TIMEZONE) + timedelta(days=1))
    assert payload["reached"] == 2 and payload["target"] == 24
    assert '<b class="reach-big">2</b>' in page and "/ 24" in page and "8.3%" in page
    assert "Today so far" in page and "+2" in page
    # The leaderboard opens each commune's own dashboard.
    assert 'href="/dashboard?unit=66001">Xã Ea Kao</a>' in page and 'href="/dashboard?unit=66002">' in page
    assert f'href="/units/66/progress.xlsx?campaign_id={running.id}"' in page  # the same figures, for Excel
    commune = client.get("/dashboard?unit=66001").get_data(as_text=True)
    assert '<b class="reach-big">1</b>' in commune and "/ 20" in commune
    assert 'href="/dashboard?unit=66">Tỉnh Đắk Lắk</a>' in commune  # the way back up
    assert 'href="/dashboard?unit=6600101">Buôn Ko Tam</a>' in commune
    village = client.get("/dashboard?unit=6600101")
    assert village.status_code == 200 and "Buôn Ko Tam" in village.get_data(as_text=True)


def test_each_role_lands_on_its_unit_and_sees_nothing_outside_it(client, login, users, running):
    login(users["coordinator"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "<h1>Xã Ea Kao</h1>" in page and 'href="/dashboard?unit=66"' not in page
    assert client.get("/dashboard?unit=66002").status_code == 404
    assert client.get("/dashboard?unit=66").status_code == 404
    assert client.get("/dashboard?unit=nope").status_code in (400, 422)
    client.post("/logout")
    login(users["commune_committee"])
    assert "<h1>Xã Ea Kao</h1>" in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login(users["committee"])
    assert "<h1>Tỉnh Đắk Lắk</h1>" in client.get("/dashboard").get_data(as_text=True)


def test_the_live_figures_answer_304_until_they_change(app, client, login, users, running, tree, db,
                                                        create_participant, monkeypatch):
    login(users["coordinator"])
    first = client.get("/dashboard/live?unit=66001")
    assert first.status_code == 200 and first.json["reached"] == 1 and first.headers["ETag"].startswith('W/"p')
    assert '<b class="reach-big">1</b>' in first.json["html"]["progress"]
    again = client.get("/dashboard/live?unit=66001", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    training = db.session.scalar(sa.select(CheckIn.training_id))
    db.session.add(CheckIn(training=db.session.get(Training, training), participant=create_participant("Lê Văn An"),
                           scan_id=uuid.uuid4(), scanned_at=utcnow() - timedelta(minutes=1),
                           source=CheckInSource.camera))
    db.session.execute(sa.update(ProgressSnapshot).values(duration_ms=0))
    db.session.commit()
    monkeypatch.setitem(app.config, "TRACKER_PROGRESS_MAX_AGE", 0)
    changed = client.get("/dashboard/live?unit=66001", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["reached"] == 2 and changed.headers["ETag"] != first.headers["ETag"]
    assert client.get("/dashboard/live?unit=66002").status_code == 404


def test_the_live_figures_refuse_a_role_that_does_not_follow_progress(client, login, users, running):
    login(users["volunteer"])
    response = client.get("/dashboard/live?unit=66001", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_a_day_before_the_campaign_starts(client, login, users, create_campaign):
    start = today(DEFAULT_TIMEZONE) + timedelta(days=3)
    create_campaign(start_date=start, deadline=start + timedelta(days=30))
    login(users["committee"])
    assert "days until the campaign starts" in client.get("/dashboard").get_data(as_text=True)


def test_figures_do_not_move_before_midnight_local(worked):
    """23:59 local on the 16th is still the 16th: the frame is the 17th's digest with a minute to go."""
    late = combine_local(date(2025, 7, 16), time(23, 59), DEFAULT_TIMEZONE)
    payload = refresh_snapshot(worked.campaign, worked.units["province"], now=late).payload
    assert payload["date"] == "2025-07-17" and payload["reached"] == 4


def test_the_api_gives_the_dashboards_figures(api_as, users, running, tree):
    answer = api_as(users["coordinator"]).get(f"/api/v1/campaigns/{running.id}/progress")
    assert answer.status_code == 200
    assert (answer.json["unit"]["code"], answer.json["reached"], answer.json["target"]) == ("66001", 1, 20)
    assert answer.json["as_of"] == answer.json["compiled_at"].replace("Z", "+00:00")
    village = api_as(users["coordinator"]).get(f"/api/v1/campaigns/{running.id}/progress?unit=6600101")
    assert village.json["reached"] == 1 and village.json["unit"]["level"] == "village"
    assert api_as(users["coordinator"]).get(f"/api/v1/campaigns/{running.id}/progress?unit=66").status_code == 404
    assert api_as(users["volunteer"]).get(f"/api/v1/campaigns/{running.id}/progress").status_code in (403, 404)
    province = api_as(users["committee"]).get(f"/api/v1/campaigns/{running.id}/progress").json
    assert province["reached"] == 2 and [row["code"] for row in province["ranking"]] == ["66002", "66001"]


def test_an_unchanged_poll_never_reads_the_figures(app, client, login, users, running, db):
    login(users["coordinator"])
    etag = client.get("/dashboard/live").headers["ETag"]
    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/dashboard/live", headers={"If-None-Match": etag}).status_code == 304
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    snapshot_reads = [text for text in statements if "progress_snapshots" in text]
    assert snapshot_reads and not any("payload" in text for text in snapshot_reads)
    assert not any("checkins" in text for text in statements)  # nothing is counted either
