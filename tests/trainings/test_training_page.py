"""The training page's attendance: count against capacity, the roster, check-in by code, cards to print."""
import re
from datetime import datetime, timedelta

import pytest
import zxingcpp
from babel.dates import format_date

from tests.cards.card_support import raster_svg
from tests.checkins.scans import DURING, new_scan
from tests.conftest import ICT
from tracker.checkins.models import CheckInSource
from tracker.checkins.operations import check_in, void_checkin
from tracker.checkins.queries import roster
from tracker.core.time import local, utcnow
from tracker.outcomes.models import Indicator
from tracker.trainings.models import TrainingStatus


@pytest.fixture
def attend(db, users):
    """Check ``person`` in at ``training`` (the dummy training's time by default) and commit."""
    def _attend(training, person, *, at=DURING, user=None, **kwargs):
        answer = check_in(training, new_scan(person, at=at, **kwargs.pop("scan", {})), user=user or users["volunteer"],
                          **kwargs)
        db.session.commit()
        return answer.checkin
    return _attend


def _page(client, training):
    response = client.get(f"/trainings/{training.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_shows_the_count_against_capacity_and_who_came(client, db, users, login, create_training,
                                                            create_participant, attend):
    training = create_training(capacity=40)
    hoa, lan = create_participant("Nguyễn Thị Hoa"), create_participant("Y Bông Êban")
    attend(training, hoa)
    attend(training, lan, at=datetime(2025, 8, 20, 9, 5, tzinfo=ICT), source=CheckInSource.sync, is_offline=True)
    login(users["coordinator"])
    page = _page(client, training)
    assert "2 / 40" in page and '<meter class="attendance-meter" min="0" max="40" value="2"' in page
    assert "Nguyễn Thị Hoa" in page and "Y Bông Êban" in page and hoa.code in page
    assert f'href="/participants/{hoa.id}"' in page
    assert "08:30" in page and "09:05" in page
    assert "camera" in page and "sent later" in page and "offline" in page
    assert page.index("Nguyễn Thị Hoa") < page.index("Y Bông Êban")


def test_page_without_capacity_shows_the_count_alone(client, users, login, dummy_training, dummy_participant, attend):
    attend(dummy_training, dummy_participant)
    login(users["coordinator"])
    page = _page(client, dummy_training)
    assert "<strong>1</strong>" in page and "<meter" not in page


def test_visitors_from_another_village_are_marked(client, users, login, dummy_training, create_participant, tree,
                                                  attend):
    attend(dummy_training, create_participant("Trần Văn Nam", village=tree["village2"]))
    login(users["coordinator"])
    page = _page(client, dummy_training)
    assert "Thôn Điện Tân" in page and "badge visitor" in page


def test_outcomes_ticked_are_shown_on_the_roster(client, db, users, login, dummy_training, dummy_campaign,
                                                 dummy_participant, attend):
    db.session.add(Indicator(campaign=dummy_campaign, key="vneid_level2", name="VNeID mức 2"))
    db.session.commit()
    attend(dummy_training, dummy_participant, scan={"outcomes": ["vneid_level2"]})
    login(users["coordinator"])
    assert "✓ VNeID mức 2" in _page(client, dummy_training)


def test_a_voided_check_in_is_shown_struck_and_does_not_count(client, db, users, login, create_training,
                                                              create_participant, attend):
    training = create_training(capacity=10)
    checkin = attend(training, create_participant("Lê Thị Bích"))
    attend(training, create_participant("Phạm Văn Đức"))
    void_checkin(checkin, reason="Quét nhầm người", user=users["coordinator"])
    db.session.commit()
    login(users["coordinator"])
    page = _page(client, training)
    assert "1 / 10" in page and 'class="voided"' in page and "Voided" in page
    assert "Quét nhầm người" in page and "Lê Thị Bích" in page
    assert page.count('name="reason"') == 1  # only the counting row can be voided


def test_volunteers_see_the_roster_without_links_voids_or_reasons(client, db, users, login, dummy_training,
                                                                  create_participant, attend):
    checkin = attend(dummy_training, create_participant("Lê Thị Bích"))
    attend(dummy_training, create_participant("Phạm Văn Đức"))
    void_checkin(checkin, reason="Quét nhầm người", user=users["coordinator"])
    db.session.commit()
    login(users["volunteer"])
    page = _page(client, dummy_training)
    assert "Phạm Văn Đức" in page and "Lê Thị Bích" in page
    assert 'href="/participants/' not in page and "/void" not in page and "Quét nhầm người" not in page
    assert "Print cards" not in page


def test_committee_sees_the_count_but_not_the_people(client, users, login, dummy_training, dummy_participant, attend):
    attend(dummy_training, dummy_participant)
    login(users["committee"])
    page = _page(client, dummy_training)
    assert "Attendance" in page and "<strong>1</strong>" in page
    assert dummy_participant.full_name not in page and dummy_participant.code not in page


def test_other_communes_coordinator_cannot_see_the_page(client, users, login, dummy_training):
    login(users["other_coordinator"])
    assert client.get(f"/trainings/{dummy_training.id}").status_code == 404


def test_visitors_from_outside_the_scope_are_listed_without_a_link(client, users, login, dummy_training,
                                                                   create_participant, tree, attend):
    person = create_participant("Đỗ Thị Mai", village=tree["other_village"])
    attend(dummy_training, person)
    login(users["coordinator"])
    page = _page(client, dummy_training)
    assert "Đỗ Thị Mai" in page and f'href="/participants/{person.id}"' not in page


# Check in by code ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "volunteer", "admin"])
def test_the_code_form_is_offered_while_the_training_takes_check_ins(client, users, login, open_training, role):
    login(users[role])
    page = _page(client, open_training)
    form = re.search(r'<form class="code-checkin" method="post" action="([^"]+)">\s*<input type="hidden" '
                     r'name="csrf_token"', page)
    assert form and form.group(1) == f"/trainings/{open_training.id}/check-in"


def test_the_code_form_is_not_offered_to_the_committee(client, users, login, open_training):
    login(users["committee"])
    assert "code-checkin" not in _page(client, open_training)


@pytest.mark.parametrize("change", [{"status": TrainingStatus.cancelled}, {}])
def test_the_code_form_is_not_offered_when_the_training_is_closed(client, db, users, login, create_training,
                                                                  open_training, change):
    training = open_training if change else create_training()  # the dummy training is long past
    for key, value in change.items():
        setattr(training, key, value)
    db.session.commit()
    login(users["coordinator"])
    assert "code-checkin" not in _page(client, training)


def _coming(create_training, open_training, *, hours):
    """A training of the open training's campaign starting ``hours`` from now."""
    starts = utcnow() + timedelta(hours=hours)
    return create_training(campaign=open_training.campaign, starts_at=starts, ends_at=starts + timedelta(hours=2))


def test_a_training_not_yet_open_says_when_check_in_opens_and_disables_the_box(client, users, login,
                                                                             create_training, open_training):
    training = _coming(create_training, open_training, hours=50)
    login(users["volunteer"])
    page = _page(client, training)
    opens = local(training.starts_at - timedelta(hours=1), "Asia/Ho_Chi_Minh")
    day = format_date(opens.date(), "short", locale="en")
    assert f"Check-in opens at {opens:%H:%M} on {day}." in page
    assert re.search(r'<input id="f-code" name="code"[^>]* disabled aria-describedby="f-code-state">', page)
    assert re.search(r'<button type="submit" class="button" disabled>', page)
    # More than a day away: the page does not wait to reload itself.
    assert "data-opens-in" not in page


def test_a_training_opening_soon_reloads_when_it_opens(client, users, login, create_training, open_training):
    training = _coming(create_training, open_training, hours=2)
    login(users["coordinator"])
    page = _page(client, training)
    opens = local(training.starts_at - timedelta(hours=1), "Asia/Ho_Chi_Minh")
    assert f"Check-in opens at {opens:%H:%M}" in page and "disabled" in page
    seconds = int(re.search(r'data-opens-in="(\d+)"', page).group(1))
    assert 3590 <= seconds <= 3600


def test_a_closed_training_says_when_check_in_closed(client, users, login, dummy_training):
    login(users["coordinator"])
    page = _page(client, dummy_training)
    assert "Check-in closed at 12:00 on 8/20/25." in page
    assert "code-checkin" not in page and "/scan?training=" not in page


def _scanner_qr(page):
    svg = re.search(r'<div class="scanner-qr">(<svg.*?</svg>)</div>', page, re.S).group(1)
    return zxingcpp.read_barcode(raster_svg(svg)[1]).text


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "admin"])
def test_the_scanner_link_and_its_qr_are_handed_over_on_the_page(client, users, login, open_training, role):
    login(users[role])
    page = _page(client, open_training)
    link = f"http://localhost/scan?training={open_training.id}"
    assert f'<a href="{link}">{link}</a>' in page
    assert _scanner_qr(page) == link


def test_the_scanner_link_follows_the_public_address(app, client, users, login, open_training, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_BASE_URL", "https://bcd.daklak.gov.vn/tracker")
    login(users["coordinator"])
    page = _page(client, open_training)
    assert _scanner_qr(page) == f"https://bcd.daklak.gov.vn/tracker/scan?training={open_training.id}"


def test_the_scanner_link_is_offered_before_check_in_opens(client, users, login, create_training, open_training):
    training = _coming(create_training, open_training, hours=5)
    login(users["volunteer"])
    assert _scanner_qr(_page(client, training)) == f"http://localhost/scan?training={training.id}"


def test_the_committee_gets_no_scanner_link(client, users, login, open_training):
    login(users["committee"])
    page = _page(client, open_training)
    assert "/scan?training=" not in page and "scanner-qr" not in page and "checkin-box" not in page


def test_a_cancelled_training_offers_no_scanner_link(client, db, users, login, open_training):
    open_training.status = TrainingStatus.cancelled
    db.session.commit()
    login(users["coordinator"])
    page = _page(client, open_training)
    assert "/scan?training=" not in page and "checkin-box" not in page


def test_the_void_form_carries_a_csrf_token(client, users, login, dummy_training, dummy_participant, attend):
    checkin = attend(dummy_training, dummy_participant)
    login(users["coordinator"])
    page = _page(client, dummy_training)
    assert re.search(rf'<form method="post" action="/checkins/{checkin.id}/void">\s*<input type="hidden" '
                     r'name="csrf_token"', page)


# Cards for those without one -----------------------------------------------------------------

@pytest.fixture
def crowd(db, dummy_training, create_participant, tree, users, attend):
    """Four people checked in: one whose card is printed, one voided, one from another commune, one new."""
    printed = create_participant("Hồ Văn Sáu", card_printed_at=utcnow())
    new = create_participant("Ngô Thị Ánh")
    voided = create_participant("Vũ Văn Bảy")
    outsider = create_participant("Đỗ Thị Mai", village=tree["other_village"])
    for person in (printed, new, voided, outsider):
        attend(dummy_training, person)
    void_checkin(next(c for c in roster(dummy_training) if c.participant_id == voided.id), reason="nhầm",
                 user=users["admin"])
    db.session.commit()
    return {"printed": printed, "new": new, "voided": voided, "outsider": outsider}


def test_the_print_link_counts_the_people_without_a_card(client, users, login, dummy_training, crowd):
    login(users["coordinator"])
    page = _page(client, dummy_training)
    assert f'href="/participants/cards?training={dummy_training.id}&amp;pending=1"' in page
    assert "Print the card of 1 person without one" in page


def test_admins_count_the_people_from_every_commune(client, users, login, dummy_training, crowd):
    login(users["admin"])
    assert "Print cards for 2 people without one" in _page(client, dummy_training)


def test_the_filtered_sheet_holds_the_cards_never_printed(client, users, login, dummy_training, crowd):
    login(users["coordinator"])
    response = client.get(f"/participants/cards?training={dummy_training.id}&pending=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Cards of the people at Kích hoạt VNeID" in page
    assert "Ngô Thị Ánh" in page
    assert "Hồ Văn Sáu" not in page and "Vũ Văn Bảy" not in page and "Đỗ Thị Mai" not in page
    everyone = client.get(f"/participants/cards?training={dummy_training.id}").get_data(as_text=True)
    assert "Ngô Thị Ánh" in everyone and "Hồ Văn Sáu" in everyone and "Vũ Văn Bảy" not in everyone
    pdf = client.get(f"/participants/cards.pdf?training={dummy_training.id}&pending=1")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "private, no-store"


def test_marking_the_training_sheet_printed_empties_the_count(client, db, users, login, dummy_training, crowd,
                                                              count_events):
    login(users["coordinator"])
    ids = [crowd["new"].id, crowd["outsider"].id, crowd["voided"].id]
    response = client.post(f"/trainings/{dummy_training.id}/cards/printed", data={"participant": ids, "pending": "1"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 card was marked as printed." in page
    assert count_events("cards.printed") == 1
    assert "without one" not in _page(client, dummy_training)
    db.session.expire_all()
    assert crowd["outsider"].card_printed_at is None and crowd["voided"].card_printed_at is None


def test_the_training_sheet_is_scoped(client, users, login, dummy_training, crowd):
    login(users["other_coordinator"])
    assert client.get(f"/participants/cards?training={dummy_training.id}").status_code == 404
    assert client.get(f"/participants/cards.pdf?training={dummy_training.id}").status_code == 404
    assert client.post(f"/trainings/{dummy_training.id}/cards/printed",
                       data={"participant": [crowd["new"].id]}).status_code == 404


def test_volunteers_may_not_print_a_trainings_cards(client, users, login, dummy_training, crowd):
    login(users["volunteer"])
    assert client.get(f"/participants/cards?training={dummy_training.id}").status_code == 403


@pytest.mark.parametrize("query", ["training=abc", "training=0", "training=99999999999999999999", ""])
def test_bad_sheet_filters_are_refused_cleanly(client, users, login, dummy_training, query):
    login(users["coordinator"])
    assert client.get(f"/participants/cards.pdf?{query}").status_code == 422
    assert client.get("/participants/cards?training=999999").status_code == 404
