"""Free text on one line: names, titles, places and reasons as they are stored and shown."""
import re
import unicodedata

import marshmallow as ma

#: Control characters (C0, DEL, C1) that are not whitespace: invisible, and no XML (so no XLSX) can carry them;
#: bidi embeddings, overrides and isolates: one left open reverses the rest of a plain-text line ("Trojan source");
#: characters that show nothing but make two equal-looking names differ (so search and the duplicate check miss
#: them; text pasted from chat apps and word processors brings them): soft hyphen, zero-width space and non-joiner,
#: the left-to-right, right-to-left and Arabic letter marks, word joiner and invisible operators, the byte order
#: mark, the Mongolian vowel separator; and a zero-width joiner beside a letter (between emoji it draws one
#: picture of several, and is kept).
_INVISIBLE = re.compile(r"(?!\s)[\x00-\x1f\x7f-\x9f]|[\u202a-\u202e\u2066-\u2069]"
                        r"|[\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u2060-\u2064\ufeff]"
                        r"|\u200d(?=[^\W\d_])|(?<=[^\W\d_])\u200d")
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
