"""Free text on one line: names, titles, places and reasons as they are stored and shown."""
import re
import unicodedata

import marshmallow as ma

#: Control characters (C0, DEL, C1) that are not whitespace: invisible, and no XML (so no XLSX) can carry them;
#: bidi embeddings, overrides and isolates: one left open reverses the rest of a plain-text line ("Trojan source").
_INVISIBLE = re.compile(r"(?!\s)[\x00-\x1f\x7f-\x9f]|[\u202a-\u202e\u2066-\u2069]")
#: Any run of whitespace, line breaks and tabs included.
_SPACES = re.compile(r"\s+")


def clean_line(text):
    """Return ``text`` NFC-normalised on one line: no control or bidi characters, single spaces, none at the ends."""
    # Dropped before normalising, so that a mark split from its letter by a control still composes with it.
    visible = unicodedata.normalize("NFC", _INVISIBLE.sub("", text or ""))
    return _SPACES.sub(" ", visible).strip()


class Line(ma.fields.String):
    """A string loaded through :func:`clean_line`; validators (``Length`` …) check the cleaned value."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_line(super()._deserialize(value, attr, data, **kwargs))
