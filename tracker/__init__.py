"""100 Peak Days tracker: the application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from tracker.config import Config
from tracker.core.sessions import SessionInterface

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Create the app from ``config`` (a ``Config`` object; default: the environment)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TRACKER_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config = config or Config()
    app.config.from_object(config)
    app.session_interface = SessionInterface()
    # Vietnamese text goes out as UTF-8, not \u escapes; keys keep the order the schemas give them.
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config["TRACKER_DEMO"] = getattr(config, "is_demo", False)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _resolve_defaults(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_jobs(app)
    return app


def _resolve_defaults(app):
    """Fill the database URL and, in demo mode only, a secret key kept in the instance folder."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'tracker.sqlite3'}"
    if app.config["SQLALCHEMY_DATABASE_URI"] in {"sqlite://", "sqlite:///:memory:"}:
        # An in-memory database lives in one connection: it has no pool to size.
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {k: v for k, v in options.items() if not k.endswith(("pool_size", "overflow"))}
    if not app.config.get("SECRET_KEY"):
        if not app.config["TRACKER_DEMO"]:
            raise RuntimeError(
                "TRACKER_SECRET_KEY is not set. Set it to a long random value, "
                "or set TRACKER_ENV=demo for a local demo."
            )
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()


def register_extensions(app):
    from tracker.auth.session import init_login
    from tracker.core.args import init_args
    from tracker.core.i18n import init_i18n
    from tracker.core.routing import init_routing
    from tracker.core.security import init_security
    from tracker.core.templating import init_templating
    from tracker.extensions import api, csrf, db, limiter, migrate

    init_routing(app)
    init_args(app)
    init_security(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    init_i18n(app)
    init_templating(app)
    api.init_app(app)


def register_blueprints(app):
    from tracker.api import (
        auth,
        campaigns,
        cards,
        checkins,
        digests,
        events,
        exports,
        live,
        outcomes,
        participants,
        roster,
        trainings,
        units,
        webhooks,
    )
    from tracker.auth.enrolment_views import bp as enrolment_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.campaigns.views import bp as campaigns_bp
    from tracker.cards.views import bp as cards_bp
    from tracker.checkins.held_views import bp as held_bp
    from tracker.checkins.scan_views import bp as scan_bp
    from tracker.checkins.views import bp as checkins_bp
    from tracker.core.views import bp as core_bp
    from tracker.digests.mail_views import bp as digest_mail_bp
    from tracker.digests.public_views import bp as public_bp
    from tracker.digests.views import bp as digests_bp
    from tracker.events.views import bp as events_bp
    from tracker.events.webhooks.views import bp as webhooks_bp
    from tracker.extensions import api, csrf
    from tracker.geo.views import bp as geo_bp
    from tracker.outcomes.views import bp as outcomes_bp
    from tracker.participants.duplicate_views import bp as duplicates_bp
    from tracker.participants.privacy_views import bp as privacy_bp
    from tracker.participants.views import bp as participants_bp
    from tracker.trainings.views import bp as trainings_bp

    for blueprint in (core_bp, auth_bp, geo_bp, campaigns_bp, trainings_bp, events_bp, outcomes_bp, participants_bp,
                      duplicates_bp, privacy_bp, cards_bp, checkins_bp, scan_bp, held_bp, digests_bp, digest_mail_bp,
                      public_bp, enrolment_bp, webhooks_bp):
        app.register_blueprint(blueprint)
    for module in (auth, units, campaigns, trainings, events, outcomes, participants, cards, checkins, roster, live, digests,
                   webhooks, exports):
        api.register_blueprint(module.bp)
        # The API authenticates by bearer token only, never by cookie, so CSRF cannot apply.
        csrf.exempt(module.bp)


def register_errors(app):
    from tracker.core.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app):
    from tracker.auth.cli import users_cli
    from tracker.core.jobs import scheduler_command
    from tracker.demo.seed import demo_command
    from tracker.digests.cli import digest_cli
    from tracker.geo.cli import units_cli

    for command in (units_cli, users_cli, demo_command, scheduler_command, digest_cli):
        app.cli.add_command(command)


def register_jobs(app):
    from tracker.auth.jobs import purge_expired_tokens
    from tracker.core.jobs import Job, init_scheduler
    from tracker.digests.jobs import send_digest_emails, sync_digests
    from tracker.digests.progress import refresh_provinces
    from tracker.events.webhooks.jobs import init_webhooks, run_deliveries

    jobs = [
        Job("purge-expired-tokens", purge_expired_tokens, cron={"minute": "17"}),
        # Adds the per-campaign daily digest jobs and catches up missed days; at once on taking the lease.
        Job("digest-sync", sync_digests, cron={"minute": "*"}, on_lease=True),
        Job("digest-mail", send_digest_emails, cron={"minute": "*"}),
        # Keeps the provinces' dashboard figures at most a minute old (communes refresh when read).
        Job("progress-refresh", refresh_provinces, cron={"minute": "*"}, on_lease=True),
        # Loops for 8 s of every 10, woken by commits; at once on taking the lease.
        Job("webhook-delivery", run_deliveries, cron={"second": "*/10"}, on_lease=True),
    ]
    init_webhooks(app)
    init_scheduler(app, jobs)
