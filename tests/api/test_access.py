"""The authorisation matrix: every role × every training/campaign operation × in and out of scope."""
import pytest

ROLES = ["admin", "committee", "commune_committee", "coordinator", "other_coordinator", "volunteer"]

#: Expected status per (operation, role) on a training in village 6600101 (commune 66001).
MATRIX = {
    "get":    {"admin": 200, "committee": 200, "commune_committee": 200, "coordinator": 200, "other_coordinator": 404, "volunteer": 200},
    "patch":  {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "cancel": {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 200, "other_coordinator": 404, "volunteer": 403},
    "create": {"admin": 201, "committee": 403, "commune_committee": 403, "coordinator": 201, "other_coordinator": 422, "volunteer": 403},
    "campaign_create": {"admin": 201, "committee": 403, "commune_committee": 403, "coordinator": 403, "other_coordinator": 403, "volunteer": 403},
    "targets": {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 403, "other_coordinator": 403, "volunteer": 403},
    "import": {"admin": 200, "committee": 403, "commune_committee": 403, "coordinator": 403, "other_coordinator": 403, "volunteer": 403},
    "events": {"admin": 200, "committee": 200, "commune_committee": 200, "coordinator": 200, "other_coordinator": 200, "volunteer": 403},
}


def _call(api, operation, training, campaign):
    if operation == "get":
        return api.get(f"/api/v1/trainings/{training.id}")
    if operation == "patch":
        return api.patch(f"/api/v1/trainings/{training.id}", json={"place": "Nhà rông"})
    if operation == "cancel":
        return api.post(f"/api/v1/trainings/{training.id}/cancel", json={"reason": "Trùng lịch"})
    if operation == "create":
        return api.post("/api/v1/trainings", json={
            "campaign_id": campaign.id, "village": "6600101", "title": "AI", "topic": "VNeID",
            "starts_at": "2025-09-01T08:00:00+07:00", "ends_at": "2025-09-01T10:00:00+07:00"})
    if operation == "campaign_create":
        return api.post("/api/v1/campaigns", json={"name": "Đợt 2", "unit": "66", "start_date": "2025-11-01",
                                                  "deadline": "2025-12-31"})
    if operation == "targets":
        return api.put(f"/api/v1/campaigns/{campaign.id}/targets", json={"rate": 0.5})
    if operation == "import":
        return api.post("/api/v1/units/import", data="code,name,level,parent_code,population\n"
                        "6600109,Buôn Mới,village,66001,10\n", content_type="text/csv")
    return api.get("/api/v1/events")


@pytest.mark.parametrize("operation", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(users, api_as, dummy_training, dummy_campaign, count_events, operation, role):
    before = count_events()
    response = _call(api_as(users[role]), operation, dummy_training, dummy_campaign)
    expected = MATRIX[operation][role]
    assert response.status_code == expected, response.json
    if expected >= 400:
        assert response.json["error"]["code"] in {"forbidden", "not_found", "validation_error"}
        assert count_events() == before
    elif operation not in {"get", "events"}:
        assert count_events() == before + 1


def test_without_a_token_every_operation_answers_401(client, dummy_training, dummy_campaign):
    for url in ["/api/v1/trainings", f"/api/v1/trainings/{dummy_training.id}", "/api/v1/units",
                "/api/v1/events", f"/api/v1/campaigns/{dummy_campaign.id}/countdown"]:
        response = client.get(url)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
    response = client.get("/api/v1/units", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
