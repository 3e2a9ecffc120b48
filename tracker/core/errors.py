"""One error type for refused input or actions, and the handlers that render every error.

Operations and schemas raise :class:`AppError` (or a subclass); the handlers here turn it, and
every HTTP error, into ``{"error": {"code", "message", "fields"}}`` under ``/api/`` and into a
friendly page everywhere else. A database that is away for a moment (restarted, unreachable,
its connections cut) is a 503 with ``Retry-After``, not a 500: the pool's pre-ping discards the
dead connections once it is back, and clients that retry lose nothing.
"""
import psycopg
import sqlalchemy as sa
from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.extensions import login_manager


class AppError(Exception):
    """An action refused for a reason the caller can fix or must be told."""

    status = 422
    code = "invalid"

    def __init__(self, message, *, fields=None, code=None, status=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        if status:
            self.status = status


class InvalidInput(AppError):
    """Input that fails a rule; ``fields`` maps field names to messages."""

    status = 422
    code = "validation_error"


class Conflict(AppError):
    """The change clashes with what is stored."""

    status = 409
    code = "conflict"


class Forbidden(AppError):
    """The user may see the resource but not do this to it."""

    status = 403
    code = "forbidden"


class NotFound(AppError):
    """The resource does not exist, or the user may not see it."""

    status = 404
    code = "not_found"


#: Machine codes for plain HTTP errors.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def wants_json():
    """Tell whether the current request should get a JSON error: the API, or a script asking for JSON."""
    if request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def error_body(code, message, fields=None):
    """Return the JSON error document of SPEC §8."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _webargs_fields(error):
    """Flatten webargs' ``{location: {field: [msg]}}`` into ``{field: [msg]}``."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            fields.update(location_messages)
        else:
            fields.setdefault("_schema", []).extend(location_messages)
    return fields


def handle_app_error(error):
    """Render a refused action."""
    if wants_json():
        return error_body(error.code, error.message, error.fields), error.status
    return _render_page(error.status, error.message)


def handle_http_exception(error):
    """Render an HTTP error (including webargs validation aborts)."""
    if not isinstance(error, HTTPException) or error.code is None:
        return handle_unexpected(error)
    if error.code >= 500:
        return handle_unexpected(error)
    fields = _webargs_fields(error)
    message = (getattr(error, "data", None) or {}).get("message") or _default_message(error)
    if wants_json():
        headers = (getattr(error, "data", None) or {}).get("headers") or {}
        body = error_body(HTTP_CODES.get(error.code, "error"), message, fields)
        return body, error.code, headers
    if error.code == 405 or error.code is None:
        return error
    return _render_page(error.code, message)


def handle_unexpected(error):
    """Log an unexpected failure and answer 500 without details."""
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, InternalServerError):
        current_app.logger.exception("unhandled error", exc_info=original)
    message = _("Something went wrong on our side. Please try again.")
    if wants_json():
        return error_body("internal_error", message), 500
    return _render_page(500, message)


#: Seconds a client is asked to wait before it tries again while the database is away.
RETRY_AFTER = 5


def is_database_unavailable(error):
    """Tell whether ``error`` says the database cannot be reached or dropped the connection (for now)."""
    if isinstance(error, (sa.exc.OperationalError, sa.exc.TimeoutError, psycopg.OperationalError)):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def handle_database_error(error):
    """Answer 503 with ``Retry-After`` when the database is away; any other database error is unexpected."""
    if not is_database_unavailable(error):
        return handle_unexpected(error)
    # One line per failed request, naming the error's kind and the route, never its SQL or values.
    rule = request.url_rule.rule if request.url_rule else "-"
    current_app.logger.warning("database unavailable (%s) on %s %s: answered 503", _error_kind(error),
                               request.method, rule)
    message = _("The database is unavailable for a moment; try again shortly.")
    headers = {"Retry-After": str(RETRY_AFTER)}
    if wants_json():
        return error_body("database_unavailable", message), 503, headers
    page, status = _render_page(503, message)
    return page, status, headers


def _error_kind(error):
    """The driver's error class and SQLSTATE (or SQLite's error name): what failed, without any data."""
    original = getattr(error, "orig", None) or error
    code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    kind = f"{type(original).__module__}.{type(original).__name__}"
    return f"{kind} {code}" if code else kind


def _default_message(error):
    if error.code == 422:
        return _("Some fields are not valid.")
    if error.code == 413:
        return _too_large_message()
    if error.code == 404:
        return _("Not found.")
    if error.code == 403:
        return _("You are not allowed to do this.")
    if error.code == 401:
        return _("Please sign in.")
    return error.description or error.name


def _too_large_message():
    """Say how much may be sent when the body passed the limit (``TRACKER_MAX_CONTENT_LENGTH``)."""
    limit = request.max_content_length
    if limit and (request.content_length is None or request.content_length > limit):
        return _("The request is too large: send at most %(size)s.", size=_size(limit))
    return _("The request is too large.")


def _size(count):
    """Write a number of bytes as people read it: 5 MB, 500 KB."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} B"


def _render_page(status, message):
    if status >= 500 and "_login_user" not in g:
        # A failure page reads nothing more from the database, not even the signed-in user (whom
        # Flask-Login's template context would load): the database may be what failed.
        login_manager._update_request_context_with_user()
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app):
    """Install the handlers on ``app``."""
    app.register_error_handler(AppError, handle_app_error)
    for database_error in (sa.exc.DBAPIError, sa.exc.TimeoutError, psycopg.OperationalError):
        app.register_error_handler(database_error, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
