"""Shared fixtures. Every test that uses ``app`` runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TRACKER_TEST_PG_URL`` (default: the local server's ``test`` database,
used only to create and drop a database of this run's own). Without a reachable server the
PostgreSQL half is skipped with the reason; under ``CI=true`` it fails instead.
"""
import contextlib
import os
import uuid
from datetime import date, datetime, timedelta, timezone

import flask_migrate
import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_babel import force_locale
from psycopg import sql
from werkzeug.security import generate_password_hash

from tracker import create_app
from tracker.auth.models import Role, User
from tracker.auth.operations import issue_token
from tracker.campaigns.models import Campaign
from tracker.campaigns.schemas import DEFAULT_TOPICS
from tracker.cards.tokens import new_code
from tracker.config import TestConfig
from tracker.core.time import today, utcnow
from tracker.events.models import Event
from tracker.extensions import db as _db
from tracker.geo.models import Unit, UnitLevel
from tracker.participants.models import Gender, Participant
from tracker.participants.names import clean_name, fold_name
from tracker.trainings.models import Training, TrainingStatus

PG_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ICT = timezone(timedelta(hours=7))
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    """Run tests marked ``postgresql_only`` on PostgreSQL alone (they test what SQLite lacks)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_sqlite = params.get("database_url") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _pg_admin_dsn():
    return sa.engine.make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url():
    """Create a database for this run on the PostgreSQL server; drop it afterwards."""
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_pg_admin_dsn(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL not reachable at {PG_URL}: {exc}".strip()
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


class IsolatedClient(FlaskClient):
    """Each request runs in an app context of its own, as in production: ``g`` (the signed-in
    user, the locale) and the database session never leak from the test or another request."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    """One app per database kind, its schema built by the migrations."""
    os.environ.setdefault("TRACKER_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    app = create_app(TestConfig(database_url))
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client_class = IsolatedClient
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def app(_app):
    """The app, inside an app context, with every table emptied after the test.

    Code the test calls directly speaks English; requests and commands get contexts of their own
    and the app's default language.
    """
    with _app.app_context(), force_locale("en"):
        yield _app
        _db.session.remove()
        _empty_tables()


def _empty_tables():
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    with _db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # Units point at their parents; emptying in any order needs the checks off.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))
            connection.execute(sa.text("DELETE FROM sqlite_sequence"))
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


@pytest.fixture
def db(app):
    """The database, empty at the start of the test."""
    return _db


@pytest.fixture
def client(app):
    """A browser whose pages are in English (tests of the Vietnamese text set ``lang`` back)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Units ---------------------------------------------------------------------------------------

@pytest.fixture
def create_unit(db):
    def _create_unit(code, name, level, parent=None, population=None):
        unit = Unit(code=code, name=name, level=UnitLevel(level), parent=parent, population=population,
                    path=(parent.path if parent else "/") + code + "/")
        db.session.add(unit)
        db.session.flush()
        return unit
    return _create_unit


@pytest.fixture
def tree(create_unit):
    """A province with two communes: 66001 (villages 6600101, 6600102) and 66002 (6600201)."""
    province = create_unit("66", "Tỉnh Đắk Lắk", "province")
    ea_kao = create_unit("66001", "Xã Ea Kao", "commune", province, population=3000)
    tan_an = create_unit("66002", "Phường Tân An", "commune", province, population=5000)
    units = {
        "province": province,
        "commune": ea_kao,
        "other_commune": tan_an,
        "village": create_unit("6600101", "Buôn Ko Tam", "village", ea_kao, population=1200),
        "village2": create_unit("6600102", "Thôn Điện Tân", "village", ea_kao, population=1800),
        "other_village": create_unit("6600201", "Tổ dân phố 5", "village", tan_an, population=5000),
    }
    _db.session.commit()
    return units


# Users ---------------------------------------------------------------------------------------

PASSWORD = "correct-horse-9"


@pytest.fixture(scope="session")
def password_hash():
    """The hash of ``PASSWORD``, computed once: hashing is slow on purpose."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def create_user(db, password_hash):
    def _create_user(role, unit, username=None, password=PASSWORD):
        user = User(username=username or f"{role}-{unit.code}-{uuid.uuid4().hex[:6]}", role=Role(role), unit=unit)
        if password == PASSWORD:
            user.password_hash = password_hash
        else:
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user
    return _create_user


@pytest.fixture
def users(tree, create_user):
    """One user of each role, all in commune 66001 except the admin and committee at the province."""
    return {
        "admin": create_user("admin", tree["province"], "admin"),
        "committee": create_user("committee", tree["province"], "committee"),
        "commune_committee": create_user("committee", tree["commune"], "ctee-66001"),
        "coordinator": create_user("coordinator", tree["commune"], "coord-66001"),
        "other_coordinator": create_user("coordinator", tree["other_commune"], "coord-66002"),
        "volunteer": create_user("volunteer", tree["commune"], "vol-66001"),
    }


@pytest.fixture
def login(client):
    """Sign ``client`` in as a user through the login form."""
    def _login(user, password=PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return _login


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def _call(self, method, url, **kwargs):
        headers = {"Accept-Language": "en"} | kwargs.pop("headers", {}) | {"Authorization": f"Bearer {self.token}"}
        return getattr(self.client, method)(url, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self._call("get", url, **kwargs)

    def post(self, url, **kwargs):
        return self._call("post", url, **kwargs)

    def put(self, url, **kwargs):
        return self._call("put", url, **kwargs)

    def patch(self, url, **kwargs):
        return self._call("patch", url, **kwargs)


@pytest.fixture
def api_as(client, db):
    """Return an API client authenticated as ``user``."""
    def _api_as(user):
        token, _record = issue_token(user)
        db.session.commit()
        return ApiClient(client, token)
    return _api_as


# Campaigns and trainings ---------------------------------------------------------------------

@pytest.fixture
def create_campaign(db, tree):
    def _create_campaign(**kwargs):
        values = {"name": "100 ngày cao điểm", "unit": tree["province"], "start_date": date(2025, 7, 15),
                  "deadline": date(2025, 10, 25), "topics": list(DEFAULT_TOPICS)} | kwargs
        campaign = Campaign(**values)
        db.session.add(campaign)
        db.session.commit()
        return campaign
    return _create_campaign


@pytest.fixture
def dummy_campaign(create_campaign):
    return create_campaign()


@pytest.fixture
def create_training(db, dummy_campaign, tree):
    def _create_training(**kwargs):
        values = {"campaign": dummy_campaign, "village": tree["village"], "title": "Kích hoạt VNeID",
                  "topic": "VNeID", "starts_at": datetime(2025, 8, 20, 8, 0, tzinfo=ICT),
                  "ends_at": datetime(2025, 8, 20, 10, 0, tzinfo=ICT), "status": TrainingStatus.planned} | kwargs
        training = Training(**values)
        db.session.add(training)
        db.session.commit()
        return training
    return _create_training


@pytest.fixture
def dummy_training(create_training):
    return create_training()


@pytest.fixture
def open_training(create_campaign, create_training):
    """A training going on now, in a campaign that runs today."""
    day = today("Asia/Ho_Chi_Minh")
    campaign = create_campaign(name="Chiến dịch hôm nay", start_date=day - timedelta(days=20),
                               deadline=day + timedelta(days=20))
    now = utcnow()
    return create_training(campaign=campaign, starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1))


@pytest.fixture
def count_events(db):
    """Return the number of events (of one type, if given)."""
    def _count_events(type_=None):
        stmt = sa.select(sa.func.count(Event.id))
        if type_:
            stmt = stmt.where(Event.type == type_)
        return db.session.scalar(stmt)
    return _count_events


@pytest.fixture
def statements(db):
    """Return a context manager that collects the SQL statements the app sends inside it (a list)."""
    @contextlib.contextmanager
    def _statements():
        sent = []

        def remember(_conn, _cursor, statement, *_args):
            sent.append(statement)
        sa.event.listen(db.engine, "before_cursor_execute", remember)
        try:
            yield sent
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", remember)
    return _statements


# Participants --------------------------------------------------------------------------------

@pytest.fixture
def create_participant(db, tree):
    def _create_participant(full_name="Nguyễn Thị Hoa", **kwargs):
        values = {"code": new_code(), "full_name": clean_name(full_name), "search_name": fold_name(full_name),
                  "birth_year": 1980, "gender": Gender.female, "ethnicity": "Ê Đê", "village": tree["village"],
                  "consent": True} | kwargs
        participant = Participant(**values)
        db.session.add(participant)
        db.session.commit()
        return participant
    return _create_participant


@pytest.fixture
def dummy_participant(create_participant):
    return create_participant()
