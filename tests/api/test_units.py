def test_units_list_filters_by_parent_and_level(users, api_as):
    api = api_as(users["admin"])
    body = api.get("/api/v1/units?parent=66001").json
    assert body == {"items": [
        {"code": "6600101", "name": "Buôn Ko Tam", "level": "village", "parent_code": "66001", "population": 1200},
        {"code": "6600102", "name": "Thôn Điện Tân", "level": "village", "parent_code": "66001", "population": 1800}]}
    communes = api.get("/api/v1/units?level=commune").json["items"]
    assert [unit["code"] for unit in communes] == ["66001", "66002"]
    assert api.get("/api/v1/units?level=hamlet").status_code == 422
    assert api.get("/api/v1/units?parent=99").status_code == 404


def test_units_list_is_scoped(users, api_as):
    api = api_as(users["other_coordinator"])
    assert [unit["code"] for unit in api.get("/api/v1/units").json["items"]] == ["66002", "6600201"]
    assert api.get("/api/v1/units?parent=66001").status_code == 404


def test_units_import_through_the_api(users, api_as, count_events):
    api = api_as(users["admin"])
    csv = "code,name,level,parent_code,population\n6600103,Buôn Ea Bông,village,66001,640\n"
    response = api.post("/api/v1/units/import", data=csv.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    assert response.json == {"created": 1, "updated": 0}
    assert api.post("/api/v1/units/import", data=csv, content_type="text/csv").json == {"created": 0, "updated": 0}
    names = [unit["name"] for unit in api.get("/api/v1/units?parent=66001").json["items"]]
    assert "Buôn Ea Bông" in names
    assert count_events("unit.imported") == 2


def test_json_carries_vietnamese_as_utf8(users, api_as):
    response = api_as(users["admin"]).get("/api/v1/units?parent=66001")
    assert "Buôn Ko Tam".encode() in response.data
    assert response.content_type == "application/json"
