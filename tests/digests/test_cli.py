"""``flask --app tracker digest compile``: compiles, stores, prints one line a digest; refuses bad input."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.digests.export_samples import add_reached
from tracker.core.time import today
from tracker.digests.models import Digest


@pytest.fixture
def reached(db, dummy_campaign, tree, create_training, create_participant):
    return add_reached(db, dummy_campaign, tree, create_training, create_participant)


def _compile(runner, *args):
    """Run the command in the app's language (the test's own context speaks English)."""
    with force_locale("vi"):
        return runner.invoke(args=["digest", "compile", *args])


def _stored(db):
    db.session.expire_all()
    return sorted((d.unit.code, d.date, d.payload["reached"]) for d in db.session.scalars(sa.select(Digest)))


def test_compiles_the_province_and_every_commune(runner, db, reached, dummy_campaign, count_events):
    result = _compile(runner, "--campaign", str(dummy_campaign.id), "--date", "2025-08-21")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2025-08-21 66 Tỉnh Đắk Lắk: đã tiếp cận 3/15 người (20,0 %)",
        "2025-08-21 66001 Xã Ea Kao: đã tiếp cận 2/10 người (20,0 %)",
        "2025-08-21 66002 Phường Tân An: đã tiếp cận 1/5 người (20,0 %)",
    ]
    day = date(2025, 8, 21)
    assert _stored(db) == [("66", day, 3), ("66001", day, 2), ("66002", day, 1)]
    assert count_events("digest.compiled") == 3


def test_one_unit_and_compiling_again_replaces_it(runner, db, reached, dummy_campaign):
    for _ in range(2):
        result = _compile(runner, "--campaign", str(dummy_campaign.id), "--date", "2025-08-21", "--unit", "66002")
        assert result.exit_code == 0, result.output
    assert result.stdout == "2025-08-21 66002 Phường Tân An: đã tiếp cận 1/5 người (20,0 %)\n"
    assert _stored(db) == [("66002", date(2025, 8, 21), 1)]


def test_the_date_defaults_to_today_in_the_campaign_time_zone(runner, db, create_campaign):
    day = today("Asia/Ho_Chi_Minh")
    campaign = create_campaign(name="Đợt hôm nay", start_date=day - timedelta(days=3), deadline=day + timedelta(days=3))
    result = _compile(runner, "--campaign", str(campaign.id), "--unit", "66001")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{day.isoformat()} 66001 Xã Ea Kao: đã tiếp cận 0 người (chưa có chỉ tiêu)\n"
    assert _stored(db) == [("66001", day, 0)]


@pytest.mark.parametrize(("args", "message"), [
    (["--campaign", "999", "--date", "2025-08-21"], "Không tìm thấy chiến dịch."),
    (["--campaign", "abc", "--date", "2025-08-21"], "campaign:"),
    (["--campaign", "{id}", "--date", "2025-02-30"], "date:"),
    (["--campaign", "{id}", "--date", "21/08/2025"], "date:"),
    (["--campaign", "{id}", "--date", "2025-07-14"], "(2025-07-15)"),
    (["--campaign", "{id}", "--date", "2099-01-01"], "(2025-07-15)"),
    (["--campaign", "{id}", "--date", "2025-08-21", "--unit", "99"], "unit:"),
    (["--campaign", "{id}", "--date", "2025-08-21", "--unit", "6600101"], "unit:"),
])
def test_refused_input_exits_1_with_a_message(runner, db, reached, dummy_campaign, count_events, args, message):
    result = _compile(runner, *[arg.format(id=dummy_campaign.id) for arg in args])
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""
    assert _stored(db) == [] and count_events("digest.compiled") == 0


def test_a_commune_of_another_province_is_refused(runner, db, dummy_campaign, create_unit):
    other = create_unit("67", "Tỉnh Khánh Hòa", "province")
    create_unit("67001", "Xã Cam Hải", "commune", other)
    db.session.commit()
    result = _compile(runner, "--campaign", str(dummy_campaign.id), "--date", "2025-08-21", "--unit", "67001")
    assert result.exit_code == 1 and "unit:" in result.stderr
    assert _stored(db) == []
