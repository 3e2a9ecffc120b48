"""Bad input answers a clear 4xx in the error format of SPEC §8, never a 500."""
import pytest


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    ("{not json", "application/json", 400, "malformed_json"),
    ("[1, 2]", "application/json", 422, "validation_error"),
    ('"text"', "application/json", 422, "validation_error"),
    ("null", "application/json", 422, "validation_error"),
    ("\xff\xfe", "application/json", 400, "malformed_json"),
    ("title=x", "application/x-www-form-urlencoded", 422, "validation_error"),
])
def test_malformed_bodies(users, api_as, body, content_type, status, code):
    response = api_as(users["coordinator"]).post("/api/v1/trainings", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert set(response.json["error"]) == {"code", "message", "fields"}


def test_oversized_body_is_413(app, users, api_as):
    response = api_as(users["admin"]).post("/api/v1/units/import", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                                          content_type="text/csv")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_wrong_types_name_each_field(users, api_as, dummy_campaign):
    response = api_as(users["coordinator"]).post("/api/v1/trainings", json={
        "campaign_id": "one", "village": 5, "title": ["x"], "topic": None, "starts_at": 12, "ends_at": True})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"campaign_id", "village", "title", "topic", "starts_at", "ends_at"}


@pytest.mark.parametrize("url", ["/api/v1/trainings/999", "/api/v1/campaigns/999", "/api/v1/nothing-here"])
def test_unknown_ids_and_routes_are_404_json(users, api_as, url):
    response = api_as(users["admin"]).get(url)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(users, api_as):
    response = api_as(users["admin"]).put("/api/v1/trainings")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_huge_integers_do_not_crash(users, api_as, dummy_campaign):
    api = api_as(users["coordinator"])
    assert api.get(f"/api/v1/trainings/{10**30}").status_code == 404
    response = api.post("/api/v1/trainings", json={"campaign_id": 10**30, "village": "6600101", "title": "x",
                                                   "topic": "VNeID", "starts_at": "2025-08-20T08:00:00+07:00",
                                                   "ends_at": "2025-08-20T10:00:00+07:00", "capacity": 10**30})
    assert response.status_code == 422


def test_units_import_wants_csv(users, api_as):
    response = api_as(users["admin"]).post("/api/v1/units/import", json={"code": "66"})
    assert response.status_code == 415


def test_import_errors_name_the_line(users, api_as):
    response = api_as(users["admin"]).post(
        "/api/v1/units/import", data="code,name,level,parent_code,population\n6600109,Buôn Mới,village,77777,1\n",
        content_type="text/csv")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"line 2": ["Unknown parent code 77777."]}


def test_api_messages_are_vietnamese_by_default(users, api_as):
    response = api_as(users["admin"]).get("/api/v1/trainings/999", headers={"Accept-Language": "vi"})
    assert response.json["error"]["message"] == "Không tìm thấy buổi tập huấn."
