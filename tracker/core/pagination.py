"""Keyset pagination: stable pages over large tables, with an opaque cursor."""
import base64
import json
from datetime import datetime

import marshmallow as ma
import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _

from tracker.core.db import UTCDateTime
from tracker.core.errors import InvalidInput
from tracker.core.routing import MAX_BIG_ID, MAX_ID
from tracker.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgsSchema(ma.Schema):
    cursor = ma.fields.String(metadata={"description": "The `next` cursor of the previous page"})
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT)
    )


def encode_cursor(values):
    """Encode the sort key of the last row of a page."""
    plain = [{"t": value.isoformat()} if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor, size):
    """Decode a cursor of ``size`` values; raise ``ValueError`` if it is malformed."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise ValueError("malformed cursor") from exc
    if not isinstance(raw, list) or len(raw) != size:
        raise ValueError("malformed cursor")
    values = []
    for value in raw:
        if isinstance(value, dict) and isinstance(value.get("t"), str):
            value = datetime.fromisoformat(value["t"])
            if value.tzinfo is None:
                raise ValueError("malformed cursor")
        elif not isinstance(value, (int, str)) or isinstance(value, bool):
            raise ValueError("malformed cursor")
        values.append(value)
    return values


def paginate(stmt, columns, *, cursor=None, limit=DEFAULT_LIMIT):
    """Return ``(items, next_cursor)`` for ``stmt`` ordered by ``columns`` ascending."""
    if cursor:
        try:
            values = decode_cursor(cursor, len(columns))
            if not all(_fits(column, value) for column, value in zip(columns, values)):
                raise ValueError("cursor of another listing")
        except ValueError:
            fields = {"cursor": [_("Not a valid cursor.")]}
            raise InvalidInput(_("Some fields are not valid."), fields=fields) from None
        typed = (sa.literal(value, type_=column.type) for column, value in zip(columns, values))
        stmt = stmt.where(sa.tuple_(*columns) > sa.tuple_(*typed))
    rows = db.session.scalars(stmt.order_by(*columns).limit(limit + 1)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, column.key) for column in columns])


def _fits(column, value):
    """Tell whether a cursor value can be compared with ``column``: a forged one may crash the query."""
    if _is_datetime(column):
        return isinstance(value, datetime)
    if isinstance(column.type, sa.Integer):
        largest = MAX_BIG_ID if isinstance(column.type, sa.BigInteger) else MAX_ID
        return isinstance(value, int) and abs(value) <= largest
    return isinstance(value, str) and "\x00" not in value


def _is_datetime(column):
    return isinstance(column.type, (sa.DateTime, UTCDateTime))


def next_url(cursor):
    """Return the URL of the next page of the current request, or None."""
    if cursor is None:
        return None
    args = request.args.to_dict() | {"cursor": cursor}
    return url_for(request.endpoint, **(request.view_args or {}), **args)
