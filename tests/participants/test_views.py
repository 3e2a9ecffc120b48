"""The participant pages: search, register, the person's page and the sheet import."""
import io
import re
import unicodedata

import pytest
import sqlalchemy as sa

from tracker.participants.ethnicities import ETHNIC_GROUPS
from tracker.participants.models import Participant

FORM = {"full_name": "Nguyễn Thị Hoa", "birth_year": "1980", "gender": "female", "ethnicity": "Ê Đê",
        "village": "6600101", "phone": "", "consent": "yes"}


def _count(db):
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


# List and search -----------------------------------------------------------------------------

def test_list_searches_without_diacritics_in_scope(client, users, login, create_participant, tree):
    create_participant("Nguyễn Thị Hoa")
    create_participant("Trần Văn Đào")
    create_participant("Lê Thị Hoa", village=tree["other_village"])
    login(users["coordinator"])
    page = client.get("/participants?q=nguyen+thi").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in page and "Trần Văn Đào" not in page and "Lê Thị Hoa" not in page
    page = client.get("/participants?q=dao&village=").get_data(as_text=True)
    assert "Trần Văn Đào" in page and "Nguyễn Thị Hoa" not in page
    assert '<option value="6600102">Thôn Điện Tân</option>' in page and "6600201" not in page
    assert "Nobody matches “xyz”." in client.get("/participants?q=xyz").get_data(as_text=True)


def test_list_pages_with_more(client, users, login, create_participant):
    for number in range(4):
        create_participant(f"Y Bhim Niê {number}")
    login(users["coordinator"])
    page = client.get("/participants?q=bhim&limit=3").get_data(as_text=True)
    assert "Y Bhim Niê 2" in page and "Y Bhim Niê 3" not in page
    more = re.search(r'href="([^"]*cursor=[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "search=" in more and "bhim" not in more and "Y Bhim Niê 3" in client.get(more).get_data(as_text=True)


def test_the_menu_shows_participants_to_registrars_only(client, users, login, dummy_campaign):
    login(users["coordinator"])
    assert 'href="/participants"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login(users["volunteer"])
    assert 'href="/participants"' not in client.get("/trainings").get_data(as_text=True)


@pytest.mark.parametrize(("role", "url", "status"), [
    ("volunteer", "/participants", 403), ("committee", "/participants", 403), ("volunteer", "/participants/new", 403),
    ("volunteer", "/participants/import", 403), ("coordinator", "/participants?village=6600201", 404),
    ("coordinator", "/participants?village=nope", 422), ("coordinator", "/participants?cursor=zz", 422),
])
def test_pages_refuse_roles_and_places_outside_scope(client, users, login, role, url, status):
    login(users[role])
    assert client.get(url).status_code == status


# Register ------------------------------------------------------------------------------------

def test_the_form_offers_villages_in_scope_genders_and_the_54_ethnic_groups(client, users, login):
    login(users["coordinator"])
    page = client.get("/participants/new?village=6600102").get_data(as_text=True)
    assert '<option value="6600102" selected>Thôn Điện Tân</option>' in page and "6600201" not in page
    assert page.count('<option value="', page.index('<datalist id="ethnic-groups">')) >= 54
    assert len(ETHNIC_GROUPS) == 54 == len(set(ETHNIC_GROUPS))
    assert '<option value="Ê Đê">' in page and '<option value="female">female</option>' in page
    assert 'name="csrf_token"' in page and 'type="checkbox" name="consent"' in page


def test_coordinator_registers_and_sees_the_code(client, users, login, db, count_events):
    login(users["coordinator"])
    form = FORM | {"full_name": unicodedata.normalize("NFD", "Nguyễn Thị Hoa"), "phone": "0912.345.678"}
    response = client.post("/participants/new", data=form)
    participant = db.session.scalar(sa.select(Participant))
    assert response.status_code == 302 and response.headers["Location"] == f"/participants/{participant.id}"
    assert participant.full_name == "Nguyễn Thị Hoa" and participant.phone == "0912345678"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Nguyễn Thị Hoa is registered with code {participant.code}." in page
    assert "Buôn Ko Tam" in page and "0912345678" in page and "Agreed" in page and "coord-66001" in page
    assert f'href="/participants/{participant.id}/card"' in page and "Possibly the same person" not in page
    assert count_events("participant.registered") == 1


def test_registering_a_likely_duplicate_warns_and_links_both(client, users, login, db, dummy_participant):
    login(users["coordinator"])
    # Warned before saving (tests/participants/test_duplicates.py), the coordinator registers another person anyway.
    response = client.post("/participants/new", data=FORM | {"full_name": "nguyen thi hoa", "confirm_duplicate": "1"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Someone with the same name and birth year already lives in this village" in page
    assert "Possibly the same person" in page and dummy_participant.code in page
    assert f'href="/participants/{dummy_participant.id}"' in page and _count(db) == 2
    other = client.get(f"/participants/{dummy_participant.id}").get_data(as_text=True)
    assert "Possibly the same person" in other and "nguyen thi hoa" in other


def test_without_consent_nobody_is_registered(client, users, login, db):
    login(users["coordinator"])
    form = {key: value for key, value in FORM.items() if key != "consent"}
    response = client.post("/participants/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "must agree to their data being kept" in page
    assert 'value="Nguyễn Thị Hoa"' in page and _count(db) == 0


@pytest.mark.parametrize(("change", "message"), [
    ({"birth_year": "2030"}, "Enter a birth year between 1900"),
    ({"village": "6600201"}, "This village is not in your area."),
    ({"village": "66001"}, "is not a village"),
    ({"gender": ""}, "Missing data for required field."),
    ({"phone": "abc"}, "Vietnamese phone number"),
])
def test_form_errors_are_shown_and_nothing_is_stored(client, users, login, db, change, message):
    login(users["coordinator"])
    response = client.post("/participants/new", data=FORM | change)
    assert response.status_code in (404, 422) and message in response.get_data(as_text=True)
    assert _count(db) == 0


# The person's page ---------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [("coordinator", 200), ("admin", 200), ("other_coordinator", 404),
                                              ("volunteer", 403)])
def test_the_page_of_a_person_is_scoped(client, users, login, dummy_participant, role, status):
    login(users[role])
    response = client.get(f"/participants/{dummy_participant.id}")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert dummy_participant.code in page and "1980" in page and "Ê Đê" in page and "female" in page


# Import --------------------------------------------------------------------------------------

def test_import_page_reports_created_and_skipped_rows(client, users, login, db, dummy_participant):
    login(users["coordinator"])
    assert "Họ và tên" in client.get("/participants/import").get_data(as_text=True)
    sheet = ("\ufeffHọ và tên,Năm sinh,Giới tính,Dân tộc,Mã thôn,Số điện thoại,Đồng ý\n"
             "Nguyễn Thị Hoa,1980,Nữ,Ê Đê,6600101,,có\nY Bhim Niê,1975,Nam,Ê Đê,6600101,,x\n")
    response = client.post("/participants/import", data={"file": (io.BytesIO(sheet.encode()), "thon.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _count(db) == 2
    assert re.search(r"<strong>1</strong> people registered", page) and "rows skipped as possible duplicates" in page
    assert dummy_participant.code in page and f'href="/participants/{dummy_participant.id}"' in page


def test_import_page_lists_bad_lines_and_stores_nothing(client, users, login, db):
    login(users["coordinator"])
    sheet = "full_name,birth_year,gender,ethnicity,village_code,consent\nHoa,1980,female,Kinh,6600101,1\nLan,x,f,Kinh,6600101,1\n"
    response = client.post("/participants/import", data={"file": (io.BytesIO(sheet.encode()), "a.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<strong>line 3</strong>" in page and "birth_year" in page
    assert _count(db) == 0
    empty = client.post("/participants/import", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Choose a CSV or XLSX file to import." in empty.get_data(as_text=True)


def test_the_page_of_a_person_lists_the_trainings_attended_and_outcomes(client, db, users, login, dummy_training,
                                                                        dummy_participant, create_training):
    import uuid

    from tracker.checkins.operations import check_in, void_checkin
    from tracker.outcomes.models import Indicator

    db.session.add(Indicator(campaign=dummy_training.campaign, key="vneid_level2", name="Kích hoạt VNeID mức 2"))
    voided_training = create_training(title="Buổi bị hủy điểm danh")
    scan = {"code": dummy_participant.code, "scanned_at": dummy_training.starts_at}
    check_in(dummy_training, scan | {"scan_id": uuid.uuid4(), "outcomes": ["vneid_level2"]}, user=users["volunteer"])
    voided = check_in(voided_training, scan | {"scan_id": uuid.uuid4()}, user=users["volunteer"])
    void_checkin(voided.checkin, reason="Quét nhầm", user=users["coordinator"])
    db.session.commit()
    login(users["coordinator"])
    page = client.get(f"/participants/{dummy_participant.id}").get_data(as_text=True)
    assert "Kích hoạt VNeID" in page and f"/trainings/{dummy_training.id}" in page
    assert "Kích hoạt VNeID mức 2" in page and f"/participants/{dummy_participant.id}/outcomes" in page
    assert "Buổi bị hủy điểm danh" not in page  # a voided check-in is not attendance
    assert f"/participants/{dummy_participant.id}/card" in page


def test_the_list_links_to_the_cards_of_the_village_shown(client, users, login, dummy_participant):
    login(users["coordinator"])
    assert 'href="/participants/cards"' in client.get("/participants").get_data(as_text=True)
    page = client.get("/participants?village=6600101").get_data(as_text=True)
    assert 'href="/participants/cards?village=6600101"' in page


def test_a_name_searched_for_never_goes_in_the_address(client, users, login, dummy_participant, create_participant):
    create_participant("Trần Văn Bình")
    login(users["coordinator"])
    page = client.get("/participants").get_data(as_text=True)
    assert 'method="post" action="/participants"' in page
    response = client.post("/participants", data={"q": "nguyen thi", "village": ""})
    assert response.status_code == 302 and "nguyen" not in response.location.lower()
    assert response.location.startswith("/participants?search=")
    found = client.get(response.location).get_data(as_text=True)
    assert dummy_participant.full_name in found and "Trần Văn Bình" not in found
    assert 'value="nguyen thi"' in found  # the box shows what was typed
    token = response.location.split("search=")[1]
    assert f"search={token}" in found and "q=nguyen" not in found  # the next page and the downloads keep the token
    export = client.get(f"/participants.csv?search={token}").get_data(as_text=True)
    assert dummy_participant.full_name in export and "Trần Văn Bình" not in export
    expired = client.get("/participants?search=unknown").get_data(as_text=True)
    assert "no longer kept" in expired and "Trần Văn Bình" in expired
