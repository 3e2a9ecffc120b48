"""Alembic environment for Flask-Migrate (Flask-SQLAlchemy 3)."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# Every model module, so that autogenerate sees the whole schema.
import tracker.auth.models  # noqa: F401
import tracker.campaigns.models  # noqa: F401
import tracker.checkins.models  # noqa: F401
import tracker.core.lease  # noqa: F401
import tracker.digests.models  # noqa: F401
import tracker.events.models  # noqa: F401
import tracker.events.webhooks.models  # noqa: F401
import tracker.geo.models  # noqa: F401
import tracker.outcomes.models  # noqa: F401
import tracker.participants.models  # noqa: F401
import tracker.trainings.models  # noqa: F401
from tracker.core.db import include_in_schema

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    """Emit SQL without a database connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations on the app's engine."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        # Objects built on one database only (Index.ddl_if) are not "missing" on the other.
        conf_args.setdefault("include_object", lambda obj, name, type_, reflected, compare_to:
                             reflected or include_in_schema(obj, connection.dialect.name))
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
