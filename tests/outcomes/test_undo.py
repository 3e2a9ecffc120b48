"""An outcome ticked by mistake is taken back, with an event, and stops counting."""
import pytest
import sqlalchemy as sa

from tracker.core.errors import AppError, NotFound
from tracker.events.models import Event
from tracker.outcomes.models import Outcome
from tracker.outcomes.operations import record_outcomes, undo_outcomes
from tracker.outcomes.queries import reached_by_indicator


def _reached(campaign, unit):
    return {row["key"]: row["reached"] for row in reached_by_indicator(campaign, unit)}


def test_an_undone_outcome_stops_counting_and_is_recorded(db, users, tree, dummy_campaign, dummy_indicators,
                                                          dummy_participant):
    record_outcomes(dummy_participant, ["vneid_level2", "cashless_payment"], campaign=dummy_campaign,
                    user=users["volunteer"])
    db.session.commit()
    assert _reached(dummy_campaign, tree["commune"]) == {"vneid_level2": 1, "cashless_payment": 1}
    assert undo_outcomes(dummy_participant, ["cashless_payment"], campaign=dummy_campaign,
                         user=users["coordinator"]) == ["cashless_payment"]
    db.session.commit()
    assert _reached(dummy_campaign, tree["commune"]) == {"vneid_level2": 1, "cashless_payment": 0}
    event = db.session.scalar(sa.select(Event).where(Event.type == "outcome.undone"))
    assert event.payload == {"participant": dummy_participant.code, "indicators": ["cashless_payment"]}
    assert event.actor_id == users["coordinator"].id
    # Taking back what is not ticked changes nothing and records nothing.
    assert undo_outcomes(dummy_participant, ["cashless_payment"], campaign=dummy_campaign,
                         user=users["coordinator"]) == []
    assert db.session.scalar(sa.select(sa.func.count()).where(Event.type == "outcome.undone")) == 1
    with pytest.raises(AppError):
        undo_outcomes(dummy_participant, ["nope"], campaign=dummy_campaign, user=users["coordinator"])
    with pytest.raises(NotFound):
        undo_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign, user=users["other_coordinator"])


def test_the_page_and_the_api_take_an_outcome_back(client, login, api_as, db, users, dummy_campaign,
                                                   dummy_indicators, dummy_participant, create_campaign):
    record_outcomes(dummy_participant, ["vneid_level2", "cashless_payment"], campaign=dummy_campaign,
                    user=users["volunteer"])
    db.session.commit()
    answer = api_as(users["volunteer"]).post(f"/api/v1/participants/{dummy_participant.id}/outcomes/undo",
                                             json={"campaign_id": dummy_campaign.id, "outcomes": ["vneid_level2"]})
    assert answer.status_code == 200 and answer.json["undone"] == ["vneid_level2"]
    assert [item["key"] for item in answer.json["outcomes"]] == ["cashless_payment"]
    bad = api_as(users["volunteer"]).post(f"/api/v1/participants/{dummy_participant.id}/outcomes/undo",
                                          json={"campaign_id": dummy_campaign.id, "outcomes": "x"})
    assert bad.status_code == 422
    login(users["coordinator"])
    page = client.get(f"/participants/{dummy_participant.id}/outcomes").get_data(as_text=True)
    assert "Ticked by mistake?" in page and "Take back" in page
    response = client.post(f"/participants/{dummy_participant.id}/outcomes/undo",
                           data={"campaign_id": dummy_campaign.id, "outcomes": "cashless_payment"})
    assert response.status_code == 302
    assert "Outcome taken back." in client.get(response.location).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 0
