"""Signing out: the session ends at once, then a page clears what the scanner kept in the browser."""
import re

from tests.conftest import PASSWORD


def _sign_out(client):
    page = client.get("/trainings").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/logout", data={"csrf_token": token})


def test_signing_out_ends_the_session_before_the_signing_out_page(client, users, login):
    volunteer = users["volunteer"]
    login(volunteer)
    response = _sign_out(client)
    assert response.status_code == 302 and response.headers["Location"] == "/signing-out"
    with client.session_transaction() as session:
        assert "_user_id" not in session and session["signed_out_user"] == volunteer.id
    page = client.get("/signing-out")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'data-user="{volunteer.id}"' in html and 'data-sync="/api/v1/checkins/sync"' in html
    assert '<script type="module" src="/static/js/logout.js"></script>' in html
    # Without JavaScript the page goes on to the login page at once, and says so with a link too.
    assert '<noscript><meta http-equiv="refresh" content="0; url=/login"></noscript>' in html
    assert 'id="to-login" href="/login"' in html and "<script>" not in html
    login_page = client.get("/login").get_data(as_text=True)
    assert "You are signed out." in login_page  # the flash waited for the login page
    assert client.get("/trainings").status_code == 302  # the session had ended before the page
    assert client.post("/scan/token").status_code == 401  # and the scanner gets no new token


def test_the_signing_out_page_serves_once_and_only_after_signing_out(client, users, login):
    assert client.get("/signing-out").headers["Location"] == "/login"
    login(users["coordinator"])
    assert client.get("/signing-out").headers["Location"] == "/login"
    _sign_out(client)
    assert client.get("/signing-out").status_code == 200
    again = client.get("/signing-out")  # a reload: the scanner's data is already handled
    assert again.status_code == 302 and again.headers["Location"] == "/login"


def test_signing_in_again_after_signing_out_clears_the_note(client, users, login):
    login(users["volunteer"])
    _sign_out(client)
    client.post("/login", data={"username": users["volunteer"].username, "password": PASSWORD})
    assert client.get("/signing-out").headers["Location"] == "/login"


def test_signing_out_needs_the_csrf_token_and_a_session(client, users, login, app):
    assert client.post("/logout").status_code == 302  # not signed in: sent to the login page
    login(users["volunteer"])
    if app.config.get("WTF_CSRF_ENABLED", True):
        assert client.post("/logout").status_code == 400
        assert client.get("/trainings").status_code == 200
