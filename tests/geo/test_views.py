"""The units pages and the CSV import form."""
import io
import re

import pytest
import sqlalchemy as sa

from tracker.campaigns.models import Target
from tracker.geo.models import Unit

CSV = "code,name,level,parent_code,population\n66003,Xã Ea Tu,commune,66,4000\n6600301,Buôn Kma,village,66003,900\n"


def _upload(client, text, name="units.csv"):
    return client.post("/units/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_admin_sees_the_province_with_its_communes(client, db, users, login, tree, dummy_campaign):
    db.session.add(Target(campaign=dummy_campaign, unit=tree["commune"], target=2100))
    db.session.commit()
    login(users["admin"])
    page = client.get("/units").get_data(as_text=True)
    assert "<h1>Tỉnh Đắk Lắk</h1>" in page and "Communes and wards" in page
    assert 'href="/units/66001">Xã Ea Kao</a>' in page
    row = re.search(r'Xã Ea Kao</a></td>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td[^>]* class="num">([^<]*)</td>', row) == ["3,000", "2,100", "2"]
    assert "Import units" in page


def test_coordinator_sees_the_villages_of_the_commune(client, users, login, tree):
    login(users["coordinator"])
    page = client.get("/units").get_data(as_text=True)
    assert "<h1>Xã Ea Kao</h1>" in page and "Villages and residential groups" in page
    assert 'href="/units/6600101">Buôn Ko Tam</a>' in page and "1,200" in page
    assert "Import units" not in page and "Tỉnh Đắk Lắk</a>" not in page


def test_breadcrumb_leads_back_up_within_the_scope(client, users, login, tree):
    login(users["admin"])
    page = client.get("/units/6600101").get_data(as_text=True)
    assert 'href="/units/66">Tỉnh Đắk Lắk</a><a href="/units/66001">Xã Ea Kao</a>' in page
    assert "Village · 6600101" in page


@pytest.mark.parametrize("code", ["66", "66002", "6600201", "nope"])
def test_units_outside_the_scope_are_not_found(client, users, login, tree, code):
    login(users["coordinator"])
    assert client.get(f"/units/{code}").status_code == 404


def test_volunteers_do_not_browse_units(client, users, login, tree):
    login(users["volunteer"])
    assert client.get("/units").status_code == 403


def test_admin_imports_units_from_csv(client, db, users, login, tree, count_events):
    login(users["admin"])
    response = _upload(client, CSV)
    assert response.status_code == 302
    page = client.get("/units").get_data(as_text=True)
    assert "Units imported: 2 created, 0 updated." in page and "Xã Ea Tu" in page
    assert count_events("unit.imported") == 1


def test_a_bad_csv_shows_the_lines_and_imports_nothing(client, db, users, login, tree, count_events):
    login(users["admin"])
    before = db.session.scalar(sa.select(sa.func.count(Unit.id)))
    response = _upload(client, CSV + "6600302,Buôn Lê,village,99999,10\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<strong>line 4</strong>" in page and "Unknown parent code 99999." in page
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == before and count_events() == 0


def test_import_without_a_file_asks_for_one(client, users, login, tree):
    login(users["admin"])
    response = client.post("/units/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file to import." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["committee", "coordinator"])
def test_only_admins_import(client, users, login, tree, role):
    login(users[role])
    assert _upload(client, CSV).status_code == 403
