"""The layout, the start page, the language switch, error pages and CSRF on every form."""
import re

import pytest
from flask_babel import refresh


@pytest.fixture
def csrf_enabled(app):
    """Turn CSRF protection on for one test (the suite runs with it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _token(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_start_page_sends_visitors_to_sign_in_and_users_to_the_dashboard(client, users, login):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert "/login" in client.get("/dashboard").headers["Location"]
    login(users["committee"])
    assert client.get("/", follow_redirects=True).request.path == "/dashboard"


def test_layout_shows_the_user_role_unit_and_a_logout_form(client, users, login):
    login(users["coordinator"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "100 ngày cao điểm" in page
    assert '<meta name="viewport"' in page and '<html lang="en">' in page
    assert "coord-66001" in page and "Commune coordinator" in page and "Xã Ea Kao" in page
    assert re.search(r'<form method="post" action="/logout">\s*<input type="hidden" name="csrf_token"', page)
    assert "Tiếng Việt" in page and "English" in page


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    ("admin", ["Dashboard", "Trainings", "Units", "Campaigns", "Users", "Audit trail"], []),
    ("committee", ["Dashboard", "Trainings", "Units", "Campaigns", "Audit trail"], ["Users"]),
    ("coordinator", ["Dashboard", "Trainings", "Units", "Users", "Audit trail"], []),
    ("volunteer", ["Trainings"], ["Dashboard", "Units", "Campaigns", "Users", "Audit trail"]),
])
def test_menu_follows_capabilities(client, users, login, dummy_campaign, role, shown, hidden):
    login(users[role])
    page = client.get("/trainings").get_data(as_text=True)
    menu = re.search(r'<nav class="nav".*?</nav>', page, re.S).group(0)
    for text in shown:
        assert f">{text}</a>" in menu
    for text in hidden:
        assert f">{text}</a>" not in menu


def test_logout_signs_out(client, users, login):
    login(users["coordinator"])
    response = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_language_switch_remembers_the_choice_and_returns(client, users):
    response = client.post("/language", data={"lang": "vi", "next": "/login?next=/units"})
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/units"
    refresh()
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/login"})
    refresh()
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", ""])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_refused(client):
    response = client.post("/language", data={"lang": "fr", "next": "/login"})
    assert response.status_code == 422
    assert "Some fields are not valid." in response.get_data(as_text=True)


def test_error_pages_are_friendly_with_a_link_home(client, users, login):
    login(users["volunteer"])
    response = client.get("/nothing-here")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and 'href="/"' in page and "Go to the start page" in page
    page = client.get("/events").get_data(as_text=True)
    assert "Not allowed" in page and "Your role does not allow this." in page


def test_form_posts_without_a_csrf_token_are_refused(client, users, csrf_enabled):
    assert client.post("/language", data={"lang": "en", "next": "/login"}).status_code == 400
    response = client.post("/login", data={"username": "admin", "password": "correct-horse-9"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_form_posts_with_the_csrf_token_go_through(client, users, csrf_enabled):
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "admin", "password": "correct-horse-9", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    token = _token(client.get("/dashboard").get_data(as_text=True))
    assert client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token}).status_code == 302
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_an_unexpected_failure_shows_a_bare_500_page(client, users, login, monkeypatch):
    from tracker.events import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "latest_events_for", broken)
    login(users["admin"])
    response = client.get("/events")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and "boom" not in page and "Sign out" not in page
