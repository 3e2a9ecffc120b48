"""The check-in API under hostile input (hypothesis): random JSON, and scans whose fields are random or
near-valid (tokens with a character changed, cut short, of another key version or key; instants
anywhere in years 1–9999; odd scan ids), to ``POST /api/v1/trainings/{id}/checkins`` and
``POST /api/v1/checkins/sync``. Every answer is a 4xx with the error document, or a valid answer;
never a 5xx; a refusal stores nothing (no check-in, no event, no participant).

Bounded for CI: 100 examples per test (60 for the near-valid cards), a few seconds each on either database
(no example database is written). Run once with 1,500 examples each on both databases: no 5xx.
"""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.cards import tokens
from tracker.checkins.models import CheckIn
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.participants.models import Participant

FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

#: Any JSON value, NaN and infinities included (Python's JSON reads them).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@st.composite
def near_tokens(draw, codes):
    """A token of a stored participant, or one changed a little: a character, a cut, the version, the key."""
    code = draw(st.sampled_from(codes))
    token = tokens.make_token(code)
    change = draw(st.sampled_from(["none", "char", "cut", "version", "key", "case", "pad"]))
    if change == "char":
        index = draw(st.integers(0, len(token) - 1))
        return token[:index] + draw(st.characters(codec="utf-8")) + token[index + 1:]
    if change == "cut":
        return token[:draw(st.integers(0, len(token) - 1))]
    if change == "version":
        return tokens._sign(draw(st.integers(0, 9999)), tokens.signing_keys()[1], code)
    if change == "key":
        return tokens._sign(1, draw(st.binary(min_size=1, max_size=40)), code)
    if change == "case":
        return token.lower()
    if change == "pad":
        return draw(st.sampled_from([" ", "\n", "\t", "\u00a0", "\u200b"])) + token
    return token


def instants():
    """Scan times near now, and anywhere a client could write one (years 1 to 9999, any offset)."""
    near = st.integers(-4 * 3600, 3600).map(lambda seconds: (utcnow() + timedelta(seconds=seconds)).isoformat())
    offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
    anywhere = st.builds(lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
                         st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)), offsets)
    return near | anywhere | st.text(max_size=30) | JSON


@st.composite
def scans(draw, codes, training_ids=None):
    """A well-formed scan of a near-valid card (or a code), with none to three fields changed: dropped,
    or given a random or hostile value."""
    scan = {"scan_id": str(draw(st.uuids())),
            "scanned_at": (utcnow() - timedelta(seconds=draw(st.integers(0, 3600)))).isoformat()}
    scan |= {"qr": draw(near_tokens(codes))} if draw(st.booleans()) else {"code": draw(st.sampled_from(codes))}
    if training_ids is not None:
        scan["training_id"] = draw(st.sampled_from(training_ids))
    hostile = {
        "qr": near_tokens(codes) | st.text(max_size=250) | JSON,
        "code": st.text(max_size=45) | JSON,
        "scan_id": st.sampled_from([scan["scan_id"].upper(), "0" * 32, "not-a-uuid", ""]) | st.text(max_size=40) | JSON,
        "scanned_at": instants(),
        "outcomes": st.lists(st.text(max_size=45), max_size=3) | st.just(["vneid_level2"]) | JSON,
        "shown": st.sampled_from(["known", "unknown", "refused", "maybe"]) | JSON,
        "training_id": st.integers() | JSON,
        "source": st.sampled_from(["camera", "manual", "sync", "fax"]) | JSON,
    }
    if training_ids is None:
        hostile.pop("training_id")
    for name in draw(st.sets(st.sampled_from(sorted(hostile)), max_size=3)):
        if draw(st.booleans()) and name in scan:
            del scan[name]
        else:
            scan[name] = draw(hostile[name])
    return scan


def _stored(db):
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count(model.id))) for model in (CheckIn, Event, Participant))


def _assert_error_document(response):
    error = response.json["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)


def _send(api, db, path, body):
    """POST ``body``; never a 5xx. A refusal is the error document and stores nothing: ``(None, …)``.

    Otherwise return ``(response, stored before, stored after)``.
    """
    before = _stored(db)
    response = api.post(path, json=body)
    assert response.status_code < 500, (body, response.get_data(as_text=True)[:300])
    after = _stored(db)
    if response.status_code >= 400:
        _assert_error_document(response)
        assert after == before, body
        return None, before, after
    return response, before, after


@pytest.fixture
def scene(users, api_as, open_training, create_participant):
    """A volunteer's API client, a training going on now and three people with cards."""
    people = [create_participant(f"Người {number}") for number in range(3)]
    return api_as(users["volunteer"]), open_training, [person.code for person in people]


def test_random_check_ins_answer_4xx_or_a_check_in_never_5xx(app, db, scene):
    api, training, codes = scene

    @FUZZ
    @given(body=scans(codes) | scans(codes) | JSON)
    def check(body):
        response, before, after = _send(api, db, f"/api/v1/trainings/{training.id}/checkins", body)
        if response is None:
            return
        assert response.status_code in (200, 201), body
        assert response.json["result"] in {"checked_in", "already_checked_in"}
        assert response.json["participant"]["code"] in codes and response.json["id"] > 0
        # A new check-in is one row; a replayed scan id or a second scan of the person, none.
        assert after[0] - before[0] in ({0, 1} if response.status_code == 201 else {0}) and after[2] == before[2]

    check()


def test_random_sync_batches_answer_each_scan_or_4xx_never_5xx(app, db, scene):
    api, training, codes = scene

    @FUZZ
    @given(body=st.fixed_dictionaries({"scans": st.lists(scans(codes, [training.id]) | JSON, max_size=5)}) | JSON)
    def check(body):
        response, before, after = _send(api, db, "/api/v1/checkins/sync", body)
        if response is None:
            return
        results = response.json["results"]
        assert response.status_code == 200 and len(results) == len(body["scans"])
        for result in results:
            assert result["result"] in {"checked_in", "already_checked_in", "refused"}
            if result["result"] == "refused":
                assert 400 <= result["status"] < 500 and result["error"]["code"] and result["error"]["message"]
            else:
                assert result["status"] in (200, 201) and result["participant"]["code"] in codes
        new = sum(result["result"] == "checked_in" and result["status"] == 201 for result in results)
        assert after[0] - before[0] <= new
        if not new:
            assert after[0] == before[0]

    check()


def test_a_near_valid_token_checks_in_only_when_it_is_the_card(app, db, scene):
    """A token changed in any way is refused (422 ``invalid_qr``); the card itself checks in once."""
    api, training, codes = scene

    @settings(FUZZ, max_examples=60)
    @given(qr=near_tokens(codes))
    def check(qr):
        body = {"qr": qr, "scan_id": str(uuid.uuid4()), "scanned_at": utcnow().isoformat()}
        before = _stored(db)
        response = api.post(f"/api/v1/trainings/{training.id}/checkins", json=body)
        try:
            code = tokens.read_token(qr)
        except tokens.InvalidToken:
            # A NUL character is refused before the card is read: no text column could store it.
            expected = "validation_error" if "\x00" in qr else "invalid_qr"
            assert response.status_code == 422 and response.json["error"]["code"] == expected, qr
            assert _stored(db) == before
        else:
            assert response.status_code in (200, 201) and response.json["participant"]["code"] == code

    check()
