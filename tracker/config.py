"""Configuration from ``TRACKER_*`` environment variables, with safe defaults."""
import os


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings read from the environment when the app is created."""

    def __init__(self):
        #: ``development`` and ``demo`` may run without a secret key (one is made and kept in the
        #: instance folder); ``production`` refuses to start without ``TRACKER_SECRET_KEY``.
        self.TRACKER_ENV = os.environ.get("TRACKER_ENV", "production")
        self.SECRET_KEY = os.environ.get("TRACKER_SECRET_KEY")
        #: None means a SQLite file in the instance folder.
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TRACKER_DATABASE_URL")
        #: ``embedded`` runs the scheduler inside each web process (every gunicorn worker; only the
        #: holder of the database lease acts); ``off`` leaves it to ``flask --app tracker scheduler``.
        self.TRACKER_SCHEDULER = os.environ.get("TRACKER_SCHEDULER", "embedded")
        #: Seconds the scheduler lease lasts without renewal (renewed every third of it): how long
        #: the others wait before taking over from a holder that died.
        self.TRACKER_SCHEDULER_LEASE_TTL = float(os.environ.get("TRACKER_SCHEDULER_LEASE_TTL", 60))
        #: PostgreSQL memory for each sort or hash while a digest is compiled (``SET LOCAL work_mem``):
        #: a province's aggregates over millions of check-ins spill to disk at the server's default 4 MB.
        self.TRACKER_DIGEST_WORK_MEM = os.environ.get("TRACKER_DIGEST_WORK_MEM", "64MB")
        #: Seconds the dashboards' figures may be old before they are computed again.
        self.TRACKER_PROGRESS_MAX_AGE = int(os.environ.get("TRACKER_PROGRESS_MAX_AGE", 60))
        #: Seconds an event waits before the ordered feed (and webhooks) hands it out, on PostgreSQL:
        #: see tracker.events.queries.events_for.
        self.TRACKER_EVENT_SETTLE_SECONDS = float(os.environ.get("TRACKER_EVENT_SETTLE_SECONDS", 3))
        #: Seconds between two polls of an open dashboard.
        self.TRACKER_DASHBOARD_POLL = int(os.environ.get("TRACKER_DASHBOARD_POLL", 15))
        self.TRACKER_TOKEN_TTL = int(os.environ.get("TRACKER_TOKEN_TTL", 30 * 24 * 3600))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("TRACKER_MAX_CONTENT_LENGTH", 5 * 1024 * 1024))
        self.RATELIMIT_STORAGE_URI = os.environ.get("TRACKER_RATELIMIT_STORAGE_URL", "memory://")
        self.TRACKER_LOGIN_RATE_LIMIT = os.environ.get("TRACKER_LOGIN_RATE_LIMIT", "10 per minute")
        #: Volunteers enrolling from one address (a village hall's Wi-Fi is one address for all).
        self.TRACKER_ENROL_RATE_LIMIT = os.environ.get("TRACKER_ENROL_RATE_LIMIT", "30 per minute")
        self.SESSION_COOKIE_SECURE = _env_bool("TRACKER_SECURE_COOKIES", False)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        # Enrolled volunteers stay signed in by this cookie for their days of access.
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        #: Keys that sign QR cards, ``VERSION=SECRET`` separated by commas (``2=…,1=…``). New cards
        #: use the highest version; older versions still verify until removed. Unset: version 1,
        #: derived from the secret key.
        self.TRACKER_QR_KEYS = os.environ.get("TRACKER_QR_KEYS")
        #: Sending the digest by e-mail. No host: e-mail is off and queued e-mails wait.
        self.TRACKER_SMTP_HOST = os.environ.get("TRACKER_SMTP_HOST") or None
        self.TRACKER_SMTP_PORT = int(os.environ.get("TRACKER_SMTP_PORT", 587))
        self.TRACKER_SMTP_USER = os.environ.get("TRACKER_SMTP_USER") or None
        self.TRACKER_SMTP_PASSWORD = os.environ.get("TRACKER_SMTP_PASSWORD") or None
        #: ``starttls`` (upgrade a plain connection), ``ssl`` (TLS from the start) or ``none``.
        self.TRACKER_SMTP_SECURITY = os.environ.get("TRACKER_SMTP_SECURITY", "starttls").strip().lower()
        if self.TRACKER_SMTP_SECURITY not in {"starttls", "ssl", "none"}:
            raise ValueError("TRACKER_SMTP_SECURITY must be starttls, ssl or none")
        self.TRACKER_SMTP_TIMEOUT = float(os.environ.get("TRACKER_SMTP_TIMEOUT", 10))
        self.TRACKER_MAIL_SENDER = os.environ.get("TRACKER_MAIL_SENDER", "Ban chỉ đạo <noreply@localhost>")
        self.TRACKER_MAIL_MAX_ATTEMPTS = int(os.environ.get("TRACKER_MAIL_MAX_ATTEMPTS", 6))
        #: Seconds a webhook receiver has to connect and answer each read, per request.
        self.TRACKER_WEBHOOK_TIMEOUT = float(os.environ.get("TRACKER_WEBHOOK_TIMEOUT", 10))
        #: The public address of the app (``https://host/prefix``), for links in e-mails sent by jobs.
        self.TRACKER_BASE_URL = os.environ.get("TRACKER_BASE_URL") or None
        #: Database connections each process keeps open: at least the threads a worker runs
        #: (gunicorn --threads), or requests queue for a connection and extra ones are opened
        #: and closed per request. SQLite files use the same pool.
        pool_size = int(os.environ.get("TRACKER_DATABASE_POOL_SIZE", 20))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": 10}
        self.BABEL_DEFAULT_LOCALE = "vi"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
        self.TRACKER_LANGUAGES = ("vi", "en")
        self.WTF_CSRF_TIME_LIMIT = None
        self.API_TITLE = "100 Peak Days tracker API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.API_SPEC_OPTIONS = {
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearer": []}],
        }

    @property
    def is_demo(self):
        return self.TRACKER_ENV in {"development", "demo"}


class TestConfig(Config):
    """Settings for the test suite: no scheduler, no rate limit, CSRF on unless a test turns it off."""

    def __init__(self, database_url):
        super().__init__()
        self.TESTING = True
        self.TRACKER_ENV = "test"
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.TRACKER_SCHEDULER = "off"
        # Events are read back at once in tests; tests/events/test_events.py checks the wait itself.
        self.TRACKER_EVENT_SETTLE_SECONDS = 0
        # The limiter stays on (it cannot be switched on later); tests that check it lower this.
        self.TRACKER_LOGIN_RATE_LIMIT = "10000 per minute"
        self.TRACKER_ENROL_RATE_LIMIT = "10000 per minute"
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
