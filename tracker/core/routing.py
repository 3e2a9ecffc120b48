"""URL converters."""
from werkzeug.routing import IntegerConverter

#: The largest id any of our databases stores (signed 64-bit).
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` that never matches a number the database cannot hold (404, not a crash)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_routing(app):
    """Make the bounded converter the app's ``int``."""
    app.url_map.converters["int"] = IdConverter
