def test_create_training_through_api(users, dummy_campaign, api_as, count_events):
    api = api_as(users["coordinator"])
    response = api.post("/api/v1/trainings", json={
        "campaign_id": dummy_campaign.id, "village": "6600101", "title": "VNeID", "topic": "VNeID",
        "starts_at": "2025-08-20T08:00:00+07:00", "ends_at": "2025-08-20T10:00:00+07:00"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "planned"
    assert count_events("training.scheduled") == 1
