"""Fixtures of the digest tests: the hand-worked ten-day campaign (see worked_example.py) and a
real SMTP server on loopback for the e-mail tests."""
import pytest
from aiosmtpd.controller import Controller

from tests.digests.mail_helpers import Collector, free_port, use_smtp
from tests.digests.worked_example import worked  # noqa: F401


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 that collects what it receives; the app sends to it."""
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(app, monkeypatch, port)
    yield handler
    controller.stop()


@pytest.fixture
def smtp_down(app, monkeypatch):
    """An SMTP setting pointing at a loopback port where no server listens."""
    use_smtp(app, monkeypatch, free_port())
