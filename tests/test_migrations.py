"""The migrations build the models' schema on an empty database and remove it cleanly."""
import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker.core.db import include_in_schema
from tracker.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        def include_object(obj, name, type_, reflected, compare_to):
            return reflected or include_in_schema(obj, connection.dialect.name)

        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        assert compare_metadata(context, db.metadata) == []


def test_downgrade_to_base_and_upgrade_again(app):
    db.session.remove()
    flask_migrate.downgrade(revision="base")
    try:
        names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version", "sqlite_sequence"}
        assert names == set()
    finally:
        flask_migrate.upgrade()
    names = set(sa.inspect(db.engine).get_table_names())
    assert {"units", "campaigns", "targets", "trainings", "users", "api_tokens", "events"} <= names
