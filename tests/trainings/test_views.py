"""Trainings by day and by month, the training page and the plan / edit / cancel forms."""
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tracker.trainings.models import Training, TrainingStatus
from tracker.trainings.queries import count_by_day

ICT = timezone(timedelta(hours=7))
FORM = {"village": "6600101", "title": "Dùng VNeID", "topic": "VNeID", "date": "2025-08-21",
        "start_time": "08:00", "end_time": "10:30", "place": "Nhà văn hóa", "trainer": "", "capacity": "40"}


def _count(db):
    return db.session.scalar(sa.select(sa.func.count(Training.id)))


# By day --------------------------------------------------------------------------------------

def test_day_list_shows_the_days_trainings_in_local_time(client, users, login, create_training, tree):
    create_training(title="Sáng thứ tư")
    create_training(title="Hôm sau", starts_at=datetime(2025, 8, 21, 8, tzinfo=ICT), ends_at=datetime(2025, 8, 21, 9, tzinfo=ICT))
    login(users["volunteer"])
    page = client.get("/trainings?date=2025-08-20").get_data(as_text=True)
    assert "Sáng thứ tư" in page and "Hôm sau" not in page
    assert "08:00" in page and "–10:00" in page and "Buôn Ko Tam · Xã Ea Kao" in page
    assert 'href="/trainings?date=2025-08-19"' in page and 'href="/trainings?date=2025-08-21"' in page
    assert "Plan a training" not in page


def test_day_list_filters_by_status_and_unit(client, users, login, create_training, tree):
    create_training(title="Đã hủy", status=TrainingStatus.cancelled)
    create_training(title="Thôn Điện Tân", village=tree["village2"])
    login(users["coordinator"])
    page = client.get("/trainings?date=2025-08-20&status=cancelled&unit=").get_data(as_text=True)
    assert "Đã hủy" in page and "Thôn Điện Tân</a>" not in page
    page = client.get("/trainings?date=2025-08-20&status=&unit=6600102").get_data(as_text=True)
    assert "Thôn Điện Tân</a>" in page and "Đã hủy" not in page
    assert '<option value="6600102" selected>Thôn Điện Tân</option>' in page


def test_day_list_is_scoped(client, users, login, create_training, tree):
    create_training(title="Ở phường khác", village=tree["other_village"])
    login(users["coordinator"])
    assert "Ở phường khác" not in client.get("/trainings?date=2025-08-20").get_data(as_text=True)
    assert client.get("/trainings?date=2025-08-20&unit=66002").status_code == 404


@pytest.mark.parametrize("query", ["date=20-08-2025", "status=done", "unit=nope", "cursor=xyz"])
def test_bad_filters_are_refused(client, users, login, dummy_campaign, query):
    login(users["coordinator"])
    assert client.get(f"/trainings?{query}").status_code == 422


def test_day_list_pages_with_more(client, users, login, create_training):
    for hour in range(6, 10):
        create_training(title=f"Buổi {hour}h", starts_at=datetime(2025, 8, 20, hour, tzinfo=ICT),
                        ends_at=datetime(2025, 8, 20, hour, 45, tzinfo=ICT))
    login(users["coordinator"])
    page = client.get("/trainings?date=2025-08-20&limit=3").get_data(as_text=True)
    assert "Buổi 8h" in page and "Buổi 9h" not in page
    more = re.search(r'href="([^"]*cursor=[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "Buổi 9h" in client.get(more).get_data(as_text=True)


def test_without_a_campaign_the_list_says_so(client, users, login, tree):
    login(users["coordinator"])
    response = client.get("/trainings")
    assert response.status_code == 404 and "There is no campaign" in response.get_data(as_text=True)


# Calendar ------------------------------------------------------------------------------------

def test_count_by_day_buckets_by_the_local_day(users, create_training, dummy_campaign, tree):
    create_training(starts_at=datetime(2025, 8, 20, 23, 30, tzinfo=ICT), ends_at=datetime(2025, 8, 20, 23, 50, tzinfo=ICT))
    create_training(starts_at=datetime(2025, 8, 21, 0, 30, tzinfo=ICT), ends_at=datetime(2025, 8, 21, 1, 30, tzinfo=ICT))
    create_training(starts_at=datetime(2025, 8, 21, 9, tzinfo=ICT), ends_at=datetime(2025, 8, 21, 10, tzinfo=ICT),
                    status=TrainingStatus.cancelled)
    create_training(village=tree["other_village"])
    counts = count_by_day(users["coordinator"], dummy_campaign, date(2025, 8, 1), date(2025, 8, 31))
    assert counts == {date(2025, 8, 20): {TrainingStatus.planned: 1},
                      date(2025, 8, 21): {TrainingStatus.planned: 1, TrainingStatus.cancelled: 1}}
    assert count_by_day(users["admin"], dummy_campaign, date(2025, 8, 20), date(2025, 8, 20)) == {
        date(2025, 8, 20): {TrainingStatus.planned: 2}}


def test_calendar_shows_the_month_with_counts(client, users, login, create_training):
    create_training()
    create_training(status=TrainingStatus.cancelled)
    login(users["committee"])
    page = client.get("/trainings/calendar?month=2025-08").get_data(as_text=True)
    cell = re.search(r'href="/trainings\?date=2025-08-20"(.*?)</a>', page, re.S).group(1)
    assert '<span class="n">1</span>' in cell and '<span class="x">−1</span>' in cell
    assert 'href="/trainings/calendar?month=2025-07"' in page and 'href="/trainings/calendar?month=2025-09"' in page
    assert "August 2025" in page


def test_calendar_rejects_a_bad_month(client, users, login, dummy_campaign):
    login(users["committee"])
    assert client.get("/trainings/calendar?month=2025-13").status_code == 422


# Plan ----------------------------------------------------------------------------------------

def test_plan_form_offers_the_villages_in_scope_and_the_topics(client, users, login, dummy_campaign):
    login(users["coordinator"])
    page = client.get("/trainings/new?date=2025-08-21").get_data(as_text=True)
    assert '<optgroup label="Xã Ea Kao">' in page and '<option value="6600101">Buôn Ko Tam</option>' in page
    assert "6600201" not in page
    assert '<option value="Thương mại điện tử">' in page and 'value="2025-08-21"' in page


def test_coordinator_plans_a_training_in_local_time(client, db, users, login, dummy_campaign, count_events):
    login(users["coordinator"])
    response = client.post(f"/trainings/new?campaign_id={dummy_campaign.id}", data=FORM)
    training = db.session.scalar(sa.select(Training))
    assert response.status_code == 302 and response.headers["Location"] == f"/trainings/{training.id}"
    assert training.starts_at == datetime(2025, 8, 21, 1, 0, tzinfo=UTC)
    assert training.ends_at == datetime(2025, 8, 21, 3, 30, tzinfo=UTC)
    assert (training.place, training.trainer, training.capacity) == ("Nhà văn hóa", None, 40)
    assert training.created_by_id == users["coordinator"].id
    assert count_events("training.scheduled") == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"end_time": "07:00"}, "The end must be after the start."),
    ({"date": ""}, "Not a valid date."),
    ({"date": "2025-11-01"}, "The training must take place between 15/07/2025 and 25/10/2025."),
    ({"village": "6600201"}, "This village is not in your area."),
    ({"village": "66001"}, "66001 is not a"),
    ({"topic": "Bơi lội"}, "Choose one of the campaign&#39;s topics."),
    ({"title": ""}, "Length must be between 1 and 200."),
    ({"capacity": "0"}, "Must be greater than or equal to 1"),
])
def test_invalid_plan_rerenders_with_the_message_and_writes_nothing(client, db, users, login, dummy_campaign,
                                                                   count_events, change, message):
    login(users["coordinator"])
    response = client.post("/trainings/new", data=FORM | change)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'aria-invalid="true"' in page
    assert f'value="{(FORM | change)["place"]}"' in page
    assert _count(db) == 0 and count_events() == 0


def test_time_order_is_reported_beside_other_field_errors(client, users, login, dummy_campaign):
    login(users["coordinator"])
    page = client.post("/trainings/new", data=FORM | {"end_time": "07:00", "capacity": "0"}).get_data(as_text=True)
    assert "The end must be after the start." in page and "Must be greater than or equal to 1" in page


@pytest.mark.parametrize("role", ["committee", "volunteer"])
def test_only_coordinators_and_admins_plan(client, db, users, login, dummy_campaign, role):
    login(users[role])
    assert client.get("/trainings/new").status_code == 403
    assert client.post("/trainings/new", data=FORM).status_code == 403
    assert _count(db) == 0


# Training page -------------------------------------------------------------------------------

def test_training_page_shows_everything_and_the_history(client, db, users, login, dummy_campaign):
    login(users["coordinator"])
    client.post("/trainings/new", data=FORM)
    training = db.session.scalar(sa.select(Training))
    page = client.get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "Dùng VNeID" in page and "08:00–10:30" in page and "Thursday, August 21, 2025" in page
    assert "Nhà văn hóa" in page and "Buôn Ko Tam" in page and "Xã Ea Kao" in page
    assert "Planned by</dt><dd>coord-66001" in page
    assert "Training planned" in page
    assert f'href="/trainings/{training.id}/edit"' in page and f'href="/trainings/{training.id}/cancel"' in page


def test_volunteers_see_the_training_without_actions_or_history(client, users, login, dummy_training):
    login(users["volunteer"])
    page = client.get(f"/trainings/{dummy_training.id}").get_data(as_text=True)
    assert "Kích hoạt VNeID" in page and "History" not in page and "/edit" not in page


def test_trainings_outside_the_scope_are_not_found(client, users, login, dummy_training):
    login(users["other_coordinator"])
    assert client.get(f"/trainings/{dummy_training.id}").status_code == 404
    assert client.get(f"/trainings/{dummy_training.id}/edit").status_code == 404
    assert client.post(f"/trainings/{dummy_training.id}/cancel", data={"reason": "x"}).status_code == 404
    assert client.get("/trainings/99999").status_code == 404


# Edit ----------------------------------------------------------------------------------------

def test_edit_form_is_prefilled_in_local_time(client, users, login, dummy_training):
    login(users["coordinator"])
    page = client.get(f"/trainings/{dummy_training.id}/edit").get_data(as_text=True)
    for value in ('value="2025-08-20"', 'value="08:00"', 'value="10:00"', 'value="Kích hoạt VNeID"'):
        assert value in page
    assert '<option value="6600101" selected>' in page and '<option value="VNeID" selected>' in page


def test_coordinator_edits_a_training(client, db, users, login, dummy_training, count_events):
    login(users["coordinator"])
    data = FORM | {"date": "2025-08-20", "start_time": "14:00", "end_time": "16:00", "title": "Buổi chiều"}
    response = client.post(f"/trainings/{dummy_training.id}/edit", data=data, follow_redirects=True)
    assert "The training was saved." in response.get_data(as_text=True)
    db.session.refresh(dummy_training)
    assert dummy_training.title == "Buổi chiều"
    assert dummy_training.starts_at == datetime(2025, 8, 20, 7, tzinfo=UTC)
    assert count_events("training.updated") == 1
    assert "Training changed" in client.get(f"/trainings/{dummy_training.id}").get_data(as_text=True)


def test_invalid_edit_changes_nothing(client, db, users, login, dummy_training, count_events):
    login(users["coordinator"])
    response = client.post(f"/trainings/{dummy_training.id}/edit", data=FORM | {"village": "6600201", "title": "X"})
    assert response.status_code == 422 and "This village is not in your area." in response.get_data(as_text=True)
    db.session.refresh(dummy_training)
    assert dummy_training.title == "Kích hoạt VNeID" and dummy_training.village.code == "6600101"
    assert count_events() == 0


def test_committee_cannot_edit(client, users, login, dummy_training):
    login(users["commune_committee"])
    assert client.get(f"/trainings/{dummy_training.id}/edit").status_code == 403
    assert client.post(f"/trainings/{dummy_training.id}/edit", data=FORM).status_code == 403


# Cancel --------------------------------------------------------------------------------------

def test_cancel_asks_for_confirmation_then_cancels(client, db, users, login, dummy_training, count_events):
    login(users["coordinator"])
    page = client.get(f"/trainings/{dummy_training.id}/cancel").get_data(as_text=True)
    assert "Yes, cancel the training" in page and 'name="reason"' in page and 'name="csrf_token"' in page
    assert dummy_training.status == TrainingStatus.planned
    response = client.post(f"/trainings/{dummy_training.id}/cancel", data={"reason": "Mưa lớn"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "This training was cancelled." in page and "Mưa lớn" in page and "/edit" not in page
    db.session.refresh(dummy_training)
    assert dummy_training.status == TrainingStatus.cancelled
    assert count_events("training.cancelled") == 1


def test_cancelling_twice_is_refused(client, users, login, create_training, count_events):
    training = create_training(status=TrainingStatus.cancelled)
    login(users["coordinator"])
    response = client.post(f"/trainings/{training.id}/cancel", data={"reason": ""})
    assert response.status_code == 422 and "The training is already cancelled." in response.get_data(as_text=True)
    assert count_events() == 0


def test_held_training_is_shown_as_held(client, users, login, create_training):
    training = create_training(status=TrainingStatus.held)
    login(users["committee"])
    assert "This training was held." in client.get(f"/trainings/{training.id}").get_data(as_text=True)


def test_volunteers_cannot_cancel(client, db, users, login, dummy_training):
    login(users["volunteer"])
    assert client.post(f"/trainings/{dummy_training.id}/cancel", data={"reason": "x"}).status_code == 403
    db.session.refresh(dummy_training)
    assert dummy_training.status == TrainingStatus.planned


def test_the_held_trainings_of_a_unit_are_listed_with_their_attendance(client, db, users, login, tree, dummy_campaign,
                                                                       create_training, create_participant):
    import uuid

    from tracker.checkins.models import CheckIn, CheckInSource
    from tracker.trainings.models import TrainingStatus
    held = create_training(title="Buổi đã tổ chức", status=TrainingStatus.held)
    create_training(title="Chưa tổ chức")
    elsewhere = create_training(title="Ở phường khác", village=tree["other_village"], status=TrainingStatus.held)
    for name in ("Người một", "Người hai"):
        db.session.add(CheckIn(training=held, participant=create_participant(name), scan_id=uuid.uuid4(),
                               scanned_at=held.starts_at, source=CheckInSource.camera))
    db.session.add(CheckIn(training=held, participant=create_participant("Người ba"), scan_id=uuid.uuid4(),
                           scanned_at=held.starts_at, source=CheckInSource.camera, voided_at=held.starts_at))
    db.session.commit()
    login(users["coordinator"])
    page = client.get(f"/trainings/held?campaign_id={dummy_campaign.id}").get_data(as_text=True)
    assert "Buổi đã tổ chức" in page and "2 people checked in" in page
    assert "Chưa tổ chức" not in page and elsewhere.title not in page
    assert "status=held" in page and "all_days=1" in page  # the download of this list
    assert client.get("/trainings/held?unit=66002").status_code == 404
