"""Authorisation from the URL map: every rule of ``app.url_map`` × every method × every role, in scope,
out of scope and signed out, checked against the capability table (``tracker.auth.access.CAPABILITIES``).

What a route needs is read from the route itself: its view declares ``@requires(capability…)`` (or
``SIGNED_IN``), and a few routes are public on purpose (``PUBLIC`` below, each with its reason). A
new route that declares nothing fails ``test_every_route_declares_who_may_use_it``; one whose path
names an argument the matrix cannot fill fails ``test_every_route_argument_can_be_filled``.

Each route is asked as each role (``ROLES``) with a fresh object of the user's own area in its path
(``matrix_world.World``), then with one of another area, which exists: another commune of the
province for commune users, another province for province users. Routes that take an object in
their query string (``QUERY_OBJECTS``) are also asked with it in and out of the area. Expected:

* signed out: a page sends to the login page (302), ``/api/`` answers 401 ``unauthorized``;
* a role without the capability: 403 on an object of its own area;
* a role with it, in its area: neither 401, 403 nor 404 (nor a 5xx), and nothing made in another
  area shows in the answer (pages, JSON, CSV, the strings of an XLSX or a PDF);
* any role, on an object of another area: 404 — the app answers as if it did not exist. Without
  the capability 403 is also right: some routes check the role first, which says nothing about
  the object.

Refusals carry the error document (``/api/``) or the error page, and store nothing: no event is
recorded (every change records one in its transaction). A run asks about 1,600 questions per
database (160 rules, 177 rule × method): about 25 s on SQLite and 35 s on PostgreSQL on two cores.
"""
import io
import uuid
import zipfile
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa
from flask import url_for

from tests.auth.matrix_world import INDICATOR, World
from tests.conftest import PASSWORD
from tracker.auth.access import CAPABILITIES, SIGNED_IN, required_capabilities, requires
from tracker.auth.operations import issue_token
from tracker.cards.tokens import make_token
from tracker.core.exports import XLSX_TYPE
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.extensions import db

#: Routes anyone may open, signed in or not, and why.
PUBLIC = {
    "static": "the app's own CSS, scripts and images",
    "core.index": "sends everyone on to the dashboard, which asks to sign in",
    "core.set_language": "the language switch, also on the login page",
    "auth.login": "signing in",
    "auth.signing_out": "the page after signing out, which clears the scanner's data in this browser",
    "auth.reset_password": "a one-time password reset link: its code is the credential",
    "enrolment.enrol": "a coordinator's enrolment link: its token is the credential",
    "public.progress": "a campaign's public progress page (off until an admin publishes it)",
    "public.unit_progress": "a commune on the public progress page",
    "scan.manifest": "the scanner's install manifest",
    "scan.service_worker": "the scanner's service worker, which opens the scanner offline",
    "api_auth.create_token": "exchanging a username and password for a token",
    "api-docs.openapi_json": "the API's OpenAPI document",
}

#: Routes with a rule of their own: the hand-over of scans by a volunteer whose access ended, who is
#: signed out for everything else (signed out: 401; signed in, the scans go to the API: 409).
HAND_OVER = "scan.hand_over_held"

#: The roles tested, each with its user's scope unit (``tree``): province 66, or its commune 66001.
ROLES = {"admin": "province", "committee": "province", "coordinator": "commune", "volunteer": "commune"}


def _scan(world, **values):
    participant = world.participant(world.places["home"])
    return {"scan_id": str(uuid.uuid4()), "scanned_at": utcnow().isoformat(), "qr": make_token(participant.code)} \
        | values


def _person():
    return {"full_name": "Y Bih Niê", "birth_year": 1990, "gender": "male", "ethnicity": "Ê Đê",
            "village": "6600101", "consent": True}


#: Bodies (and query strings) for the routes that read them before they check who asks (a refused
#: body would answer 422 before the 403 / 404 the matrix looks for), and for the API's writes, so
#: that a role allowed to make them does. Every other route gets none.
BODIES = {
    "api_campaigns.create_campaign": lambda world: {"json": {
        "name": "Đợt 2", "unit": "66", "start_date": "2026-11-01", "deadline": "2026-12-31"}},
    "api_campaigns.update_campaign": lambda world: {"json": {"name": "100 ngày cao điểm"}},
    "api_campaigns.set_targets": lambda world: {"json": {"rate": 0.5}},
    "api_outcomes.define_indicators": lambda world: {"json": {"indicators": [
        {"key": INDICATOR, "name": "VNeID mức 2"}]}},
    "api_outcomes.set_indicator_targets": lambda world: {"json": {"rate": 0.5}},
    "api_outcomes.record_outcomes": lambda world: {"json": {
        "campaign_id": world.places["home"].campaign.id, "outcomes": [INDICATOR]}},
    "api_outcomes.undo_outcomes": lambda world: {"json": {
        "campaign_id": world.places["home"].campaign.id, "outcomes": [INDICATOR]}},
    "api_checkins.create_checkin": lambda world: {"json": _scan(world)},
    "api_checkins.create_walk_in": lambda world: {"json": _person() | {"scan_id": str(uuid.uuid4())}},
    "api_checkins.void_checkin": lambda world: {"json": {"reason": "Quét nhầm"}},
    "api_checkins.sync_checkins": lambda world: {"json": {"scans": [
        _scan(world, training_id=world.training(world.places["home"]).id)]}},
    "api_participants.register_participant": lambda world: {"json": _person()},
    "api_participants.import_participants": lambda world: {
        "data": "full_name,birth_year,gender,ethnicity,village_code,phone,consent\n", "content_type": "text/csv"},
    "api_trainings.create_training": lambda world: {"json": {
        "campaign_id": world.places["home"].campaign.id, "village": "6600101", "title": "AI", "topic": "VNeID",
        "starts_at": (utcnow() + timedelta(days=1)).isoformat(),
        "ends_at": (utcnow() + timedelta(days=1, hours=2)).isoformat()}},
    "api_trainings.update_training": lambda world: {"json": {"place": "Nhà rông"}},
    "api_trainings.cancel_training": lambda world: {"json": {"reason": "Trùng lịch"}},
    "api_units.import_units": lambda world: {
        "data": "code,name,level,parent_code,population\n", "content_type": "text/csv"},
    "api_webhooks.create_webhook": lambda world: {"json": {
        "url": "https://hooks.example.org/x", "events": ["checkin.recorded"]}},
    "api_cards.get_cards_pdf": lambda world: {"query_string": {"village": "6600101"}},
    "auth.set_active": lambda world: {"data": {"is_active": "0"}},
    "enrolment.open_enrolment": lambda world: {"data": {"access_days": "3"}},
}

#: Arguments of the public routes, which name no object of an area.
PUBLIC_ARGUMENTS = {
    "static": lambda world: {"filename": "css/app.css"},
    "auth.reset_password": lambda world: {"code": world.reset_code},
    "enrolment.enrol": lambda world: {"token": world.enrol_token},
}

#: Query strings that name an object of an area, by route: ``parameter: kind`` (``World.query``). In
#: scope they name one of the user's area; a case of their own names one of another area, with the
#: path's objects in scope. Routes that filter by an object but are not listed here are only
#: checked through their path.
QUERY_OBJECTS = {
    "campaigns.dashboard_live": {"unit": "commune"},
    "trainings.list_trainings": {"unit": "commune", "campaign_id": "campaign"},
    "trainings.export_trainings": {"unit": "village", "campaign_id": "campaign"},
    "trainings.held_trainings": {"unit": "commune"},
    "trainings.calendar": {"unit": "village"},
    "trainings.new_training": {"campaign_id": "campaign"},
    "participants.list_participants": {"village": "village"},
    "participants.export_participants": {"village": "commune"},
    "cards.card_sheet": {"village": "village"},
    "cards.card_sheet_pdf": {"training": "training"},  # without: 422, a village or a training is needed
    "duplicates.list_duplicates": {"unit": "commune"},
    "digests.digest_page": {"unit": "commune"},
    "digests.history": {"unit": "commune"},
    "digests.digest_pdf": {"unit": "commune"},
    "digests.digest_txt": {"unit": "commune"},
    "digests.digest_csv_file": {"unit": "commune"},
    "digests.digest_xlsx_file": {"unit": "commune"},
    "digests.compile_now": {"unit": "commune"},
    "events.audit": {"unit": "commune"},
    "scan.scan_page": {"training": "training"},
    "geo.export_progress": {"campaign_id": "campaign"},
    "geo.export_checkins": {"campaign_id": "campaign"},
    "api_trainings.list_trainings": {"unit": "commune", "campaign_id": "campaign"},
    "api_exports.export_trainings_csv": {"unit": "village", "campaign_id": "campaign"},
    "api_exports.export_trainings_xlsx": {"unit": "commune"},
    "api_participants.list_participants": {"village": "village"},
    "api_exports.export_participants_csv": {"village": "commune"},
    "api_exports.export_participants_xlsx": {"village": "village"},
    "api_units.list_units": {"parent": "commune"},
    "api_digests.get_digest": {"unit": "commune"},
    "api_digests.get_digest_csv": {"unit": "commune"},
    "api_digests.get_digest_xlsx": {"unit": "commune"},
    "api_digests.compile_digest": {"unit": "commune"},
    "api_digests.get_progress": {"unit": "commune"},
    "api_outcomes.indicator_progress": {"unit": "commune"},
    "api_cards.get_cards_pdf": {"village": "village"},
    "api_exports.export_unit_checkins_csv": {"campaign_id": "campaign"},
    "api_exports.export_progress_xlsx": {"campaign_id": "campaign"},
}

#: Arguments that name no object of an area (their value is the same in and out of scope).
NEUTRAL_ARGUMENTS = {"day", "date", "key", "extension", "kind"}


def _routes(app):
    """Every (rule, method) of the app, the methods Flask adds itself left out."""
    return [(rule, method) for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def _declared(app, rule, method):
    """Return ``"public"``, ``"hand_over"``, or the capabilities the route's view declares (None: nothing)."""
    if rule.endpoint in PUBLIC:
        return "public"
    if rule.endpoint == HAND_OVER:
        return "hand_over"
    return required_capabilities(app.view_functions[rule.endpoint], method)


def _names_an_object(rule):
    return rule.endpoint not in PUBLIC and bool(set(rule.arguments) - NEUTRAL_ARGUMENTS)


def _allowed(capabilities, user):
    return all(name == SIGNED_IN or user.role in CAPABILITIES[name] for name in capabilities)


def test_every_route_declares_who_may_use_it(app):
    undeclared = [f"{method} {rule.rule} ({rule.endpoint})" for rule, method in _routes(app)
                  if _declared(app, rule, method) is None]
    assert not undeclared, ("Declare what these routes need with @requires(capability…) or @requires(SIGNED_IN) "
                            "(tracker/auth/access.py), or list them in PUBLIC with the reason: " + ", ".join(undeclared))
    assert set(PUBLIC) <= {rule.endpoint for rule in app.url_map.iter_rules()}, "PUBLIC names a route that is gone"


def test_requires_refuses_a_capability_the_table_does_not_know():
    with pytest.raises(ValueError, match="participants.delete"):
        requires("participants.read", POST="participants.delete")


# Sending and judging -------------------------------------------------------------------------

def _browser(app, user=None):
    """A browser in English, signed in as ``user`` through the login form."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    if user is not None:
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _arguments(world, rule, place, user, client):
    if rule.endpoint in PUBLIC_ARGUMENTS:
        return PUBLIC_ARGUMENTS[rule.endpoint](world)
    return world.arguments(rule, place, user, client)


def _url(app, rule, values):
    if rule.endpoint == "static":
        return "/static/" + values["filename"]
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _query(world, rule, place, user):
    """The query string naming objects of ``place`` (``QUERY_OBJECTS``)."""
    return {name: world.query(kind, place, user) for name, kind in QUERY_OBJECTS.get(rule.endpoint, {}).items()}


def _send(app, world, client, rule, method, values, token=None, query=None):
    headers = {"Accept-Language": "en"} | ({"Authorization": f"Bearer {token}"} if token else {})
    body = BODIES.get(rule.endpoint, lambda world: {})(world)
    if query:
        body["query_string"] = body.get("query_string", {}) | query
    db.session.commit()  # what the body names
    response = client.open(_url(app, rule, values), method=method, headers=headers, **body)
    response.get_data()  # a streamed download runs to its end, in its own request's context
    response.close()
    return response


def _last_event():
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.max(Event.id))) or 0


#: The error code of each refusal under /api/, and the title of the page elsewhere.
API_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}
PAGE_TITLES = {401: "<h1>Please sign in</h1>", 403: "<h1>Not allowed</h1>", 404: "<h1>Page not found</h1>"}


def _refusal_problem(rule, response):
    """Tell what is wrong with a refusal's body (the error document, or the error page), or None."""
    status = response.status_code
    if rule.rule.startswith("/api/"):
        code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
        return None if code == API_CODES[status] else f"error code {code!r}, not {API_CODES[status]!r}"
    if response.mimetype == "application/json":  # a script's endpoint outside /api/ (/scan/token …)
        code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
        return None if code else "a JSON refusal without an error code"
    page = response.get_data(as_text=True)
    if rule.endpoint in OWN_404_PAGES and status == 404:
        return None if OWN_404_PAGES[rule.endpoint] in page else "not the page's own 404"
    if status in PAGE_TITLES and PAGE_TITLES[status] not in page:
        return f"not the {status} error page"
    return None


#: Pages that answer a unit out of sight with themselves (404), saying so by the filter.
OWN_404_PAGES = {"events.audit": "No unit with this code in your area."}


def _signed_out_problem(rule, declared, response):
    status = response.status_code
    if status >= 500:
        return "a server error"
    if declared == "public":
        return _public_problem(rule, response)
    if status == 401:
        return _refusal_problem(rule, response)
    if rule.rule.startswith("/api/"):
        return "expected 401"
    if status == 302 and response.location.startswith("/login"):
        return None
    return "expected the login page (302 to /login)"


#: Public routes that check credentials: wrong (here: none) answer 401.
CREDENTIALS = {"auth.login", "api_auth.create_token"}


def _public_problem(rule, response):
    if response.status_code in (401, 403) and rule.endpoint not in CREDENTIALS:
        return "refused a public route"
    return None


def _signed_in_problem(rule, declared, user, side, response):
    status = response.status_code
    if status >= 500:
        return "a server error"
    if declared == "public":
        return _public_problem(rule, response)
    if declared == "hand_over":
        return None if status == 409 else "expected 409: a signed-in user's scans go to the API"
    allowed = _allowed(declared, user)
    if side == "out":
        expected = {404} if allowed else {403, 404}
    elif not allowed:
        expected = {403}
    else:
        return f"refused in scope to a role with {', '.join(declared)}" if status in (401, 403, 404) else None
    if status not in expected:
        return f"expected {' or '.join(map(str, sorted(expected)))} ({side} of scope, " \
               f"{'with' if allowed else 'without'} {', '.join(declared)})"
    return _refusal_problem(rule, response)


def _readable(response):
    """The text a successful answer shows: pages, JSON, CSV, text, and the strings of a workbook or a PDF."""
    data = response.get_data()
    if response.mimetype == XLSX_TYPE:
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            return " ".join(workbook.read(name).decode() for name in workbook.namelist() if name.endswith(".xml"))
    if response.mimetype == "application/pdf":
        return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    if response.mimetype.startswith("image/"):
        return ""
    return data.decode("utf-8", "replace")


def _leak_problem(world, user, response):
    """Tell which other area's objects a successful answer shows, or None."""
    if response.status_code != 200:
        return None
    text = _readable(response).lower()
    shown = [mark for mark in world.marks_outside(user) if mark in text]
    return f"shows objects of another area ({', '.join(shown)})" if shown else None


def _is_refused(declared, user, side):
    return declared not in ("public", "hand_over") and (user is None or side == "out" or not _allowed(declared, user))


@pytest.fixture
def world(tree, create_unit, create_user):
    return World(tree, create_unit, create_user)


def test_every_route_argument_can_be_filled(app, world):
    client = _browser(app)
    home = world.places["home"]
    for rule, _method in _routes(app):
        if rule.endpoint in PUBLIC_ARGUMENTS:
            assert set(PUBLIC_ARGUMENTS[rule.endpoint](world)) == set(rule.arguments), rule.rule
        elif rule.arguments and rule.endpoint not in PUBLIC:
            assert set(world.arguments(rule, home, home.maker, client)) == set(rule.arguments), rule.rule


def test_signed_out_every_route_asks_to_sign_in_except_the_public_ones(app, world):
    client, home, failures = _browser(app), world.places["home"], []
    for rule, method in _routes(app):
        declared = _declared(app, rule, method)
        values = _arguments(world, rule, home, home.maker, client)
        before = _last_event()
        response = _send(app, world, client, rule, method, values, query=_query(world, rule, home, home.maker))
        problem = _signed_out_problem(rule, declared, response)
        if problem is None and _is_refused(declared, None, "in") and _last_event() != before:
            problem = "refused, but an event was recorded"
        if problem:
            failures.append(f"{method} {rule.rule}: {response.status_code} {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_its_capabilities_allow_in_and_out_of_scope(app, world, tree, create_user, role):
    user = create_user(role, tree[ROLES[role]], f"matrix-{role}")
    client, token = _browser(app, user), issue_token(user)[0]
    db.session.commit()
    failures, count = [], 0
    for rule, method in _routes(app):
        declared = _declared(app, rule, method)
        home, foreign = world.places["home"], world.foreign(user)
        filtered = rule.endpoint in QUERY_OBJECTS
        cases = [("in", home, None)] + [("in?", home, home)] * filtered \
            + [("out", foreign, None)] * _names_an_object(rule) + [("out?", home, foreign)] * filtered
        for side, path_place, query_place in cases:
            values = _arguments(world, rule, path_place, user, client)
            query = _query(world, rule, query_place, user) if query_place else None
            db.session.commit()
            before = _last_event()
            response = _send(app, world, client, rule, method, values, query=query,
                             token=token if rule.rule.startswith("/api/") else None)
            count += 1
            problem = _signed_in_problem(rule, declared, user, side.rstrip("?"), response) \
                or _leak_problem(world, user, response)
            if problem is None and _is_refused(declared, user, side.rstrip("?")) and _last_event() != before:
                problem = "refused, but an event was recorded"
            if problem:
                body = response.get_data()[:200].decode("utf-8", "replace").replace("\n", " ")
                failures.append(f"{method} {rule.rule} [{side}]: {response.status_code} {problem} — {body}")
            if rule.endpoint == "auth.logout":
                client = _browser(app, user)  # it signed this browser out
    assert not failures, f"{len(failures)} of {count} answers were wrong:\n" + "\n".join(failures)
