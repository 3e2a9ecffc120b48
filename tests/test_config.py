import click
import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.config import Config


@pytest.fixture(autouse=True)
def _no_embedded_scheduler(monkeypatch):
    """These apps are made outside a CLI command: with the default they would start a scheduler."""
    monkeypatch.setenv("TRACKER_SCHEDULER", "off")


def test_the_embedded_scheduler_with_a_one_minute_lease_is_the_default(monkeypatch):
    monkeypatch.delenv("TRACKER_SCHEDULER")
    monkeypatch.delenv("TRACKER_SCHEDULER_LEASE_TTL", raising=False)
    config = Config()
    assert (config.TRACKER_SCHEDULER, config.TRACKER_SCHEDULER_LEASE_TTL) == ("embedded", 60)
    monkeypatch.setenv("TRACKER_SCHEDULER_LEASE_TTL", "5")
    assert Config().TRACKER_SCHEDULER_LEASE_TTL == 5


def test_cli_commands_do_not_start_the_embedded_scheduler(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_SCHEDULER")
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_ENV", "demo")
    with click.Context(click.Command("upgrade"), info_name="upgrade"):
        app = create_app(Config())
    assert app.config["TRACKER_SCHEDULER"] == "embedded"
    assert "tracker.scheduler" not in app.extensions


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    with pytest.raises(RuntimeError, match="TRACKER_SECRET_KEY"):
        create_app(Config())


def test_demo_defaults_to_sqlite_in_the_instance_folder_with_wal_and_foreign_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_ENV", "demo")
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    app = create_app(Config())
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    key = app.config["SECRET_KEY"]
    assert len(key) == 64 and (tmp_path / "secret_key").read_text() == key
    assert create_app(Config()).config["SECRET_KEY"] == key
    from tracker.extensions import db
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_SECRET_KEY", "s3cret")
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql+psycopg://u@db.example/tracker")
    monkeypatch.setenv("TRACKER_SCHEDULER", "off")
    monkeypatch.setenv("TRACKER_TOKEN_TTL", "3600")
    app = create_app(Config())
    assert app.config["SECRET_KEY"] == "s3cret"
    assert sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).drivername == "postgresql+psycopg"
    assert app.config["TRACKER_TOKEN_TTL"] == 3600
    assert "tracker.scheduler" not in app.extensions


def test_each_process_keeps_a_pool_as_large_as_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_ENV", "demo")
    monkeypatch.setenv("TRACKER_DATABASE_POOL_SIZE", "24")
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    from tracker.extensions import db
    app = create_app(Config())
    with app.app_context():
        assert db.engine.pool.size() == 24
        db.engine.dispose()


def test_an_in_memory_database_starts_without_pool_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_ENV", "demo")
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite://")
    from tracker.extensions import db
    app = create_app(Config())
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        db.engine.dispose()
