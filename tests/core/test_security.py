from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_pages_and_api_answers_carry_strict_headers(client, users, login, api_as):
    login(users["coordinator"])
    for response in (client.get("/dashboard"), api_as(users["admin"]).get("/api/v1/units")):
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style_the_policy_would_block():
    # E-mail bodies are read in mail clients, not served under the policy: they need inline styles.
    pages = [path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "email"]
    offenders = [str(path.relative_to(TEMPLATES)) for path in pages
                 if any(marker in path.read_text() for marker in ("<script>", "style=", " onclick=", " onchange=",
                                                                   "<style"))]
    assert offenders == []
    assert [path.name for path in (TEMPLATES / "email").rglob("*.html") if "<script" in path.read_text()] == []


def test_session_cookie_is_http_only_and_same_site(client, users):
    response = client.post("/login", data={"username": "admin", "password": "correct-horse-9"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
