import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image

from tests.cards.card_support import decode_all, pdf_text, raster_page, raster_svg, read_pdf
from tracker.cards.tokens import make_token
from tracker.participants.models import Participant


@pytest.fixture
def villagers(create_participant, tree):
    """Eleven people of Buôn Ko Tam (the first card already printed) and one of another commune."""
    people = [create_participant("Nguyễn Thị Hoa", card_printed_at=datetime(2025, 8, 1, tzinfo=UTC))]
    people += [create_participant(f"Trần Văn Đức {number}", gender="male") for number in range(10)]
    people.append(create_participant("Lê Văn Tám", village=tree["other_village"]))
    return people


def test_the_png_decodes_to_the_participants_token(users, api_as, villagers, app):
    person = villagers[0]
    response = api_as(users["coordinator"]).get(f"/api/v1/participants/{person.id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "no-store" in response.headers["Cache-Control"]
    barcode = zxingcpp.read_barcode(Image.open(io.BytesIO(response.data)))
    assert barcode.text == make_token(person.code)
    assert int(barcode.extra["Version"]) <= 3 and barcode.ec_level == "M"


def test_the_svg_is_valid_xml_that_decodes(users, api_as, villagers, app):
    person = villagers[0]
    response = api_as(users["admin"]).get(f"/api/v1/participants/{person.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert ET.fromstring(response.data).tag == "{http://www.w3.org/2000/svg}svg"
    _root, image = raster_svg(response.data)
    assert zxingcpp.read_barcode(image).text == make_token(person.code)


def test_the_cards_pdf_of_a_village(users, api_as, villagers, db, count_events):
    response = api_as(users["coordinator"]).get("/api/v1/participants/cards.pdf?village=6600101")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'filename="cards-6600101.pdf"' in response.headers["Content-Disposition"]
    reader = read_pdf(response.data)
    assert len(reader.pages) == 2
    text = pdf_text(response.data)
    assert "Nguyễn Thị Hoa" in text and "Trần Văn Đức 9" in text and "Buôn Ko Tam" in text and "Xã Ea Kao" in text
    assert "100 ngày cao điểm" in text and "Lê Văn Tám" not in text
    assert b"/FontFile2" in response.data
    in_the_village = villagers[:-1]
    tokens = decode_all(raster_page(reader, 0)) + decode_all(raster_page(reader, 1))
    assert sorted(tokens) == sorted(make_token(person.code) for person in in_the_village)
    # Reading is not printing: nothing changes.
    assert count_events() == 0
    assert db.session.get(Participant, villagers[1].id).card_printed_at is None


def test_pending_leaves_out_cards_already_printed(users, api_as, villagers):
    response = api_as(users["coordinator"]).get("/api/v1/participants/cards.pdf?village=6600101&pending=1")
    assert response.status_code == 200
    assert len(read_pdf(response.data).pages) == 1
    text = pdf_text(response.data)
    assert "Nguyễn Thị Hoa" not in text and "Trần Văn Đức 0" in text


def test_a_village_without_anyone_gives_a_one_page_pdf(users, api_as, villagers):
    response = api_as(users["coordinator"]).get("/api/v1/participants/cards.pdf?village=6600102")
    assert response.status_code == 200
    assert "There are no cards to print." in pdf_text(response.data)


@pytest.mark.parametrize(("who", "url", "status"), [
    ("coordinator", "/api/v1/participants/{other}/qr.png", 404),
    ("coordinator", "/api/v1/participants/{other}/qr.svg", 404),
    ("other_coordinator", "/api/v1/participants/{hoa}/qr.png", 404),
    ("coordinator", "/api/v1/participants/999999/qr.png", 404),
    ("coordinator", "/api/v1/participants/99999999999999999999999/qr.png", 404),
    ("volunteer", "/api/v1/participants/{hoa}/qr.png", 403),
    ("volunteer", "/api/v1/participants/{hoa}/qr.svg", 403),
    ("committee", "/api/v1/participants/{hoa}/qr.png", 403),
    ("admin", "/api/v1/participants/{other}/qr.png", 200),
    ("other_coordinator", "/api/v1/participants/cards.pdf?village=6600101", 404),
    ("coordinator", "/api/v1/participants/cards.pdf?village=6600201", 404),
    ("coordinator", "/api/v1/participants/cards.pdf?village=nope", 404),
    ("volunteer", "/api/v1/participants/cards.pdf?village=6600101", 403),
    ("commune_committee", "/api/v1/participants/cards.pdf?village=6600101", 403),
    ("admin", "/api/v1/participants/cards.pdf?village=6600201", 200),
])
def test_access_by_role_and_scope(users, api_as, villagers, who, url, status):
    url = url.format(hoa=villagers[0].id, other=villagers[-1].id)
    response = api_as(users[who]).get(url)
    assert response.status_code == status
    if status >= 400:
        assert response.json["error"]["code"] in {"not_found", "forbidden"}


@pytest.mark.parametrize(("query", "field"), [
    ("", "village"),
    ("?pending=1", "village"),
    ("?village=", "village"),
    ("?village=" + "6" * 300, "village"),
    ("?village=6600101&pending=maybe", "pending"),
    ("?village=66001", "village"),
    ("?village=66", "village"),
])
def test_bad_queries_are_refused_with_json(users, api_as, villagers, query, field):
    response = api_as(users["admin"]).get("/api/v1/participants/cards.pdf" + query)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_a_nul_character_in_the_query_is_refused(users, api_as, villagers):
    assert api_as(users["admin"]).get("/api/v1/participants/cards.pdf?village=66%00").status_code == 422


@pytest.mark.parametrize("url", ["/api/v1/participants/1/qr.png", "/api/v1/participants/cards.pdf?village=6600101"])
def test_a_bearer_token_is_required(client, villagers, url):
    response = client.get(url)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_the_openapi_document_names_the_content_types(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "image/png" in paths["/api/v1/participants/{participant_id}/qr.png"]["get"]["responses"]["200"]["content"]
    assert "image/svg+xml" in paths["/api/v1/participants/{participant_id}/qr.svg"]["get"]["responses"]["200"]["content"]
    pdf = paths["/api/v1/participants/cards.pdf"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    assert {parameter["name"] for parameter in pdf["parameters"]} == {"village", "pending"}
