"""The indicators and indicator targets pages (admins) and ticking outcomes on a participant's page."""
import sqlalchemy as sa

from tracker.events.models import Event
from tracker.outcomes.models import Indicator, IndicatorTarget, Outcome
from tracker.outcomes.queries import indicators_for


def _keys(campaign):
    return [(indicator.key, indicator.name) for indicator in indicators_for(campaign)]


def test_campaign_page_links_to_the_indicators(client, users, login, dummy_campaign):
    login(users["admin"])
    page = client.get(f"/campaigns/{dummy_campaign.id}").get_data(as_text=True)
    assert f'href="/campaigns/{dummy_campaign.id}/indicators"' in page


def test_admin_adds_the_standard_indicators_in_one_click(client, db, users, login, dummy_campaign, dummy_indicators):
    login(users["admin"])
    page = client.get(f"/campaigns/{dummy_campaign.id}/indicators").get_data(as_text=True)
    assert "online_public_service, digital_signature" in page and 'value="VNeID mức 2"' in page
    response = client.post(f"/campaigns/{dummy_campaign.id}/indicators/defaults")
    assert response.status_code == 302
    assert _keys(dummy_campaign) == [
        ("vneid_level2", "VNeID mức 2"), ("cashless_payment", "Thanh toán"),
        ("online_public_service", "Used an online public service"),
        ("digital_signature", "Registered a digital signature")]
    assert "Add the standard indicators" not in client.get(f"/campaigns/{dummy_campaign.id}/indicators").get_data(
        as_text=True)


def test_admin_adds_renames_reorders_and_removes(client, db, users, login, dummy_campaign, dummy_indicators):
    login(users["admin"])
    response = client.post(f"/campaigns/{dummy_campaign.id}/indicators", data={
        "key-0": "vneid_level2", "name-0": "VNeID level 2", "position-0": "3",
        "key-1": "cashless_payment", "name-1": "Thanh toán", "position-1": "1", "remove-1": "1",
        "key-new": "digital_signature", "name-new": "Chữ ký số", "position-new": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _keys(dummy_campaign) == [("digital_signature", "Chữ ký số"), ("vneid_level2", "VNeID level 2")]


def test_a_bad_key_rerenders_the_form(client, db, users, login, dummy_campaign, dummy_indicators):
    login(users["admin"])
    response = client.post(f"/campaigns/{dummy_campaign.id}/indicators", data={
        "key-0": "vneid_level2", "name-0": "VNeID", "position-0": "1",
        "key-new": "Chữ ký", "name-new": "Chữ ký số", "position-new": "2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use 2 to 40 lower-case letters, digits or underscores." in page and 'value="Chữ ký"' in page
    assert _keys(dummy_campaign)[0] == ("vneid_level2", "VNeID mức 2")


def test_removing_an_indicator_in_use_is_refused(client, db, users, login, dummy_campaign, dummy_indicators,
                                                  dummy_participant):
    db.session.add(Outcome(participant=dummy_participant, indicator=dummy_indicators[1]))
    db.session.commit()
    login(users["admin"])
    page = client.get(f"/campaigns/{dummy_campaign.id}/indicators").get_data(as_text=True)
    assert 'name="remove-0"' in page and 'name="remove-1"' not in page
    response = client.post(f"/campaigns/{dummy_campaign.id}/indicators", data={
        "key-0": "vneid_level2", "name-0": "VNeID", "key-1": "cashless_payment", "name-1": "x", "remove-1": "1"})
    assert response.status_code == 422 and "cannot be removed: cashless_payment" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Indicator.id))) == 2


def test_indicator_targets_page(client, db, users, login, tree, dummy_campaign, dummy_indicators):
    login(users["admin"])
    url = f"/campaigns/{dummy_campaign.id}/indicators/vneid_level2/targets"
    assert "Xã Ea Kao" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"percent": "40"}).status_code == 302
    assert client.post(url, data={"target-66001": "999", "target-66002": ""}).status_code == 302
    targets = dict(db.session.execute(sa.select(IndicatorTarget.unit_id, IndicatorTarget.target)).all())
    assert targets[tree["commune"].id] == 999 and targets[tree["other_commune"].id] == 2000
    assert client.post(url, data={"percent": "abc"}).status_code == 422
    assert client.get(f"/campaigns/{dummy_campaign.id}/indicators/nothing/targets").status_code == 404


def test_only_admins_manage_indicators(client, users, login, dummy_campaign, dummy_indicators):
    login(users["coordinator"])
    assert client.get(f"/campaigns/{dummy_campaign.id}/indicators").status_code == 403
    assert client.post(f"/campaigns/{dummy_campaign.id}/indicators/defaults").status_code == 403
    assert client.get(f"/campaigns/{dummy_campaign.id}/indicators/vneid_level2/targets").status_code == 403


def test_coordinator_ticks_outcomes_on_a_participant(client, db, users, login, dummy_campaign, dummy_indicators,
                                                     dummy_participant):
    login(users["coordinator"])
    url = f"/participants/{dummy_participant.id}/outcomes"
    page = client.get(url).get_data(as_text=True)
    assert 'name="outcomes" value="vneid_level2"' in page and "Thanh toán" in page
    response = client.post(url, data={"campaign_id": dummy_campaign.id, "outcomes": ["vneid_level2"]})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'value="vneid_level2" checked disabled' in page and "Recorded" in page
    assert db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.type == "outcome.recorded")) == 1


def test_ticking_nothing_or_an_unknown_key_rerenders(client, db, users, login, dummy_campaign, dummy_indicators,
                                                      dummy_participant):
    login(users["coordinator"])
    url = f"/participants/{dummy_participant.id}/outcomes"
    assert client.post(url, data={"campaign_id": dummy_campaign.id}).status_code == 422
    response = client.post(url, data={"campaign_id": dummy_campaign.id, "outcomes": ["vneid_level9"]})
    assert response.status_code == 422 and "Unknown indicator: vneid_level9." in response.get_data(as_text=True)
    assert client.post(url, data={"campaign_id": "abc", "outcomes": ["vneid_level2"]}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 0


def test_participant_outcomes_page_scope(client, users, login, dummy_campaign, dummy_participant):
    login(users["other_coordinator"])
    assert client.get(f"/participants/{dummy_participant.id}/outcomes").status_code == 404
    assert client.get("/participants/99999/outcomes").status_code == 404
