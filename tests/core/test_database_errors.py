"""A database that is away for a moment answers 503 with Retry-After, never 500 (issue 11.3).

The failure is raised where a request first touches the database (the API token's lookup, the
page's signed-in user); ``tests/core/test_database_outage.py`` cuts a real PostgreSQL under load.
"""
import logging

import psycopg
import pytest
import sqlalchemy as sa

from tracker.auth.models import User

STATEMENT, PARAMS = "SELECT * FROM participants WHERE full_name = %(name)s", {"name": "Nguyễn Thị Hoa"}


def _operational():
    return sa.exc.OperationalError(STATEMENT, PARAMS, psycopg.OperationalError("connection failed: refused"))


def _invalidated():
    return sa.exc.InterfaceError(STATEMENT, PARAMS, psycopg.InterfaceError("the connection is closed"),
                                 connection_invalidated=True)


def _pool_timeout():
    return sa.exc.TimeoutError("QueuePool limit of size 20 overflow 10 reached")


@pytest.fixture
def failing_api(monkeypatch):
    """Make the API's token lookup, the first query of every API request, raise ``error``."""
    def _failing_api(error):
        def fail(*_args, **_kwargs):
            raise error
        monkeypatch.setattr("tracker.api.common.user_for_token", fail)
    return _failing_api


@pytest.mark.parametrize("make_error", [_operational, _invalidated, _pool_timeout, lambda: _operational().orig])
def test_api_answers_503_with_retry_after(client, failing_api, make_error):
    failing_api(make_error())
    response = client.get("/api/v1/trainings", headers={"Authorization": "Bearer x", "Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json == {"error": {"code": "database_unavailable", "fields": {},
                                       "message": "The database is unavailable for a moment; try again shortly."}}


def test_the_503_message_is_vietnamese_by_default(client, failing_api):
    failing_api(_operational())
    response = client.get("/api/v1/trainings", headers={"Authorization": "Bearer x"})
    assert response.json["error"]["message"] == "Cơ sở dữ liệu tạm thời không sẵn sàng; vui lòng thử lại sau giây lát."


def test_other_database_errors_stay_500(client, failing_api):
    failing_api(sa.exc.IntegrityError(STATEMENT, PARAMS, psycopg.IntegrityError("duplicate key")))
    response = client.get("/api/v1/trainings", headers={"Authorization": "Bearer x"})
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"


def test_one_log_line_without_sql_or_values(client, failing_api, caplog):
    failing_api(_operational())
    with caplog.at_level(logging.WARNING):
        client.get("/api/v1/trainings", headers={"Authorization": "Bearer x"})
    assert [record.getMessage() for record in caplog.records] == [
        "database unavailable (psycopg.OperationalError) on GET /api/v1/trainings: answered 503"]
    assert caplog.records[0].exc_info is None


def test_a_page_whose_signed_in_user_cannot_be_loaded_is_a_503_page(users, login, client, monkeypatch):
    login(users["coordinator"])

    def fail(_user):
        raise _operational()
    monkeypatch.setattr(User, "has_access", fail)
    response = client.get("/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Back in a moment" in page and "The database is unavailable for a moment; try again shortly." in page
    assert users["coordinator"].username not in page  # nothing of the account: it could not be read
