"""URL converters."""
from werkzeug.routing import IntegerConverter

#: The largest id of most tables (PostgreSQL ``integer``, signed 32-bit).
MAX_ID = 2**31 - 1
#: The largest id of the tables that grow fastest, events and check-ins (``bigint``, signed 64-bit).
MAX_BIG_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:…>``: a number past what the id column holds reads as 0, which no row has either.

    The operation then answers its own 404. The number itself would crash PostgreSQL's comparison
    with an ``integer`` column, and refusing it here (``max=``) would fail the match: a 405 where
    another method shares the path, as werkzeug checks the methods first.
    """

    largest = MAX_ID

    def to_python(self, value):
        number = super().to_python(value)
        return number if number <= self.largest else 0


class BigIdConverter(IdConverter):
    """``<bigint:…>``, the id of an event or a check-in."""

    largest = MAX_BIG_ID


def init_routing(app):
    """Make the bounded converters the app's ``int`` and ``bigint``."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigint"] = BigIdConverter
