import io

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from tests.cards.card_support import decode_all, pdf_text, raster_page, raster_svg, read_pdf
from tracker.cards.render import (
    Card,
    build_cards_pdf,
    dark_runs,
    qr_matrix,
    qr_svg_markup,
    render_qr_png,
    render_qr_svg,
)
from tracker.cards.tokens import make_token, new_code
from tracker.events.models import Event
from tracker.participants.models import Participant

NAMES = ["Nguyễn Thị Hoa", "H'Nga Niê Kdăm", "Trần Văn Đức", "Y Bhim Niê", "Lê Thị Ngọc Ánh", "Phạm Văn Dũng",
         "Đinh Thị Hường", "Vũ Văn Thắng", "Hoàng Thị Yến", "Ksor Y Đhăm", "Bùi Thị Ổi"]


def _cards(count):
    codes = [new_code() for _ in range(count)]
    return [Card(code, NAMES[i % len(NAMES)], "Buôn Ko Tam", "Xã Ea Kao", make_token(code))
            for i, code in enumerate(codes)]


# Renderers -------------------------------------------------------------------------------------

def test_the_png_decodes_to_the_token_in_a_small_symbol(app):
    token = make_token("ZNUDUR5J")
    barcode = zxingcpp.read_barcode(Image.open(io.BytesIO(render_qr_png(token))))
    assert barcode.text == token
    assert barcode.ec_level == "M" and int(barcode.extra["Version"]) <= 3


def test_the_svg_is_an_svg_document_that_decodes(app):
    token = make_token("ZNUDUR5J")
    root, image = raster_svg(render_qr_svg(token))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert zxingcpp.read_barcode(image).text == token


def test_the_inline_svg_decodes_and_carries_no_style_attribute(app):
    token = make_token("ZNUDUR5J")
    markup = str(qr_svg_markup(token, label="Mã <thẻ>"))
    assert "style" not in markup and "&lt;thẻ&gt;" in markup
    _root, image = raster_svg(markup)
    assert zxingcpp.read_barcode(image).text == token


def test_dark_runs_cover_exactly_the_dark_modules(app):
    matrix = qr_matrix(make_token("ZNUDUR5J"))
    painted = {(row, column + offset) for row, column, length in dark_runs(matrix) for offset in range(length)}
    assert painted == {(r, c) for r, line in enumerate(matrix) for c, dark in enumerate(line) if dark}


def test_the_pdf_shows_vietnamese_names_with_their_diacritics_in_an_embedded_font(app):
    pdf = build_cards_pdf(_cards(11), campaign="100 ngày cao điểm", title="Thẻ")
    text = pdf_text(pdf)
    for name in NAMES:
        assert name in text
    assert "Buôn Ko Tam" in text and "Xã Ea Kao" in text and "100 ngày cao điểm" in text
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf


def test_every_qr_drawn_in_the_pdf_decodes_to_its_card(app):
    cards = _cards(10)
    reader = read_pdf(build_cards_pdf(cards, campaign="100 ngày cao điểm", title="Thẻ"))
    assert decode_all(raster_page(reader)) == sorted(card.token for card in cards)


def test_the_codes_are_printed_in_groups_of_four(app):
    card = _cards(1)[0]
    text = pdf_text(build_cards_pdf([card], campaign="x", title="x"))
    assert f"{card.code[:4]} {card.code[4:]}" in text


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (1, 1), (10, 1), (11, 2), (25, 3)])
def test_ten_cards_fit_a_page(app, count, pages):
    assert len(read_pdf(build_cards_pdf(_cards(count), campaign="x", title="x")).pages) == pages


def test_a_very_long_name_is_shortened_to_fit_the_card(app):
    code = new_code()
    card = Card(code, "Nguyễn " + "Thị Thanh Hương " * 12, "Buôn Ko Tam", "Xã Ea Kao", make_token(code))
    text = pdf_text(build_cards_pdf([card], campaign="C" * 120, title="x"))
    assert "…" in text and "Nguyễn Thị Thanh" in text


# The HTML sheet ---------------------------------------------------------------------------------

@pytest.fixture
def villagers(create_participant, tree):
    """Three people of Buôn Ko Tam (one card already printed) and one of another commune."""
    from datetime import UTC, datetime
    return {
        "hoa": create_participant("Nguyễn Thị Hoa"),
        "duc": create_participant("Trần Văn Đức", gender="male"),
        "nga": create_participant("H'Nga Niê Kdăm", card_printed_at=datetime(2025, 8, 1, tzinfo=UTC)),
        "other": create_participant("Lê Văn Tám", village=tree["other_village"]),
    }


def test_a_coordinator_sees_the_village_sheet(client, login, users, villagers):
    login(users["coordinator"])
    page = client.get("/participants/cards?village=6600101").get_data(as_text=True)
    for key in ("hoa", "duc", "nga"):
        person = villagers[key]
        assert person.full_name.replace("'", "&#39;") in page
        assert f"{person.code[:4]} {person.code[4:]}" in page
    assert "Lê Văn Tám" not in page
    assert page.count('<svg class="qr"') == 3
    assert "/participants/cards.pdf?village=6600101" in page
    assert "Mark these 3 cards as printed" in page


def test_pending_shows_only_people_without_a_printed_card(client, login, users, villagers):
    login(users["coordinator"])
    page = client.get("/participants/cards?village=6600101&pending=1").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in page and "Trần Văn Đức" in page and "Kdăm" not in page
    assert "Mark these 2 cards as printed" in page and "pending=1" in page


def test_looking_at_cards_writes_nothing(client, login, users, villagers, db, count_events):
    login(users["coordinator"])
    assert client.get("/participants/cards?village=6600101").status_code == 200
    assert client.get("/participants/cards.pdf?village=6600101").status_code == 200
    assert client.get(f"/participants/{villagers['hoa'].id}/card").status_code == 200
    assert count_events() == 0
    assert db.session.get(Participant, villagers["hoa"].id).card_printed_at is None


def test_marking_the_sheet_printed_records_it(client, login, users, villagers, db):
    login(users["coordinator"])
    ids = [villagers["hoa"].id, villagers["duc"].id, villagers["other"].id]
    response = client.post("/participants/cards/printed",
                           data={"village": "6600101", "pending": "1", "participant": ids})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/participants/cards?village=6600101&pending=1")
    db.session.expire_all()
    assert db.session.get(Participant, villagers["hoa"].id).card_printed_at is not None
    assert db.session.get(Participant, villagers["other"].id).card_printed_at is None
    event = db.session.scalar(sa.select(Event).where(Event.type == "cards.printed"))
    assert event.payload == {"village": "6600101", "count": 2} and event.unit.code == "6600101"
    assert event.actor_id == users["coordinator"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 cards were marked as printed." in page and "Everyone in this village has had a card printed." in page


@pytest.mark.parametrize("data", [{"village": "6600101"}, {"village": "6600101", "participant": "abc"},
                                  {"participant": "1"}, {"village": "6600101", "participant": "0"},
                                  {"village": "6600101", "participant": "1", "pending": "maybe"}])
def test_a_malformed_mark_as_printed_post_is_refused(client, login, users, villagers, data, count_events):
    login(users["coordinator"])
    assert client.post("/participants/cards/printed", data=data).status_code == 422
    assert count_events() == 0


def test_the_village_choice_lists_the_villages_of_the_area(client, login, users, villagers):
    login(users["coordinator"])
    page = client.get("/participants/cards").get_data(as_text=True)
    assert 'value="6600101"' in page and 'value="6600102"' in page and "6600201" not in page
    assert 'label="Xã Ea Kao"' in page


def test_one_persons_card(client, login, users, villagers):
    login(users["coordinator"])
    person = villagers["hoa"]
    page = client.get(f"/participants/{person.id}/card").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in page and "Buôn Ko Tam" in page and page.count('<svg class="qr"') == 1
    response = client.get(f"/participants/{person.id}/card.pdf")
    assert response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    assert "Nguyễn Thị Hoa" in pdf_text(response.data)


def test_the_sheet_pdf_from_the_browser(client, login, users, villagers):
    login(users["coordinator"])
    response = client.get("/participants/cards.pdf?village=6600101&pending=1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    assert "Nguyễn Thị Hoa" in text and "Kdăm" not in text


@pytest.mark.parametrize(("who", "url", "status"), [
    ("other_coordinator", "/participants/cards?village=6600101", 404),
    ("other_coordinator", "/participants/cards.pdf?village=6600101", 404),
    ("coordinator", "/participants/cards?village=6600201", 404),
    ("coordinator", "/participants/cards?village=nope", 404),
    ("coordinator", "/participants/cards?village=66001", 422),
    ("coordinator", "/participants/cards.pdf", 422),
    ("coordinator", "/participants/cards?village=" + "x" * 300, 422),
    ("coordinator", "/participants/cards?village=6600101&pending=maybe", 422),
    ("volunteer", "/participants/cards?village=6600101", 403),
    ("volunteer", "/participants/cards", 403),
    ("volunteer", "/participants/cards.pdf", 403),
    ("commune_committee", "/participants/cards.pdf", 403),
    ("commune_committee", "/participants/cards.pdf?village=6600101", 403),
    ("admin", "/participants/cards?village=6600201", 200),
])
def test_the_sheet_is_scoped(client, login, users, villagers, who, url, status):
    login(users[who])
    assert client.get(url).status_code == status


@pytest.mark.parametrize(("who", "person", "status"), [
    ("coordinator", "other", 404), ("other_coordinator", "hoa", 404), ("volunteer", "hoa", 403),
    ("committee", "hoa", 403), ("admin", "other", 200),
])
def test_one_card_is_scoped(client, login, users, villagers, who, person, status):
    login(users[who])
    assert client.get(f"/participants/{villagers[person].id}/card").status_code == status


@pytest.mark.parametrize(("who", "status"), [("other_coordinator", 404), ("volunteer", 403), ("committee", 403)])
def test_marking_is_scoped(client, login, users, villagers, db, count_events, who, status):
    login(users[who])
    response = client.post("/participants/cards/printed", data={"village": "6600101", "participant": villagers["hoa"].id})
    assert response.status_code == status
    assert count_events() == 0
    assert db.session.get(Participant, villagers["hoa"].id).card_printed_at is None


def test_pages_need_a_sign_in(client, villagers):
    assert client.get("/participants/cards?village=6600101").status_code in {302, 401}
