from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.auth.models import ApiToken
from tracker.auth.operations import issue_token, purge_expired_tokens, user_for_token
from tracker.core.time import utcnow
from tracker.extensions import limiter


def test_a_token_is_issued_for_good_credentials_and_stored_hashed(client, users, db):
    response = client.post("/api/v1/auth/tokens", json={"username": "coord-66001", "password": "correct-horse-9"})
    assert response.status_code == 201
    token = response.json["token"]
    assert len(token) >= 40 and response.json["expires_at"].endswith("+00:00")
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash != token and token not in stored.token_hash
    assert stored.token_hash == ApiToken.hash(token)
    listed = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and {u["code"] for u in listed.json["items"]} == {"66001", "6600101", "6600102"}


@pytest.mark.parametrize("body", [{"username": "coord-66001", "password": "wrong"},
                                  {"username": "nobody", "password": "correct-horse-9"}])
def test_bad_credentials_get_401_and_no_token(client, users, db, body):
    response = client.post("/api/v1/auth/tokens", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json["error"] == {"code": "invalid_credentials", "message": "Wrong username or password.", "fields": {}}
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_missing_credentials_are_422(client):
    response = client.post("/api/v1/auth/tokens", json={"username": "x"})
    assert response.status_code == 422 and "password" in response.json["error"]["fields"]


def test_expired_tokens_are_refused_and_purged(users, db):
    user = users["volunteer"]
    token, record = issue_token(user, now=utcnow() - timedelta(days=31))
    fresh, _ = issue_token(user)
    db.session.commit()
    assert user_for_token(token) is None
    assert user_for_token(fresh) == user
    assert purge_expired_tokens() == 1
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


def test_a_deactivated_users_token_stops_working(users, db, client):
    token, _ = issue_token(users["volunteer"])
    users["volunteer"].is_active = False
    db.session.commit()
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_requests_are_rate_limited(app, client, users):
    app.config["TRACKER_LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.post("/api/v1/auth/tokens", json={"username": "admin", "password": "nope"}).status_code
                 for _ in range(5)]
    finally:
        app.config["TRACKER_LOGIN_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes == [401, 401, 401, 429, 429]


def test_the_login_page_is_rate_limited(app, client, users):
    app.config["TRACKER_LOGIN_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    try:
        codes = [client.post("/login", data={"username": "admin", "password": "nope"}).status_code for _ in range(3)]
        right_password = client.post("/login", data={"username": "admin", "password": "correct-horse-9"})
    finally:
        app.config["TRACKER_LOGIN_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes == [401, 401, 429]
    assert right_password.status_code == 429
