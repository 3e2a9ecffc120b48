from datetime import date

import pytest

from tracker.campaigns.queries import countdown, total_target


@pytest.mark.parametrize(("day", "expected"), [
    (date(2025, 7, 15), {"day_number": 1, "days_total": 103, "days_left": 103}),
    (date(2025, 8, 23), {"day_number": 40, "days_total": 103, "days_left": 64}),
    (date(2025, 10, 25), {"day_number": 103, "days_total": 103, "days_left": 1}),
    (date(2025, 10, 26), {"day_number": 104, "days_total": 103, "days_left": 0}),
    (date(2025, 7, 14), {"day_number": 0, "days_total": 103, "days_left": 104}),
])
def test_countdown_follows_the_pinned_definitions(dummy_campaign, day, expected):
    assert countdown(dummy_campaign, day) == expected


def test_total_target_is_the_campaigns_own_or_the_sum_of_communes(db, dummy_campaign, tree):
    from tracker.campaigns.models import Target

    db.session.add_all([Target(campaign=dummy_campaign, unit=tree["commune"], target=2100),
                        Target(campaign=dummy_campaign, unit=tree["other_commune"], target=3500),
                        Target(campaign=dummy_campaign, unit=tree["village"], target=840)])
    assert total_target(dummy_campaign) == 5600
    dummy_campaign.target = 6000
    assert total_target(dummy_campaign) == 6000
