"""People's rights (Decree 13/2023): withdrawing consent erases the data and keeps the counts; a copy of
one's data; who read a person's page is recorded."""
import io
import json
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.digests.worked_example import at
from tracker.checkins.models import HeldKind, HeldScan, HeldStatus
from tracker.core.errors import AppError, NotFound
from tracker.digests.figures import build_payload
from tracker.events.models import Event
from tracker.extensions import db as _db
from tracker.participants.privacy import ANONYMOUS_NAME, age_band, withdraw_consent

NAME = "H'Linh Niê"  # person A of the worked example: checked in on the 15th and the 16th, an outcome ticked


def _texts_containing(needle):
    """Return ``[(table, column)]`` of every text or JSON column holding ``needle``, in every table."""
    found = []
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON) and not isinstance(column.type, sa.Enum):
                text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
                if _db.session.scalar(sa.select(sa.func.count()).select_from(table).where(text.contains(needle))):
                    found.append((table.name, column.name))
    return found


def _figures(worked):
    payload = build_payload(worked.campaign, worked.units["province"], date(2025, 7, 20))
    return {key: payload[key] for key in ("reached", "new_reached_yesterday", "ranking", "breakdown", "indicators",
                                          "series")}


def test_after_withdrawal_the_name_is_nowhere_and_the_counts_are_unchanged(db, worked, users):
    person = worked.people["A"]
    # The name also went where people typed it: a void's reason, a walk-in handed over for review.
    worked.checkins["A2"].void_reason = f"Quét nhầm {NAME} lần hai"
    db.session.add(HeldScan(scan_id=uuid.uuid4(), kind=HeldKind.walk_in, training=worked.trainings["T1"],
                            volunteer_id=users["volunteer"].id, scanned_at=at(15, 8), reason="revoked",
                            payload={"details": {"full_name": NAME, "birth_year": 1990}},
                            status=HeldStatus.accepted, checkin_id=worked.checkins["A1"].id))
    person.phone = "0905123456"
    db.session.commit()
    before = _figures(worked)
    assert ("participants", "full_name") in _texts_containing(NAME)
    withdraw_consent(person, user=users["coordinator"])
    db.session.commit()
    assert _texts_containing(NAME) == [] and _texts_containing("0905123456") == []
    assert _texts_containing("Ê Đê") == [("participants", "ethnicity")]  # D, who did not withdraw
    assert _figures(worked) == before
    db.session.refresh(person)
    assert (person.full_name, person.phone, person.consent, person.ethnicity) == (ANONYMOUS_NAME, None, False,
                                                                                 "Dân tộc thiểu số")
    assert age_band(person.birth_year, 2025) == age_band(1990, 2025) == "25-39" and person.birth_year != 1990
    event = db.session.scalar(sa.select(Event).where(Event.type == "participant.consent_withdrawn"))
    assert event.payload == {"code": person.code} and event.actor_id == users["coordinator"].id
    with pytest.raises(AppError) as twice:
        withdraw_consent(person, user=users["coordinator"])
    assert twice.value.status == 409


@pytest.mark.parametrize(("birth_year", "band"), [(2012, "under_15"), (2005, "15-24"), (1990, "25-39"),
                                                  (1970, "40-59"), (1950, "60+")])
def test_an_erased_birth_year_keeps_its_age_band_for_years(db, create_participant, users, birth_year, band):
    person = create_participant(birth_year=birth_year)
    withdraw_consent(person, user=users["coordinator"])
    year = person.consent_withdrawn_at.year
    assert {age_band(person.birth_year, year + shift) for shift in (-1, 0, 1)} == {band}


def test_only_the_communes_coordinators_and_admins_erase(db, create_participant, users):
    person = create_participant()
    with pytest.raises(NotFound):
        withdraw_consent(person, user=users["other_coordinator"])
    with pytest.raises(AppError):
        withdraw_consent(person, user=users["volunteer"])
    assert not person.is_anonymised


def test_the_page_withdraws_and_then_shows_no_data(client, login, users, create_participant, db):
    person = create_participant("Nguyễn Thị Hoa", phone="0912345678")
    login(users["coordinator"])
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert "Withdraw consent and erase the data" in page and "Nguyễn Thị Hoa" in page
    response = client.post(f"/participants/{person.id}/withdraw")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Nguyễn Thị Hoa" not in page and "0912345678" not in page and "withdrew their consent" in page
    assert "Withdraw consent and erase the data" not in page
    again = client.post(f"/participants/{person.id}/withdraw")
    assert "already erased" in client.get(again.location).get_data(as_text=True)
    client.post("/logout")
    login(users["other_coordinator"])
    assert client.post(f"/participants/{person.id}/withdraw").status_code == 404


def test_a_copy_of_a_persons_data_as_json_and_pdf_is_logged(client, login, users, worked, db):
    person = worked.people["A"]
    login(users["coordinator"])
    answer = client.get(f"/participants/{person.id}/data.json")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    data = json.loads(answer.data)
    assert data["person"]["full_name"] == NAME and data["person"]["village"]["code"] == "6600101"
    assert [item["training"] for item in data["checkins"]] == [worked.trainings["T1"].title,
                                                              worked.trainings["T2"].title]
    assert [item["indicator"] for item in data["outcomes"]] == ["Kích hoạt VNeID mức 2"]
    pdf = client.get(f"/participants/{person.id}/data.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert pdf.mimetype == "application/pdf" and NAME in text and person.code in text
    exported = db.session.scalars(sa.select(Event).where(Event.type == "participant.exported")).all()
    assert len(exported) == 2 and all(event.payload == {"code": person.code} for event in exported)
    client.post("/logout")
    login(users["other_coordinator"])
    assert client.get(f"/participants/{person.id}/data.json").status_code == 404


def test_who_read_a_persons_page_is_recorded(client, login, users, create_participant, db):
    person = create_participant()
    login(users["coordinator"])
    client.get(f"/participants/{person.id}")
    client.get(f"/participants/{person.id}")
    views = db.session.scalars(sa.select(Event).where(Event.type == "participant.viewed")).all()
    assert [(event.actor_id, event.subject_id, event.payload) for event in views] == [
        (users["coordinator"].id, str(person.id), {"code": person.code})] * 2


def test_the_registration_form_says_what_is_kept_and_why(client, login, users):
    login(users["coordinator"])
    page = client.get("/participants/new").get_data(as_text=True)
    assert "What is kept, and why" in page and "Ethnic group is sensitive data" in page
    assert "withdraw this consent" in page


def test_no_event_payload_carries_a_name(db, worked, users, client, login):
    login(users["coordinator"])
    client.get(f"/participants/{worked.people['A'].id}")
    client.get(f"/participants/{worked.people['A'].id}/data.json")
    withdraw_consent(worked.people["B"], user=users["coordinator"])
    db.session.commit()
    payloads = " ".join(json.dumps(event.payload, ensure_ascii=False) for event in db.session.scalars(sa.select(Event)))
    assert all(person.full_name not in payloads for person in worked.people.values())
    assert NAME not in payloads and "Trần Văn Bình" not in payloads
