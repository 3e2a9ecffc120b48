"""Defining indicators, their targets, and recording outcomes."""
import threading

import pytest
import sqlalchemy as sa

from tracker.auth.models import User
from tracker.campaigns.models import Campaign
from tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tracker.events.models import Event
from tracker.outcomes import operations
from tracker.outcomes.models import Indicator, IndicatorTarget, Outcome
from tracker.outcomes.queries import indicators_for, outcomes_of
from tracker.participants.models import Participant


def _keys(campaign):
    return [(indicator.key, indicator.name, indicator.position) for indicator in indicators_for(campaign)]


def test_define_indicators_adds_renames_and_reorders(db, users, dummy_campaign, count_events):
    admin = users["admin"]
    operations.define_indicators(dummy_campaign, [{"key": "vneid_level2", "name": "VNeID"},
                                                  {"key": "cashless_payment", "name": "Cashless"}], user=admin)
    operations.define_indicators(dummy_campaign, [{"key": "cashless_payment", "name": "Cashless payment"},
                                                  {"key": "vneid_level2", "name": "VNeID"}], user=admin)
    assert _keys(dummy_campaign) == [("cashless_payment", "Cashless payment", 0), ("vneid_level2", "VNeID", 1)]
    assert count_events("campaign.indicators_updated") == 2
    payload = db.session.scalars(sa.select(Event.payload).order_by(Event.id.desc())).first()
    assert payload == {"added": [], "renamed": ["cashless_payment"], "removed": [],
                       "order": ["cashless_payment", "vneid_level2"]}


def test_define_indicators_without_a_change_records_no_event(users, dummy_indicators, dummy_campaign, count_events):
    items = [{"key": "vneid_level2", "name": "VNeID mức 2"}, {"key": "cashless_payment", "name": "Thanh toán"}]
    operations.define_indicators(dummy_campaign, items, user=users["admin"])
    assert count_events() == 0


def test_unused_indicators_are_removed(db, users, dummy_indicators, dummy_campaign):
    operations.define_indicators(dummy_campaign, [{"key": "cashless_payment", "name": "Thanh toán"}], user=users["admin"])
    assert _keys(dummy_campaign) == [("cashless_payment", "Thanh toán", 0)]


def test_an_indicator_with_outcomes_cannot_be_removed(db, users, dummy_indicators, dummy_campaign, dummy_participant):
    operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign, user=users["coordinator"])
    with pytest.raises(Conflict) as refused:
        operations.define_indicators(dummy_campaign, [], user=users["admin"])
    assert refused.value.status == 409 and refused.value.fields == {"indicators": ["vneid_level2"]}
    assert "vneid_level2" in refused.value.message


@pytest.mark.parametrize("role", ["coordinator", "committee", "volunteer"])
def test_only_admins_define_indicators(users, dummy_campaign, role):
    with pytest.raises(Forbidden):
        operations.define_indicators(dummy_campaign, [{"key": "vneid_level2", "name": "VNeID"}], user=users[role])


def _targets(db, indicator):
    rows = db.session.execute(sa.select(IndicatorTarget.unit_id, IndicatorTarget.target, IndicatorTarget.rate)
                              .where(IndicatorTarget.indicator_id == indicator.id))
    return {unit_id: (target, rate) for unit_id, target, rate in rows}


def test_explicit_indicator_targets(db, users, tree, dummy_indicators, count_events):
    indicator = dummy_indicators[0]
    data = {"targets": [{"unit": tree["commune"], "target": 900}, {"unit": tree["village"], "target": 300}]}
    operations.set_indicator_targets(indicator, data, user=users["admin"])
    operations.set_indicator_targets(indicator, {"targets": [{"unit": tree["commune"], "target": 950}]},
                                     user=users["admin"])
    assert _targets(db, indicator) == {tree["commune"].id: (950, None), tree["village"].id: (300, None)}
    assert count_events("indicator.targets_set") == 2


def test_indicator_targets_from_a_rate_are_rounded_up(db, users, tree, dummy_indicators, create_unit):
    create_unit("6600103", "Buôn Lẻ", "village", tree["commune"], population=7)
    operations.set_indicator_targets(dummy_indicators[1], {"rate": 0.4}, user=users["admin"])
    targets = _targets(db, dummy_indicators[1])
    assert targets[tree["commune"].id] == (1200, 0.4)
    assert targets[tree["village"].id] == (480, 0.4)
    assert targets[tree["other_village"].id] == (2000, 0.4)
    assert sorted(value for value, _rate in targets.values())[0] == 3  # 2.8 people → 3
    assert _targets(db, dummy_indicators[0]) == {}


def test_indicator_targets_outside_the_province_are_refused(db, users, dummy_indicators, create_unit):
    other = create_unit("67001", "Xã khác", "commune", create_unit("67", "Tỉnh Khánh Hòa", "province"))
    with pytest.raises(InvalidInput) as refused:
        operations.set_indicator_targets(dummy_indicators[0], {"targets": [{"unit": other, "target": 5}]},
                                         user=users["admin"])
    assert "67001" in refused.value.fields["targets"][0]


def test_outcomes_are_stored_once(db, users, dummy_indicators, dummy_campaign, dummy_participant, count_events):
    coordinator = users["coordinator"]
    first = operations.record_outcomes(dummy_participant, ["cashless_payment", "vneid_level2", "vneid_level2"],
                                       campaign=dummy_campaign, user=coordinator)
    db.session.commit()
    assert [outcome.indicator.key for outcome in first] == ["vneid_level2", "cashless_payment"]
    assert first[0].recorded_by_id == coordinator.id and first[0].checkin_id is None
    again = operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign, user=coordinator)
    assert again == []
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 2
    assert count_events("outcome.recorded") == 1
    payload = db.session.scalar(sa.select(Event.payload).where(Event.type == "outcome.recorded"))
    assert payload == {"participant": dummy_participant.code, "indicators": ["vneid_level2", "cashless_payment"]}


def test_an_outcome_already_recorded_keeps_its_first_time(db, users, dummy_indicators, dummy_campaign,
                                                          dummy_participant):
    [first] = operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign,
                                         user=users["coordinator"])
    first_at = first.recorded_at
    db.session.commit()
    new = operations.record_outcomes(dummy_participant, ["vneid_level2", "cashless_payment"], campaign=dummy_campaign,
                                     user=users["admin"])
    assert [outcome.indicator.key for outcome in new] == ["cashless_payment"]
    times = {outcome.indicator.key: outcome.recorded_at for outcome in outcomes_of(dummy_participant)}
    assert times["vneid_level2"] == first_at


def test_unknown_keys_are_refused_by_name(db, users, dummy_indicators, dummy_campaign, dummy_participant, count_events):
    with pytest.raises(InvalidInput) as refused:
        operations.record_outcomes(dummy_participant, ["vneid_level2", "flying", "vneid_level9"],
                                   campaign=dummy_campaign, user=users["coordinator"])
    messages = refused.value.fields["outcomes"]
    assert len(messages) == 2 and "flying" in messages[0] and "vneid_level9" in messages[1]
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 0 and count_events() == 0


def test_indicators_of_another_campaign_are_unknown(db, users, dummy_campaign, dummy_participant, create_campaign):
    other = create_campaign(name="Khác")
    db.session.add(Indicator(campaign=other, key="vneid_level2", name="VNeID"))
    db.session.commit()
    with pytest.raises(InvalidInput):
        operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign,
                                   user=users["coordinator"])


def test_another_communes_coordinator_cannot_record(users, dummy_indicators, dummy_campaign, dummy_participant):
    with pytest.raises(NotFound):
        operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign,
                                   user=users["other_coordinator"])


def test_committees_cannot_record(users, dummy_indicators, dummy_campaign, dummy_participant):
    with pytest.raises(Forbidden):
        operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=dummy_campaign,
                                   user=users["commune_committee"])


def test_a_volunteer_records_at_a_checkin_in_their_commune(db, users, tree, dummy_indicators, dummy_campaign,
                                                           create_participant, create_training, create_checkin,
                                                           create_user):
    """Someone from another commune, checked in at a training in the volunteer's commune."""
    visitor = create_participant("Trần Văn Nam", village=tree["other_village"])
    checkin = create_checkin(create_training(), visitor, users["volunteer"])
    with pytest.raises(NotFound):
        operations.record_outcomes(visitor, ["vneid_level2"], campaign=dummy_campaign, user=users["volunteer"])
    [outcome] = operations.record_outcomes(visitor, ["vneid_level2"], campaign=dummy_campaign,
                                           user=users["volunteer"], checkin=checkin)
    assert outcome.checkin_id == checkin.id
    home_volunteer = create_user("volunteer", tree["other_commune"])
    assert operations.record_outcomes(visitor, ["cashless_payment"], campaign=dummy_campaign, user=home_volunteer)


@pytest.mark.postgresql_only
def test_concurrent_ticks_store_one_outcome(app, db, users, dummy_indicators, dummy_campaign, dummy_participant,
                                            count_events):
    """Two volunteers tick the same outcome at once: one row, one event, no error."""
    ids = (dummy_participant.id, dummy_campaign.id, users["coordinator"].id)
    barrier, stored, failures = threading.Barrier(2, timeout=10), [], []

    def tick():
        with app.app_context():
            try:
                participant, campaign = db.session.get(Participant, ids[0]), db.session.get(Campaign, ids[1])
                user = db.session.get(User, ids[2])
                barrier.wait()
                stored.append(len(operations.record_outcomes(participant, ["vneid_level2"], campaign=campaign,
                                                             user=user)))
                db.session.commit()
            except Exception as error:  # reported below: a thread's exception would be lost
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == [] and sorted(stored) == [0, 1]
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 1
    assert count_events("outcome.recorded") == 1


def test_outcomes_of_a_campaign_elsewhere_are_refused(db, users, dummy_participant, create_unit):
    other_province = create_unit("67", "Tỉnh Khánh Hòa", "province")
    campaign = Campaign(name="Chiến dịch khác", unit=other_province, start_date=dummy_participant.created_at.date(),
                        deadline=dummy_participant.created_at.date(), topics=["VNeID"])
    db.session.add_all([campaign, Indicator(campaign=campaign, key="vneid_level2", name="VNeID")])
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        operations.record_outcomes(dummy_participant, ["vneid_level2"], campaign=campaign, user=users["admin"])
    assert refused.value.fields == {"campaign_id": ["This person does not live in the campaign's province."]}
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 0
