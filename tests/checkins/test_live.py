"""Live counts: ``/trainings/{id}/live`` (the page, session) and ``/api/v1/trainings/{id}/count`` (bearer).

A poll that finds nothing new is a bodiless 304 that never counts (no statement reads the
check-ins); a check-in, a void or an event committing late under a lower id changes the ETag.
"""
import contextlib

import pytest
import sqlalchemy as sa

from tests.checkins.scans import new_scan
from tracker.checkins.live import watermark
from tracker.checkins.operations import check_in, void_checkin
from tracker.events.models import Event
from tracker.extensions import db as _db


@contextlib.contextmanager
def statements():
    """Collect the SQL statements run while the block runs (any connection of the engine)."""
    seen = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", collect)


def _touches_checkins(seen):
    return [statement for statement in seen if "checkins" in statement.lower()]


@pytest.fixture
def attend(db, users):
    """Check ``person`` in at ``training`` and commit; return the check-in."""
    def _attend(training, person, user=None):
        answer = check_in(training, new_scan(person), user=user or users["volunteer"])
        db.session.commit()
        return answer.checkin
    return _attend


def _page_url(training):
    return f"/trainings/{training.id}/live"


def _api_url(training):
    return f"/api/v1/trainings/{training.id}/count"


def test_the_page_twin_answers_the_count_status_and_rendered_roster(client, users, login, create_training,
                                                                   create_participant, attend):
    training = create_training(capacity=40)
    attend(training, create_participant("Nguyễn Thị Hoa"))
    login(users["coordinator"])
    response = client.get(_page_url(training), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.json
    assert (body["count"], body["count_text"], body["status"], body["status_class"]) == (1, "1", "held", "badge held")
    assert "Nguyễn Thị Hoa" in body["html"]["roster"] and "Void the check-in" in body["html"]["roster"]
    assert "Print the card of 1 person without one" in body["html"]["print"]
    assert "<strong>1 / 40</strong>" in body["html"]["count"]
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["ETag"].startswith('W/"')


def test_an_unchanged_page_answers_304_without_counting(client, users, login, dummy_training, dummy_participant,
                                                      attend):
    attend(dummy_training, dummy_participant)
    login(users["coordinator"])
    etag = client.get(_page_url(dummy_training)).headers["ETag"]
    with statements() as seen:
        again = client.get(_page_url(dummy_training), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "private, no-cache"
    # The caller, then one statement: the training's village and the caller's scope, and the watermark.
    assert _touches_checkins(seen) == [] and len(seen) == 2, seen
    assert "max(events.id)" in seen[-1].lower()


def test_a_check_in_and_a_void_change_the_etag_and_the_count(client, db, users, login, dummy_training,
                                                             create_participant, attend):
    login(users["coordinator"])
    first = client.get(_page_url(dummy_training))
    assert first.json["count"] == 0 and "roster" in first.json["html"]
    checkin = attend(dummy_training, create_participant("Y Bông Êban"))
    changed = client.get(_page_url(dummy_training), headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.json["count"] == 1 and "Y Bông Êban" in changed.json["html"]["roster"]
    void_checkin(checkin, reason="Quét nhầm", user=users["coordinator"])
    db.session.commit()
    voided = client.get(_page_url(dummy_training), headers={"If-None-Match": changed.headers["ETag"]})
    assert voided.status_code == 200 and voided.json["count"] == 0
    assert voided.headers["ETag"] not in {first.headers["ETag"], changed.headers["ETag"]}


def _rows(body):
    return [row["id"] for row in body["html"]["rows"]]


def test_after_the_first_poll_only_the_rows_that_changed_are_sent(client, db, users, login, dummy_training,
                                                                   create_participant, attend):
    hoa, lan, mai = (create_participant(name) for name in ("Nguyễn Thị Hoa", "Y Bông Êban", "Lê Thị Mai"))
    first = attend(dummy_training, hoa)
    login(users["coordinator"])
    whole = client.get(_page_url(dummy_training))
    assert "roster" in whole.json["html"] and "rows" not in whole.json["html"]
    second = attend(dummy_training, lan)
    changed = client.get(_page_url(dummy_training), headers={"If-None-Match": whole.headers["ETag"]})
    assert changed.status_code == 200 and "roster" not in changed.json["html"]
    assert _rows(changed.json) == [f"checkin-{second.id}"] and "Y Bông Êban" in changed.json["html"]["rows"][0]["html"]
    assert changed.json["count"] == 2
    void_checkin(first, reason="Quét nhầm", user=users["coordinator"])
    db.session.commit()
    third = attend(dummy_training, mai)
    later = client.get(_page_url(dummy_training), headers={"If-None-Match": changed.headers["ETag"]})
    assert _rows(later.json) == [f"checkin-{first.id}", f"checkin-{third.id}"] and later.json["count"] == 2
    assert "Voided" in later.json["html"]["rows"][0]["html"]


def test_the_whole_roster_is_sent_when_the_rows_cannot_be_trusted(client, db, users, login, tree, dummy_training,
                                                                  create_participant, attend):
    login(users["coordinator"])
    empty = client.get(_page_url(dummy_training)).headers["ETag"]
    attend(dummy_training, create_participant("Nguyễn Thị Hoa"))
    # Every check-in is new: the page still says nobody came, it needs the list itself.
    first = client.get(_page_url(dummy_training), headers={"If-None-Match": empty})
    assert "roster" in first.json["html"]
    # An event committed late under the watermark the caller has seen: the rows after it would miss it.
    late = Event(type="checkin.recorded", subject_type="checkin", subject_id="0", payload={}, unit=tree["other_village"])
    db.session.add(late)
    db.session.commit()
    attend(dummy_training, create_participant("Y Bông Êban"))
    seen = client.get(_page_url(dummy_training)).headers["ETag"]
    late.unit = tree["village"]
    db.session.commit()
    attend(dummy_training, create_participant("Lê Thị Mai"))
    assert "roster" in client.get(_page_url(dummy_training), headers={"If-None-Match": seen}).json["html"]
    # An ETag that is not ours for this viewer (forged, or another's) gets the whole roster too.
    newest, number, _digest = seen.strip('W/"').split(".")
    forged = f'W/"{newest}.{number}.{"0" * 16}"'
    assert "roster" in client.get(_page_url(dummy_training), headers={"If-None-Match": forged}).json["html"]


def test_the_training_page_carries_the_etag_of_what_it_shows(client, users, login, dummy_training):
    login(users["coordinator"])
    html = client.get(f"/trainings/{dummy_training.id}").get_data(as_text=True)
    etag = client.get(_page_url(dummy_training)).headers["ETag"]
    assert f'data-live-etag="{etag.replace(chr(34), "&#34;")}"' in html
    assert client.get(_page_url(dummy_training), headers={"If-None-Match": etag}).status_code == 304


def test_an_event_committed_late_under_a_lower_id_changes_the_watermark(db, users, tree, dummy_training,
                                                                        dummy_participant, attend):
    """Ids are handed out before commit: an earlier id can become visible after a later one."""
    late = Event(type="checkin.recorded", subject_type="checkin", subject_id="0", payload={}, unit=tree["other_village"])
    db.session.add(late)
    db.session.commit()
    attend(dummy_training, dummy_participant)
    before = watermark(dummy_training)
    assert before[0] > late.id
    late.unit = tree["village"]  # the earlier transaction's event, visible only now
    db.session.commit()
    after = watermark(dummy_training)
    assert after[0] == before[0] and after != before


def test_events_of_other_villages_leave_the_etag_alone(client, users, login, tree, create_training,
                                                       dummy_training, create_participant, attend):
    elsewhere = create_training(village=tree["village2"])
    login(users["coordinator"])
    etag = client.get(_page_url(dummy_training)).headers["ETag"]
    attend(elsewhere, create_participant("Nguyễn Văn Nam", village=tree["village2"]))
    assert client.get(_page_url(dummy_training), headers={"If-None-Match": etag}).status_code == 304


def test_each_viewer_has_an_etag_of_their_own(client, users, login, dummy_training):
    login(users["coordinator"])
    coordinator = client.get(_page_url(dummy_training)).headers["ETag"]
    client.post("/logout")
    login(users["volunteer"])
    response = client.get(_page_url(dummy_training), headers={"If-None-Match": coordinator})
    assert response.status_code == 200 and response.headers["ETag"] != coordinator


def test_the_page_twin_is_scoped_like_the_page(client, users, login, dummy_training, dummy_participant, attend):
    attend(dummy_training, dummy_participant)
    login(users["committee"])
    body = client.get(_page_url(dummy_training)).json
    assert body["count"] == 1 and "roster" not in body["html"] and dummy_participant.full_name not in str(body)
    client.post("/logout")
    login(users["other_coordinator"])
    assert client.get(_page_url(dummy_training)).status_code == 404
    assert client.get("/trainings/999999/live").status_code == 404


def test_if_none_match_star_tells_nothing_out_of_scope(client, api_as, users, login, dummy_training):
    """``*`` matches any ETag: the scope is checked before any 304."""
    assert api_as(users["other_coordinator"]).get(_api_url(dummy_training), headers={"If-None-Match": "*"}).status_code == 404
    assert api_as(users["volunteer"]).get(_api_url(dummy_training), headers={"If-None-Match": "*"}).status_code == 304
    login(users["other_coordinator"])
    assert client.get(_page_url(dummy_training), headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/trainings/999999/live", headers={"If-None-Match": "*"}).status_code == 404


def test_volunteers_get_the_roster_without_void_forms(client, users, login, dummy_training, dummy_participant,
                                                      attend):
    attend(dummy_training, dummy_participant)
    login(users["volunteer"])
    roster = client.get(_page_url(dummy_training), headers={"Accept-Language": "en"}).json["html"]["roster"]
    assert dummy_participant.full_name in roster and "Void" not in roster


def test_anonymous_pages_are_sent_to_sign_in(client, dummy_training):
    response = client.get(_page_url(dummy_training))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_training_page_is_wired_to_its_live_twin(client, users, login, dummy_training):
    login(users["coordinator"])
    html = client.get(f"/trainings/{dummy_training.id}").get_data(as_text=True)
    assert html.count(f'data-live-url="{_page_url(dummy_training)}"') == 2
    assert 'data-live-html="html.count"' in html and 'data-live-html="html.roster"' in html
    assert "/static/js/live.js" in html


# The API twin, for the scanner ---------------------------------------------------------------

def test_the_api_answers_the_count_and_who_is_in(api_as, users, dummy_training, create_participant, attend):
    hoa = create_participant("Nguyễn Thị Hoa")
    checkin = attend(dummy_training, hoa)
    response = api_as(users["volunteer"]).get(_api_url(dummy_training))
    assert response.status_code == 200
    body = response.json
    assert (body["training_id"], body["status"], body["count"]) == (dummy_training.id, "held", 1)
    [[code, _at, checkin_id]] = body["checked_in"]
    assert (code, checkin_id) == (hoa.code, checkin.id)
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_the_api_answers_304_without_counting_until_a_check_in(api_as, users, dummy_training, create_participant,
                                                               attend):
    api = api_as(users["volunteer"])
    etag = api.get(_api_url(dummy_training)).headers["ETag"]
    with statements() as seen:
        again = api.get(_api_url(dummy_training), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert _touches_checkins(seen) == [] and len(seen) == 2, seen  # the token (with its user), the watermark
    attend(dummy_training, create_participant("Y Bông Êban"), user=users["coordinator"])  # another volunteer's scan
    changed = api.get(_api_url(dummy_training), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["count"] == 1 and changed.headers["ETag"] != etag


@pytest.mark.parametrize(("who", "status"), [("other_coordinator", 404), ("committee", 200), ("coordinator", 200),
                                             ("admin", 200)])
def test_the_api_is_scoped_like_the_training(api_as, users, dummy_training, who, status):
    assert api_as(users[who]).get(_api_url(dummy_training)).status_code == status


def test_the_committee_gets_the_count_but_not_who(api_as, users, dummy_training, dummy_participant, attend):
    attend(dummy_training, dummy_participant)
    body = api_as(users["committee"]).get(_api_url(dummy_training)).json
    assert body["count"] == 1 and "checked_in" not in body


def test_the_api_needs_a_bearer_token(client, dummy_training):
    response = client.get(_api_url(dummy_training))
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_an_unknown_training_has_no_count(api_as, users):
    response = api_as(users["volunteer"]).get("/api/v1/trainings/999999/count")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
