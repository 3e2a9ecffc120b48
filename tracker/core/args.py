"""The one way input is loaded: a marshmallow schema through webargs, for JSON, query strings
and form posts alike. Failures raise :class:`~tracker.core.errors.InvalidInput`."""
import io
from itertools import chain

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import RequestEntityTooLarge

from tracker.core.errors import AppError, InvalidInput
from tracker.core.routing import MAX_ID


class Parser(FlaskParser):
    """A webargs parser that raises the app's own error type."""

    #: A posted form carries fields no schema names (the CSRF token): forms ignore unknown fields.
    DEFAULT_UNKNOWN_BY_LOCATION = FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION | {"form": ma.EXCLUDE}

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """Raise :class:`InvalidInput` with messages by field."""
        raise InvalidInput(_("Some fields are not valid."), fields=flatten(error.messages))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise AppError(_("The request body is not valid JSON."), code="malformed_json", status=400)

    def _raw_load_json(self, req):
        """Parse the body once; a document nested deeper than any of ours is refused (400), never a 500.

        ``json.loads`` itself raises ``RecursionError`` near 1,000 levels; deep documents below that
        would still cost recursion in every schema and serializer after it.
        """
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = nesting_exceeds(data, MAX_JSON_DEPTH)
        if too_deep:
            raise AppError(_("The request body is nested too deeply (at most %(depth)d levels).",
                             depth=MAX_JSON_DEPTH), code="malformed_json", status=400)
        return data


#: The deepest JSON document any operation takes (a sync batch is 4 levels deep).
MAX_JSON_DEPTH = 20


def nesting_exceeds(data, depth):
    """Tell whether ``data`` (parsed JSON) nests lists and objects more than ``depth`` levels, without recursion."""
    level = [data]
    for _level in range(depth):
        level = [child for item in level if isinstance(item, dict | list)
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return any(isinstance(item, dict | list) for item in level)


def refuse_nul_characters():
    """Refuse input carrying NUL characters, which no text column can store (PostgreSQL rejects them)."""
    # Every value of a repeated parameter (``?type=a&type=b``), not only the first as ``values()`` gives.
    texts = [*chain.from_iterable(request.args.listvalues()), *chain.from_iterable(request.form.listvalues()),
             *(request.view_args or {}).values()]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise InvalidInput(_("The input contains a NUL character."))
    if request.mimetype in {"application/json", "text/csv", "text/plain"}:
        body = request.get_data(cache=True)
        if b"\x00" in body or b"\\u0000" in body:
            raise InvalidInput(_("The input contains a NUL character."))


def bound_streamed_body():
    """Read a body sent without a length (``Transfer-Encoding: chunked``) whole, refusing it past the limit (413).

    Werkzeug stops such a stream at ``MAX_CONTENT_LENGTH`` without a word when the server terminates
    it (gunicorn does): ``request.get_data()`` would hand on the first bytes as if they were all,
    and an import would store the first rows of a file cut short. The body is read here, up to
    one byte past the limit, and given to the request with its length.
    """
    environ, limit = request.environ, request.max_content_length
    if request.content_length is not None or limit is None or "wsgi.input_terminated" not in environ:
        return
    chunks, size = [], 0
    while size <= limit and (chunk := environ["wsgi.input"].read(limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def init_args(app):
    """Check every request for a body past the limit and for input no column could store."""
    app.before_request(bound_streamed_body)
    app.before_request(refuse_nul_characters)


def flatten(messages):
    """Flatten ``{location: {field: [msg]}}`` (or plain ``{field: [msg]}``) into ``{field: [msg]}``."""
    if isinstance(messages, list):
        return {"_schema": messages}
    locations = {"json", "form", "query", "querystring", "view_args", "path", "files", "headers"}
    if messages and set(messages) <= locations:
        fields = {}
        for value in messages.values():
            fields.update(flatten(value))
        return fields
    return dict(messages)


parser = Parser()


class Id(ma.fields.Integer):
    """An id given as input: a positive integer its column can hold (else a clear 422)."""

    def __init__(self, *, largest=MAX_ID, **kwargs):
        super().__init__(strict=False, validate=ma.validate.Range(min=1, max=largest), **kwargs)


class DropBlanks:
    """Mixin for form and query schemas: empty values (``?status=``) count as not given."""

    @ma.pre_load
    def drop_blanks(self, data, **kwargs):
        """Leave out blank values so that defaults apply."""
        return {key: data[key] for key in data if data[key] not in ("", [""])}


def load(schema, location="form"):
    """Load and validate the current request's ``location`` with ``schema``."""
    return parser.parse(schema, request, location=location)


class Blueprint(SmorestBlueprint):
    """An API blueprint whose argument errors go through :class:`Parser`."""

    ARGUMENTS_PARSER = parser
