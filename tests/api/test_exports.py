"""The API's spreadsheet twins of the lists: the same rows as the JSON lists, scoped like them."""
import pytest

from tests.core.export_reading import add_checkin, csv_rows, xlsx_rows
from tracker.checkins.models import CheckInSource


@pytest.fixture
def listed(db, create_training, create_participant, tree):
    training = create_training()
    away = create_training(title="Ở phường khác", village=tree["other_village"])
    people = [create_participant("Nguyễn Thị Hoa"), create_participant("=Trần Văn Đào", village=tree["village2"]),
              create_participant("Người phường khác", village=tree["other_village"])]
    add_checkin(db, training, people[0], source=CheckInSource.manual)
    add_checkin(db, away, people[2])
    return {"training": training, "away": away, "people": people}


def test_participants_twin_has_the_json_lists_rows(api_as, users, listed):
    api = api_as(users["coordinator"])
    listed_codes = [item["code"] for item in api.get("/api/v1/participants?q=nguyen&limit=500").json["items"]]
    response = api.get("/api/v1/participants.csv?q=nguyen")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.get_data())
    assert [row[0] for row in rows[1:]] == listed_codes and rows[0][1] == "Full name"
    everyone = xlsx_rows(api.get("/api/v1/participants.xlsx").get_data())
    assert sorted(row[1] for row in everyone[1:]) == ["'=Trần Văn Đào", "Nguyễn Thị Hoa"]


def test_trainings_twin_spans_what_the_json_list_spans(api_as, users, listed, dummy_campaign):
    api = api_as(users["admin"])
    json_ids = [item["id"] for item in api.get("/api/v1/trainings?limit=500").json["items"]]
    rows = csv_rows(api.get("/api/v1/trainings.csv").get_data())
    assert [int(row[0]) for row in rows[1:]] == json_ids and len(json_ids) == 2
    rows = xlsx_rows(api.get(f"/api/v1/trainings.xlsx?campaign_id={dummy_campaign.id}&unit=66001&date=2025-08-20")
                     .get_data())
    assert [row[0] for row in rows[1:]] == [listed["training"].id] and rows[1][13] == 1


def test_checkins_and_progress_twins(api_as, users, listed):
    api = api_as(users["coordinator"])
    roster = csv_rows(api.get(f"/api/v1/trainings/{listed['training'].id}/checkins.csv").get_data())
    assert [row[6] for row in roster[1:]] == ["Nguyễn Thị Hoa"] and roster[1][9] == "code typed in"
    unit = xlsx_rows(api.get("/api/v1/units/66001/checkins.xlsx").get_data())
    assert [row[6] for row in unit[1:]] == ["Nguyễn Thị Hoa"]
    progress = csv_rows(api.get("/api/v1/units/66001/progress.csv?date=2025-08-20").get_data())
    assert progress[-1][:4] == ["66001", "Total: Xã Ea Kao", "", "1"]


@pytest.mark.parametrize(("who", "url", "status"), [
    ("committee", "/api/v1/participants.csv", 403),
    ("volunteer", "/api/v1/units/66001/checkins.csv", 403),
    ("committee", "/api/v1/trainings/{training}/checkins.xlsx", 403),
    ("coordinator", "/api/v1/trainings/{away}/checkins.csv", 404),
    ("coordinator", "/api/v1/participants.csv?village=66002", 404),
    ("coordinator", "/api/v1/units/66002/progress.xlsx", 404),
    ("coordinator", "/api/v1/trainings.csv?unit=66002", 404),
    ("coordinator", "/api/v1/trainings.csv?date=2025-13-01", 422),
    ("coordinator", "/api/v1/units/66001/progress.csv?date=yesterday", 422),
    ("volunteer", "/api/v1/trainings.csv", 200),
])
def test_refusals_are_json_errors(api_as, users, listed, who, url, status):
    response = api_as(users[who]).get(url.format(training=listed["training"].id, away=listed["away"].id))
    assert response.status_code == status
    if status != 200:
        assert "error" in response.json


def test_a_token_is_required(client, listed):
    assert client.get("/api/v1/trainings.csv").status_code == 401
