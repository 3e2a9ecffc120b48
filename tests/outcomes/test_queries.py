"""Progress by indicator: people reached by home unit against the unit's target."""
from datetime import UTC, datetime

import pytest

from tracker.outcomes.models import IndicatorTarget, Outcome
from tracker.outcomes.queries import reached_by_indicator


@pytest.fixture
def reached(db, tree, dummy_indicators, create_participant):
    """VNeID: two people in village 6600101, one in 6600102, one in the other commune; cashless: one."""
    vneid, cashless = dummy_indicators
    people = [create_participant("A", village=tree["village"]), create_participant("B", village=tree["village"]),
              create_participant("C", village=tree["village2"]), create_participant("D", village=tree["other_village"])]
    for person in people:
        db.session.add(Outcome(participant=person, indicator=vneid, recorded_at=datetime(2025, 8, 1, tzinfo=UTC)))
    db.session.add(Outcome(participant=people[2], indicator=cashless, recorded_at=datetime(2025, 8, 5, tzinfo=UTC)))
    targets = [(vneid, tree["commune"], 1000), (vneid, tree["other_commune"], 2000),
               (cashless, tree["village"], 50), (cashless, tree["village2"], 70)]
    db.session.add_all(IndicatorTarget(indicator=i, unit=u, target=t) for i, u, t in targets)
    db.session.commit()
    return people


def _by_key(rows):
    return {row["key"]: (row["target"], row["reached"], row["reached_percent"]) for row in rows}


def test_reached_counts_people_by_home_unit(reached, tree, dummy_campaign):
    assert _by_key(reached_by_indicator(dummy_campaign, tree["province"])) == {
        "vneid_level2": (3000, 4, 0.1), "cashless_payment": (None, 1, None)}
    assert _by_key(reached_by_indicator(dummy_campaign, tree["commune"])) == {
        "vneid_level2": (1000, 3, 0.3), "cashless_payment": (120, 1, 0.8)}
    assert _by_key(reached_by_indicator(dummy_campaign, tree["village"])) == {
        "vneid_level2": (None, 2, None), "cashless_payment": (50, 0, 0.0)}


def test_reached_keeps_the_indicator_order_and_names(reached, tree, dummy_campaign):
    rows = reached_by_indicator(dummy_campaign, tree["other_commune"])
    assert [(row["key"], row["name"]) for row in rows] == [("vneid_level2", "VNeID mức 2"),
                                                          ("cashless_payment", "Thanh toán")]


def test_reached_before_a_moment(reached, tree, dummy_campaign):
    rows = reached_by_indicator(dummy_campaign, tree["commune"], before=datetime(2025, 8, 3, tzinfo=UTC))
    assert _by_key(rows)["cashless_payment"][1] == 0 and _by_key(rows)["vneid_level2"][1] == 3


def test_outcomes_of_other_campaigns_do_not_count(reached, tree, create_campaign):
    assert reached_by_indicator(create_campaign(name="Khác"), tree["province"]) == []
