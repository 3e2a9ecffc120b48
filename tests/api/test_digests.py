"""``/api/v1/campaigns/{id}/digests/{date}``: the stored digest, its CSV and XLSX, compiling on demand."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.digests.export_samples import (
    COMPILED_AT,
    DAY,
    INJECTED_NAME,
    PAYLOAD_KEYS,
    add_reached,
    sample_payload,
    store_digest,
)
from tracker.digests.models import Digest

SUFFIXES = ["", ".csv", ".xlsx"]
VI = {"Accept-Language": "vi"}


def _url(campaign, day=DAY, suffix="", unit=None):
    query = f"?unit={unit}" if unit is not None else ""
    return f"/api/v1/campaigns/{campaign.id}/digests/{day}{suffix}{query}"


@pytest.fixture
def stored(db, dummy_campaign, tree):
    """The sample digest of the province and of both communes, each with its own ``reached``."""
    return {code: store_digest(db, dummy_campaign, tree[key], reached=reached)
            for code, key, reached in [("66", "province", 1234), ("66001", "commune", 934),
                                       ("66002", "other_commune", 300)]}


def test_get_returns_the_stored_digest_with_every_key(users, api_as, stored, dummy_campaign, tree):
    response = api_as(users["admin"]).get(_url(dummy_campaign, unit="66001"))
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == PAYLOAD_KEYS | {"compiled_at"}
    expected = sample_payload(dummy_campaign, tree["commune"], reached=934)
    assert {key: body[key] for key in PAYLOAD_KEYS} == expected
    assert body["unit"] == {"code": "66001", "name": "Xã Ea Kao", "level": "commune"}
    assert (body["day_number"], body["days_total"], body["days_left"]) == (37, 103, 67)
    assert datetime.fromisoformat(body["compiled_at"]) == COMPILED_AT


@pytest.mark.parametrize(("role", "unit"), [("admin", "66"), ("committee", "66"), ("commune_committee", "66001"),
                                            ("coordinator", "66001"), ("other_coordinator", "66002")])
def test_without_unit_the_province_or_else_your_commune(users, api_as, stored, dummy_campaign, role, unit):
    body = api_as(users[role]).get(_url(dummy_campaign)).json
    assert body["unit"]["code"] == unit and body["reached"] == stored[unit].payload["reached"]


#: (role, unit asked for) → status, the same for JSON, CSV and XLSX.
SCOPE = [
    ("admin", "66", 200), ("admin", "66001", 200), ("admin", "66002", 200),
    ("committee", "66", 200), ("committee", "66002", 200),
    ("commune_committee", "66001", 200), ("commune_committee", "66002", 404), ("commune_committee", "66", 404),
    ("coordinator", "66001", 200), ("coordinator", "66002", 404), ("coordinator", "66", 404),
    ("other_coordinator", "66002", 200), ("other_coordinator", "66001", 404),
    ("volunteer", "66001", 403), ("volunteer", None, 403), ("volunteer", "66002", 404),
]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize(("role", "unit", "status"), SCOPE)
def test_scope_matrix(users, api_as, stored, dummy_campaign, suffix, role, unit, status):
    response = api_as(users[role]).get(_url(dummy_campaign, suffix=suffix, unit=unit))
    assert response.status_code == status
    if status == 200 and not suffix:
        assert response.json["unit"]["code"] == unit
    elif status != 200:
        assert response.json["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_without_a_token_401(client, stored, dummy_campaign, suffix):
    response = client.get(_url(dummy_campaign, suffix=suffix))
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert client.post(_url(dummy_campaign, suffix="/compile")).status_code == 401


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_no_digest_compiled_for_the_day_is_404(users, api_as, stored, dummy_campaign, suffix):
    response = api_as(users["admin"]).get(_url(dummy_campaign, DAY + timedelta(days=1), suffix))
    assert response.status_code == 404
    assert response.json["error"]["message"] == "No digest has been compiled for this unit and day."


@pytest.mark.parametrize(("day", "query", "status", "field"), [
    ("2025-02-30", "", 422, "date"), ("20250820", "", 422, "date"), ("yesterday", "", 422, "date"),
    ("2025-8-20", "", 422, "date"), ("2025-08-20T00:00", "", 422, "date"), ("9" * 300, "", 422, "date"),
    ("2025-08-20", "?unit=99", 422, "unit"), ("2025-08-20", "?unit=6600101", 422, "unit"),
    ("2025-08-20", "?unit=%00", 422, None), ("2025-08-20", "?unit=67", 404, None),
])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_bad_input_is_a_clear_4xx(users, api_as, stored, dummy_campaign, create_unit, day, query, status, field,
                                  suffix):
    create_unit("67", "Tỉnh Khánh Hòa", "province")
    response = api_as(users["admin"]).get(f"/api/v1/campaigns/{dummy_campaign.id}/digests/{day}{suffix}{query}")
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] in {"validation_error", "not_found"}
    if field:
        assert field in response.json["error"]["fields"]


@pytest.mark.parametrize("campaign_id", ["999", "99999999999999999999999"])
def test_unknown_campaign_is_404(users, api_as, stored, campaign_id):
    response = api_as(users["admin"]).get(f"/api/v1/campaigns/{campaign_id}/digests/2025-08-20")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_csv_opens_in_excel_with_its_diacritics_and_no_formulas(users, api_as, stored, dummy_campaign):
    response = api_as(users["commune_committee"]).get(_url(dummy_campaign, suffix=".csv"), headers=VI)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    figures = {row[0]: row[1:] for row in rows if len(row) == 3}
    assert figures["unit"] == ["Đơn vị", "Xã Ea Kao"] and figures["reached"] == ["Số người đã tiếp cận", "934"]
    assert ["Xếp hạng"] in rows
    names = [row[1] for row in rows if len(row) == 7]
    assert names[1:] == ["Xã Ea Kao", "'+cmd|' /C calc'!A0", "'" + INJECTED_NAME]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ban-tin-xa-ea-kao-2025-08-20.csv"; ')
    assert "filename*=UTF-8''B%E1%BA%A3n%20tin%20X%C3%A3%20Ea%20Kao%202025-08-20.csv" in disposition


def test_xlsx_has_the_figures_and_ranking_sheets_with_numbers(users, api_as, stored, dummy_campaign):
    response = api_as(users["committee"]).get(_url(dummy_campaign, suffix=".xlsx"), headers=VI)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="ban-tin-tinh-dak-lak-2025-08-20.xlsx"' in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[:2] == ["Số liệu", "Xếp hạng"]
    figures = {row[0]: row[2] for row in workbook["Số liệu"].iter_rows(min_row=2, values_only=True)}
    assert figures["reached"] == 1234 and figures["reached_percent"] == 41.1
    rows = list(workbook["Xếp hạng"].iter_rows(min_row=2, values_only=True))
    assert all(isinstance(value, int | float) for row in rows[:2] for value in row[2:])
    assert rows[2][1] == "'" + INJECTED_NAME


def test_openapi_documents_the_digest_operations(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    base = "/api/v1/campaigns/{campaign_id}/digests/{date}"
    assert "text/csv" in paths[base + ".csv"]["get"]["responses"]["200"]["content"]
    json_get = paths[base]["get"]
    assert {(p["in"], p["name"]) for p in json_get["parameters"]} == {("path", "campaign_id"), ("path", "date"),
                                                                       ("query", "unit")}
    assert {"403", "404", "422"} <= set(paths[base + "/compile"]["post"]["responses"])


# Compiling on demand, from real check-ins -------------------------------------------------------

@pytest.fixture
def reached(db, dummy_campaign, tree, create_training, create_participant):
    return add_reached(db, dummy_campaign, tree, create_training, create_participant)


def test_coordinator_compiles_their_commune_from_check_ins(users, api_as, reached, dummy_campaign, db,
                                                           count_events):
    response = api_as(users["coordinator"]).post(_url(dummy_campaign, date(2025, 8, 21), "/compile"))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["unit"]["code"] == "66001" and body["date"] == "2025-08-21"
    assert (body["target"], body["reached"], body["reached_percent"]) == (10, 2, 20.0)
    assert (body["new_reached_yesterday"], body["checkins_yesterday"], body["trainings_held_yesterday"]) == (2, 2, 1)
    assert (body["day_number"], body["days_left"]) == (38, 66)
    assert body["required_daily_pace"] == 1  # ceil(8 / 66)
    assert [(row["code"], row["reached"], row["percent"], row["rank"]) for row in body["ranking"]] == [
        ("6600101", 2, 50.0, 1), ("6600102", 0, 0.0, 2)]
    assert body["breakdown"]["gender"] == {"female": 1, "male": 1, "other": 0}
    assert count_events("digest.compiled") == 1
    stored = db.session.scalars(sa.select(Digest)).all()
    assert [(d.unit.code, d.date, d.payload["reached"]) for d in stored] == [("66001", date(2025, 8, 21), 2)]
    # What was stored is what GET returns.
    again = api_as(users["commune_committee"]).get(_url(dummy_campaign, date(2025, 8, 21)))
    assert again.json == body


def test_admin_compiles_the_province_and_compiling_again_replaces_it(users, api_as, reached, dummy_campaign, db):
    api = api_as(users["admin"])
    first = api.post(_url(dummy_campaign, date(2025, 8, 21), "/compile")).json
    assert (first["unit"]["code"], first["target"], first["reached"]) == ("66", 15, 3)
    assert {row["code"]: row["reached"] for row in first["ranking"]} == {"66001": 2, "66002": 1}
    second = api.post(_url(dummy_campaign, date(2025, 8, 21), "/compile", unit="66002")).json
    assert (second["unit"]["code"], second["reached"]) == ("66002", 1)
    api.post(_url(dummy_campaign, date(2025, 8, 21), "/compile"))
    assert db.session.scalar(sa.select(sa.func.count(Digest.id))) == 2


@pytest.mark.parametrize(("role", "unit", "status"), [
    ("committee", None, 403), ("commune_committee", None, 403), ("volunteer", None, 403),
    ("coordinator", "66002", 404), ("coordinator", "66", 404), ("other_coordinator", "66002", 200),
    ("admin", "66001", 200),
])
def test_who_may_compile(users, api_as, reached, dummy_campaign, count_events, role, unit, status):
    response = api_as(users[role]).post(_url(dummy_campaign, date(2025, 8, 21), "/compile", unit=unit))
    assert response.status_code == status, response.json
    assert count_events("digest.compiled") == (1 if status == 200 else 0)


@pytest.mark.parametrize(("day", "query", "status", "field"), [
    ("2025-07-14", "", 422, "date"), ("2099-01-01", "", 422, "date"), ("2025-02-30", "", 422, "date"),
    ("2025-08-21", "?unit=6600101", 422, "unit"), ("2025-08-21", "?unit=nope", 422, "unit"),
    ("2025-08-21", "?unit=67", 404, None),
])
def test_compile_refuses_bad_input(users, api_as, reached, dummy_campaign, create_unit, count_events, day, query,
                                   status, field):
    create_unit("67", "Tỉnh Khánh Hòa", "province")
    response = api_as(users["admin"]).post(f"/api/v1/campaigns/{dummy_campaign.id}/digests/{day}/compile{query}")
    assert response.status_code == status, response.json
    if field:
        assert field in response.json["error"]["fields"]
    assert count_events("digest.compiled") == 0


def test_a_compiled_digest_exports_as_csv_and_xlsx(users, api_as, reached, dummy_campaign):
    api = api_as(users["admin"])
    assert api.post(_url(dummy_campaign, date(2025, 8, 21), "/compile")).status_code == 200
    rows = list(csv.reader(io.StringIO(api.get(_url(dummy_campaign, date(2025, 8, 21), ".csv")).data
                                       .decode("utf-8-sig"))))
    figures = {row[0]: row[2] for row in rows if len(row) == 3}
    assert (figures["target"], figures["reached"], figures["reached_percent"]) == ("15", "3", "20.0")
    # Yesterday both communes had 0 % (tied first): no change in rank.
    assert ["66001", "Xã Ea Kao", "10", "2", "20.0", "1", "0"] in rows
    workbook = load_workbook(io.BytesIO(api.get(_url(dummy_campaign, date(2025, 8, 21), ".xlsx")).data))
    ranking = list(workbook["Ranking"].iter_rows(min_row=2, values_only=True))
    assert ranking == [("66001", "Xã Ea Kao", 10, 2, 20.0, 1, 0), ("66002", "Phường Tân An", 5, 1, 20.0, 1, 0)]
