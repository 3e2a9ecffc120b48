"""Fixtures of the browser tests: the test app served over real HTTP and headless Chromium.

The browser is Debian's Chromium (``/usr/bin/chromium``), driven by Playwright's Python package;
Playwright never downloads a browser of its own here. Without Chromium or the package these tests
are skipped with the reason; under ``CI=true`` (where ``.ci/run`` installs Chromium) they fail.
"""
import json
import os
import shutil
import threading
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, PASSWORD
from tests.digests.worked_example import worked  # noqa: F401 (the digests' hand-worked campaign)

VIEWPORT = {"width": 360, "height": 800}


def _unavailable(message):
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def chromium_path():
    """Return the system Chromium's path, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole run (contexts keep tests apart)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install '.[test]')")
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


#: The paths a scanner sends its scans to: ``live_server.fail(*SENDING)`` makes every send fail.
CHECKIN_PATH, SYNC_PATH = "/api/v1/trainings/*/checkins", "/api/v1/checkins/sync"
SENDING = (CHECKIN_PATH, SYNC_PATH)

#: What the server answers while it is "down" for a path (as a reverse proxy whose app is unreachable does).
DOWN_BODY = json.dumps({"code": 503, "status": "Service Unavailable", "message": "down for the test"}).encode()


class LiveServer:
    """The app behind a real HTTP server on a free loopback port, in a daemon thread.

    ``fail(*patterns)`` makes the server answer 503 to the paths that match (``fnmatch`` patterns)
    until ``recover()``: the network failing under a page, decided where the request arrives. (A
    route in the browser cannot do it reliably: once the scanner's service worker controls the page,
    Chromium may send the page's requests past Playwright's routes.)
    """

    def __init__(self, app):
        self.app = app
        self.failing = ()
        self.server = make_server("127.0.0.1", 0, self._serve, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def _serve(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if any(fnmatchcase(path, pattern) for pattern in self.failing):
            start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                       ("Content-Length", str(len(DOWN_BODY)))])
            return [DOWN_BODY]
        return _closing(self.app(environ, start_response))

    def fail(self, *patterns):
        """Answer 503 to the paths matching any of ``patterns`` from now on (replacing earlier ones)."""
        self.failing = tuple(patterns)

    def recover(self, *patterns):
        """Serve the paths matching ``patterns`` again (all of them when none is given)."""
        self.failing = tuple(p for p in self.failing if patterns and p not in patterns)

    def start(self):
        """Serve until ``stop``."""
        self.thread.start()

    def stop(self):
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _closing(response):
    """Yield the response's chunks and close it even when the browser went away mid-send.

    Werkzeug's server reads the dropped socket before it closes the response, and that read can fail
    too: a static file (the icon the browser fetches after the page has loaded) was then left open.
    """
    try:
        yield from response
    finally:
        if hasattr(response, "close"):
            response.close()


@pytest.fixture
def live_server(app):
    """The test app (SQLite and PostgreSQL) served at ``live_server.url`` for this test.

    Each request runs in an app context of its own in the server's threads, never the test's:
    what the test stores must be committed before the browser reads it. The tables are emptied
    by ``app`` after the server has stopped.
    """
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Return a signed-in 360 × 800 page for a user; its context closes before the server stops."""
    contexts = []

    def _new_page(user, **options):
        context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url,
                                      **{"permissions": ["clipboard-read", "clipboard-write"]} | options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, user.username)
        return page

    yield _new_page
    for context in contexts:
        context.close()


def sign_in(page, username, password=PASSWORD):
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login" not in page.url, f"signing in as {username} failed: {page.inner_text('main')}"


SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def screenshot(page, name, **options):
    """Save the page as docs/screens/``name`` when asked (TRACKER_SCREENS=1), so test runs leave the tree clean."""
    if os.environ.get("TRACKER_SCREENS"):
        page.screenshot(path=str(SCREENS / name), **options)
