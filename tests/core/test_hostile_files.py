"""Hostile text in what leaves the app as files and messages: spreadsheets (no formula runs), PDFs
(the text as typed), the digest's e-mail and chat text, webhook and API JSON bodies.

The values are stored through the API and the admin's forms (``hostile_world.build``).
"""
import io
import json
import subprocess

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from markupsafe import escape
from openpyxl import load_workbook

from tests.core.export_reading import csv_rows
from tests.core.hostile_world import (
    CAMPAIGN_NAME,
    IMG,
    PLACE,
    SCRIPT,
    SHOWN,
    TITLE,
    TRAINER_SHOWN,
    VILLAGE_NAME,
    assert_harmless_html,
    build,
    pasted,
)
from tests.digests.mail_helpers import Collector, free_port, use_smtp
from tests.events.webhook_receiver import Receiver, wait_settled
from tracker.core.exports import FORMULA_PREFIXES
from tracker.digests import mail
from tracker.digests.models import Digest
from tracker.events.webhooks import jobs as webhook_jobs


@pytest.fixture
def world(client, api_as, users, login, db):
    world = build(client, api_as, users, login, db)
    admin = api_as(users["admin"])
    for unit in ("66", "66001"):
        compiled = admin.post(f"/api/v1/campaigns/{world.campaign['id']}/digests/{world.day}/compile?unit={unit}")
        assert compiled.status_code == 200, compiled.json
    login(users["admin"])
    return world


@pytest.fixture
def api(api_as, users):
    return api_as(users["admin"])


def _download(client, url, api=None):
    response = (api if url.startswith("/api/") else client).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data()


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _spreadsheets(world):
    """The CSV and XLSX downloads that carry hostile text, without their extension."""
    campaign, training, day = world.campaign["id"], world.training["id"], world.day
    return ["/participants", f"/trainings?campaign={campaign}&all_days=1", f"/trainings/{training}/checkins",
            f"/units/66001/checkins?campaign={campaign}", f"/units/66/progress?campaign={campaign}",
            f"/campaigns/{campaign}/digests/{day}?unit=66001", "/api/v1/participants",
            f"/api/v1/trainings/{training}/checkins"]


def _with_extension(url, extension):
    path, _sep, query = url.partition("?")
    return f"{path}.{extension}" + (f"?{query}" if query else "")


def test_csv_cells_that_would_start_a_formula_get_a_quote(world, client, api):
    cells = []
    for url in _spreadsheets(world):
        cells += [cell for row in csv_rows(_download(client, _with_extension(url, "csv"), api)) for cell in row]
    assert [cell for cell in cells if cell[:1] in FORMULA_PREFIXES and not _is_number(cell)] == []
    for text in (*SHOWN, TITLE, PLACE, TRAINER_SHOWN, VILLAGE_NAME):
        assert text in cells or "'" + text in cells, text


def test_xlsx_cells_are_text_never_formulas(world, client, api):
    values = []
    for url in _spreadsheets(world):
        workbook = load_workbook(io.BytesIO(_download(client, _with_extension(url, "xlsx"), api)))
        for row in (row for sheet in workbook.worksheets for row in sheet.iter_rows()):
            assert [cell.coordinate for cell in row if cell.data_type == "f"] == [], url
            values += [cell.value for cell in row if isinstance(cell.value, str)]
    assert [value for value in values if value[:1] in FORMULA_PREFIXES and not _is_number(value)] == []
    for text in (*SHOWN, TITLE, PLACE, TRAINER_SHOWN, VILLAGE_NAME):
        assert text in values or "'" + text in values, text


#: Bidirectional formatting characters: a PDF draws text in visual order and may keep them or not.
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _pdf_text(data):
    """The text of a PDF as poppler's ``pdftotext`` reads it, lines joined by spaces, bidi marks left out."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return " ".join(text.translate(_BIDI).split())


def test_pdfs_print_hostile_text_as_typed(world, client, api):
    people = list(world.people.values())
    cards = _pdf_text(_download(client, "/participants/cards.pdf?village=6600103"))
    assert cards == _pdf_text(_download(client, "/api/v1/participants/cards.pdf?village=6600103", api))
    for name in SHOWN:  # a name too long for the card is cut short, with an ellipsis
        assert _printed(name, cards), name
    for name, person in zip(SHOWN, people, strict=True):
        assert _printed(name, _pdf_text(_download(client, f"/participants/{person['id']}/data.pdf"))), name
    assert SCRIPT in _pdf_text(_download(client, f"/participants/{people[0]['id']}/card.pdf"))
    digest = _pdf_text(_download(client, f"/campaigns/{world.campaign['id']}/digests/{world.day}.pdf?unit=66001"))
    for text in (CAMPAIGN_NAME, VILLAGE_NAME):
        assert _printed(text, digest), text


def _printed(text, pdf_text):
    """Tell whether ``text`` is in a PDF's text whole, or cut short with an ellipsis (on a card)."""
    words = " ".join(text.translate(_BIDI).split())
    return words in pdf_text or any(words[:end].rstrip() + "…" in pdf_text for end in range(8, len(words)))


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 that keeps what it receives (as in tests/digests)."""
    handler, port = Collector(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(app, monkeypatch, port)
    yield handler
    controller.stop()


def test_the_digest_email_escapes_its_html_and_keeps_its_text_literal(world, client, db, smtp_server):
    recipient = client.post("/digests/recipients/66001", data={"email": "bcd@daklak.example", "name": pasted(IMG),
                                                               "language": "en"})
    assert recipient.status_code == 302, recipient.get_data(as_text=True)
    digests = db.session.scalars(sa.select(Digest).where(Digest.date == world.day)).all()
    mail.queue_digest_emails(digests)
    assert mail.send_due_emails()["sent"] == 1
    db.session.commit()
    [message] = smtp_server.messages()
    assert message["To"].addresses[0].display_name == IMG
    assert CAMPAIGN_NAME in message["Subject"]
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert_harmless_html(html, "e-mail")
    for value in (CAMPAIGN_NAME, VILLAGE_NAME):
        assert value in text and escape(value) in html, value


def test_the_chat_text_carries_names_as_typed(world, client):
    text = _download(client, f"/campaigns/{world.campaign['id']}/digests/{world.day}.txt?unit=66001").decode()
    assert CAMPAIGN_NAME in text and VILLAGE_NAME in text  # "{{7*7}}" and "%s" as typed: nothing evaluated


def test_json_answers_and_webhook_bodies_stay_valid_json_with_the_text_as_typed(world, client, api, db, users):
    receiver = Receiver()
    try:
        url = receiver.url + "/hook?q=%3Cscript%3E&name='\"--"
        created = api.post("/api/v1/webhooks", json={"url": url, "events": ["training.updated"]})
        assert created.status_code == 201, created.json
        changed = api.patch(f"/api/v1/trainings/{world.training['id']}", json={"title": TITLE + " " + SCRIPT})
        assert changed.status_code == 200, changed.json
        wait_settled()
        webhook_jobs.deliver_due()
        [request] = receiver.requests
    finally:
        receiver.close()
    assert request.path == "/hook?q=%3Cscript%3E&name='\"--"
    assert json.loads(request.body)["type"] == "training.updated"
    assert api.get("/api/v1/webhooks").json["items"][0]["url"] == url
    events = api.get("/api/v1/events?limit=200")
    assert events.status_code == 200 and json.loads(events.get_data())["items"]
    training = json.loads(api.get(f"/api/v1/trainings/{world.training['id']}").get_data())
    assert training["title"] == TITLE + " " + SCRIPT and training["place"] == PLACE
    page = client.get("/webhooks").get_data(as_text=True)
    assert_harmless_html(page, "/webhooks")
    assert escape(url) in page
