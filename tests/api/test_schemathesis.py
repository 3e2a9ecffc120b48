"""Schemathesis against the app's own OpenAPI document, ``/api/v1/openapi.json``, in-process.

Every documented operation is called as each role (admin and committee at the province,
coordinator and volunteer in commune 66001) and without a token, with requests schemathesis
generates from the document: valid ones, invalid ones, and valid ones aimed at the objects seeded
in the role's area (a campaign running today with an indicator, a training going on now, a
participant checked in there, a webhook and its delivery). No answer may be a 5xx, and each must
conform to the document: a documented status code, its content type, its schema and headers. A 2xx
is also asked again without the token and with a bogus one, which must both be 401 (``ignored_auth``).

Each request carries its role's bearer token and nothing else: a fresh WSGI client per request
(no cookie), and an app context of its own (no ``g`` left over from the test or another request).

Bounded for CI: 6 examples per operation with a token, 2 without (every answer is the 401 there),
derandomized (the same requests every run), no example database. Run once with 60 examples per
operation on both databases; its findings are fixed (ids past the integer columns, a NUL in a
repeated query parameter).
"""
import uuid

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tracker.auth.operations import issue_token
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.core.time import today
from tracker.events.models import Event
from tracker.events.webhooks import operations as webhooks
from tracker.outcomes.models import Indicator

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance, response_headers_conformance]
ROLES = ["admin", "committee", "coordinator", "volunteer", None]
EXAMPLES = {"token": 6, "anonymous": 2}
# Generating bodies of the larger schemas is slow and filters often; the bound is max_examples.
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class OwnAppContext:
    """The app as WSGI, each request in an app context of its own (as ``IsolatedClient`` does).

    Flask reuses the app context a request finds, and the test holds one: the signed-in user in
    ``g`` would otherwise pass from one generated request to the next.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


@pytest.fixture(scope="session")
def api_schema(_app):
    """The OpenAPI document as the app serves it, loaded by schemathesis (once per database)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", OwnAppContext(_app))


@pytest.fixture
def known_ids(db, tree, users, create_participant, open_training):
    """Objects in every role's area, by the path parameter that names them."""
    campaign = open_training.campaign
    participant = create_participant()
    checkin = CheckIn(training=open_training, participant=participant, scan_id=uuid.uuid4(),
                      scanned_at=open_training.starts_at, source=CheckInSource.camera)
    indicator = Indicator(campaign=campaign, key="vneid_level2", name="VNeID mức 2")
    db.session.add_all([checkin, indicator])
    # A closed port on loopback: nothing is delivered while the test runs (no scheduler), and nothing leaves.
    subscription = webhooks.subscribe({"url": "http://127.0.0.1:9/hook", "events": ["checkin.recorded"]},
                                      user=users["admin"])
    delivery = webhooks.queue_delivery(subscription, db.session.scalar(sa.select(Event).order_by(Event.id.desc())))
    db.session.commit()
    return {"campaign_id": campaign.id, "training_id": open_training.id, "participant_id": participant.id,
            "checkin_id": checkin.id, "subscription_id": subscription.id, "delivery_id": delivery.id,
            "key": indicator.key, "date": today(campaign.timezone).isoformat(), "code": tree["commune"].code}


def headers_for(user, db):
    """The headers of a request as ``user``: a bearer token of their own; none for ``None``."""
    if user is None:
        return {}
    token, _record = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def cases(operation, known_ids):
    """Requests for ``operation``: valid, invalid, and valid ones naming the seeded objects."""
    names = {parameter.name for parameter in operation.path_parameters}
    known = {name: value for name, value in known_ids.items() if name in names}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    return st.one_of(strategies)


def fuzz(operation, headers, known_ids, examples):
    """Call ``operation`` with generated requests; return schemathesis' report of what failed, or None."""
    checks = CONFORMANCE + ([ignored_auth] if headers else [])

    @settings(FUZZ, max_examples=examples)
    @given(case=cases(operation, known_ids))
    def run(case):
        case.call_and_validate(headers=headers, checks=checks)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 (report every operation that fails)
        return f"{operation.label}: {exc}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(api_schema, known_ids, users, db, role):
    headers = headers_for(users[role] if role else None, db)
    examples = EXAMPLES["token" if role else "anonymous"]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50
    failures = [failure for operation in operations if (failure := fuzz(operation, headers, known_ids, examples))]
    assert not failures, "\n\n".join(failures)
