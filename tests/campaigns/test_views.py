"""The dashboard, the campaign list, creation, settings and targets pages."""
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from tracker.campaigns.models import Campaign, Target
from tracker.core.time import DEFAULT_TIMEZONE, combine_local, today
from tracker.trainings.models import TrainingStatus

NEW = {"name": "Chiến dịch mới", "unit": "66", "start_date": "2025-07-15", "deadline": "2025-10-25",
       "timezone": "", "digest_time": "", "target": "", "topics": "VNeID\r\n\r\n  Dịch vụ công trực tuyến \r\nAI\r\n"}


@pytest.fixture
def running_campaign(create_campaign):
    """A 103-day campaign on its 10th day today."""
    start = today(DEFAULT_TIMEZONE) - timedelta(days=9)
    return create_campaign(start_date=start, deadline=start + timedelta(days=102))


def _at(day, hour, minute=0):
    return combine_local(day, time(hour, minute), DEFAULT_TIMEZONE)


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


# Dashboard -----------------------------------------------------------------------------------

def test_dashboard_shows_the_countdown_counts_and_the_days_trainings(client, db, users, login, tree,
                                                                     running_campaign, create_training):
    day = today(DEFAULT_TIMEZONE)
    create_training(campaign=running_campaign, title="Cài VNeID hôm nay", starts_at=_at(day, 8), ends_at=_at(day, 10))
    create_training(campaign=running_campaign, title="Thanh toán ngày mai", starts_at=_at(day + timedelta(days=1), 14),
                    ends_at=_at(day + timedelta(days=1), 16))
    create_training(campaign=running_campaign, title="Đã hủy", status=TrainingStatus.cancelled,
                    starts_at=_at(day, 9), ends_at=_at(day, 11))
    create_training(campaign=running_campaign, title="Ở phường khác", village=tree["other_village"],
                    starts_at=_at(day, 8), ends_at=_at(day, 9))
    login(users["coordinator"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Day 10" in page and "of 103" in page and "94 days left" in page
    assert "Cài VNeID hôm nay" in page and "08:00" in page and "Thanh toán ngày mai" in page
    assert "Ở phường khác" not in page
    assert '<b>2</b><span>Planned</span>' in page and '<b>1</b><span>Cancelled</span>' in page


def test_dashboard_drills_down_to_the_units_below_with_their_targets(client, db, users, login, tree, running_campaign):
    db.session.add(Target(campaign=running_campaign, unit=tree["commune"], target=2100))
    db.session.commit()
    login(users["admin"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/dashboard?unit=66001">Xã Ea Kao</a>' in page and "2,100" in page
    assert 'href="/dashboard?unit=66002">Phường Tân An</a>' in page
    client.post("/logout")
    login(users["coordinator"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/dashboard?unit=6600101">Buôn Ko Tam</a>' in page and "/ 2,100" in page
    assert "Phường Tân An" not in page


def test_dashboard_before_and_after_the_campaign(client, users, login, create_campaign):
    start = today(DEFAULT_TIMEZONE) + timedelta(days=3)
    create_campaign(start_date=start, deadline=start + timedelta(days=30))
    login(users["committee"])
    assert "days until the campaign starts" in client.get("/dashboard").get_data(as_text=True)


def test_dashboard_without_a_campaign(client, users, login):
    login(users["admin"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "There is no campaign for your area yet." in page and 'href="/campaigns/new"' in page


def test_volunteers_are_sent_to_the_trainings(client, users, login, running_campaign):
    login(users["volunteer"])
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/trainings"


# Campaigns -----------------------------------------------------------------------------------

def test_campaign_list_and_page_are_read_only_for_committees(client, users, login, dummy_campaign):
    login(users["commune_committee"])
    page = client.get("/campaigns").get_data(as_text=True)
    assert "100 ngày cao điểm" in page and "New campaign" not in page
    page = client.get(f"/campaigns/{dummy_campaign.id}").get_data(as_text=True)
    assert "Asia/Ho_Chi_Minh" in page and "VNeID" in page and "<form method=\"post\" action=\"/campaigns/" not in page
    assert client.post(f"/campaigns/{dummy_campaign.id}", data={"name": "x"}).status_code == 403
    assert client.get(f"/campaigns/{dummy_campaign.id}/targets").status_code == 403


def test_volunteers_do_not_see_campaigns(client, users, login, dummy_campaign):
    login(users["volunteer"])
    assert client.get("/campaigns").status_code == 403
    assert client.get(f"/campaigns/{dummy_campaign.id}").status_code == 403


def test_admin_creates_a_campaign_with_topics_one_per_line(client, db, users, login, count_events):
    login(users["admin"])
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert '<option value="66">Tỉnh Đắk Lắk</option>' in page and "Thương mại điện tử" in page
    response = client.post("/campaigns/new", data=NEW)
    campaign = db.session.scalar(sa.select(Campaign))
    assert response.status_code == 302 and response.headers["Location"] == f"/campaigns/{campaign.id}/targets"
    assert campaign.topics == ["VNeID", "Dịch vụ công trực tuyến", "AI"]
    assert (campaign.timezone, campaign.digest_time, campaign.target) == (DEFAULT_TIMEZONE, time(6, 0), None)
    assert count_events("campaign.created") == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"deadline": "2025-07-01"}, "The deadline must not be before the start date."),
    ({"start_date": ""}, "Not a valid date."),
    ({"timezone": "Mars/Olympus"}, "Unknown time zone."),
    ({"topics": "VNeID\nvneid"}, "Topics must be distinct."),
    ({"unit": "66001"}, "66001 is not a"),
])
def test_invalid_campaign_form_rerenders_and_creates_nothing(client, db, users, login, count_events, change, message):
    login(users["admin"])
    response = client.post("/campaigns/new", data=NEW | change)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'value="Chiến dịch mới"' in page
    assert _count(db, Campaign) == 0 and count_events() == 0


def test_only_admins_create_campaigns(client, users, login):
    login(users["coordinator"])
    assert client.get("/campaigns/new").status_code == 403
    assert client.post("/campaigns/new", data=NEW).status_code == 403


def test_admin_changes_the_settings(client, db, users, login, dummy_campaign, count_events):
    login(users["admin"])
    page = client.get(f"/campaigns/{dummy_campaign.id}").get_data(as_text=True)
    assert 'value="2025-07-15"' in page and 'value="06:00"' in page
    data = {"name": "Đổi tên", "start_date": "2025-07-15", "deadline": "2025-10-31", "timezone": DEFAULT_TIMEZONE,
            "digest_time": "07:30", "target": "5000", "topics": "\n".join(dummy_campaign.topics)}
    response = client.post(f"/campaigns/{dummy_campaign.id}", data=data, follow_redirects=True)
    assert "The campaign settings were saved." in response.get_data(as_text=True)
    db.session.refresh(dummy_campaign)
    assert (dummy_campaign.name, dummy_campaign.digest_time, dummy_campaign.target) == ("Đổi tên", time(7, 30), 5000)
    assert count_events("campaign.updated") == 1


def test_invalid_settings_rerender_and_change_nothing(client, db, users, login, dummy_campaign, count_events):
    login(users["admin"])
    response = client.post(f"/campaigns/{dummy_campaign.id}", data={"deadline": "2025-07-01", "topics": "VNeID"})
    assert response.status_code == 422
    assert "The deadline must not be before the start date." in response.get_data(as_text=True)
    db.session.refresh(dummy_campaign)
    assert dummy_campaign.deadline.isoformat() == "2025-10-25" and len(dummy_campaign.topics) > 1
    assert count_events() == 0


# Targets -------------------------------------------------------------------------------------

def test_targets_page_lists_the_communes_with_inputs(client, db, users, login, tree, dummy_campaign):
    db.session.add(Target(campaign=dummy_campaign, unit=tree["commune"], target=2100))
    db.session.commit()
    login(users["admin"])
    page = client.get(f"/campaigns/{dummy_campaign.id}/targets").get_data(as_text=True)
    assert 'name="target-66001"' in page and 'value="2100"' in page and 'name="target-66002"' in page
    assert "Buôn Ko Tam" not in page


def test_admin_sets_targets_by_commune(client, db, users, login, tree, dummy_campaign, count_events):
    login(users["admin"])
    response = client.post(f"/campaigns/{dummy_campaign.id}/targets", data={"target-66001": " 2100 ", "target-66002": ""})
    assert response.status_code == 302
    targets = {t.unit.code: t.target for t in db.session.scalars(sa.select(Target))}
    assert targets == {"66001": 2100}
    assert count_events("campaign.targets_set") == 1


def test_admin_sets_targets_as_a_rate_of_population(client, db, users, login, tree, dummy_campaign, count_events):
    login(users["admin"])
    response = client.post(f"/campaigns/{dummy_campaign.id}/targets", data={"percent": "70"}, follow_redirects=True)
    assert "Province total: 5,600 people" in response.get_data(as_text=True)
    targets = {t.unit.code: t.target for t in db.session.scalars(sa.select(Target))}
    assert targets["66001"] == 2100 and targets["66002"] == 3500 and targets["6600101"] == 840


@pytest.mark.parametrize(("data", "message"), [
    ({"target-66001": "-5"}, "Must be greater than or equal to 0."),
    ({"target-66001": "many"}, "Not a valid integer."),
    ({"target-66001": ""}, "Enter at least one target."),
    ({"percent": "0"}, "Enter a percentage above 0 and at most 100."),
    ({"percent": "120"}, "Enter a percentage above 0 and at most 100."),
    ({"percent": "lots"}, "Enter a percentage above 0 and at most 100."),
])
def test_invalid_targets_rerender_and_write_nothing(client, db, users, login, tree, dummy_campaign, count_events,
                                                    data, message):
    login(users["admin"])
    response = client.post(f"/campaigns/{dummy_campaign.id}/targets", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _count(db, Target) == 0 and count_events() == 0


def test_targets_of_another_province_are_not_found(client, users, login, create_unit, create_campaign):
    other = create_unit("67", "Tỉnh Khánh Hòa", "province")
    campaign = create_campaign(unit=other)
    login(users["admin"])
    assert client.get(f"/campaigns/{campaign.id}/targets").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404
