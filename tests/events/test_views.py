"""The audit trail page."""
import re

import pytest

from tracker.events import operations as events
from tracker.events import views


@pytest.fixture
def some_events(db, users, tree, dummy_training):
    """Five events: four about the training, one about a user."""
    for number in range(4):
        events.record("training.updated", dummy_training, {"changes": {"title": [f"v{number}", f"v{number + 1}"]}},
                      user=users["coordinator"], unit=tree["village"])
    events.record("user.created", users["volunteer"], {"username": "vol-66001"}, user=users["admin"], unit=tree["commune"])
    db.session.commit()


def test_admin_sees_the_newest_events_first(client, users, login, some_events):
    login(users["admin"])
    page = client.get("/events").get_data(as_text=True)
    listing = page[page.index('<ul class="events">'):]
    assert listing.index("User created") < listing.index("Training changed")
    assert "Title: v3 → v4" in page and "coord-66001" in page and "Buôn Ko Tam" in page
    assert "training #" in page and "<code>training.updated</code>" in page


def test_filter_by_type(client, users, login, some_events):
    login(users["admin"])
    page = client.get("/events?type=user.created").get_data(as_text=True)
    assert "Username: vol-66001" in page and "Title: v3" not in page
    assert '<option value="user.created" selected>' in page


def test_older_link_pages_back(client, users, login, some_events, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    login(users["admin"])
    page = client.get("/events").get_data(as_text=True)
    assert "Title: v3 → v4" in page and "Title: v2 → v3" not in page
    older = re.search(r'href="(/events\?[^"]*before=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    page = client.get(older).get_data(as_text=True)
    assert "Title: v2 → v3" in page and "Title: v1 → v2" in page and "Title: v0" not in page
    older = re.search(r'href="(/events\?[^"]*before=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    page = client.get(older).get_data(as_text=True)
    assert "Title: v0 → v1" in page and "Older" not in page and "Newest" in page


@pytest.mark.parametrize("role", ["committee", "coordinator", "volunteer"])
def test_only_admins_read_the_audit_trail(client, users, login, role):
    login(users[role])
    assert client.get("/events").status_code == 403


def test_bad_paging_is_refused(client, users, login):
    login(users["admin"])
    assert client.get("/events?before=abc").status_code == 422


def test_check_in_events_read_in_words(client, db, users, login, dummy_training, dummy_participant):
    import uuid

    from tracker.checkins.operations import check_in

    check_in(dummy_training, {"code": dummy_participant.code, "scan_id": uuid.uuid4(),
                              "scanned_at": dummy_training.starts_at}, user=users["volunteer"], is_offline=True)
    db.session.commit()
    login(users["admin"])
    page = client.get("/events?type=checkin.recorded").get_data(as_text=True)
    assert "Checked in" in page and f"Participant: {dummy_participant.code}" in page
    assert "Offline: yes" in page and f"Training: {dummy_training.id}" in page
