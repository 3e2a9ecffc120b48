"""Names as written (NFC) and as searched (folded: no diacritics, no case)."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")
#: Control characters (C0, DEL, C1) that are not spaces: invisible, and no XML (so no XLSX) can carry them.
_CONTROLS = re.compile(r"(?!\s)[\x00-\x1f\x7f-\x9f]")
#: Letters that do not decompose into a base letter plus marks.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def clean_name(text):
    """Return a name NFC-normalised, without control characters, with single spaces and none at the ends."""
    return _SPACES.sub(" ", _CONTROLS.sub("", unicodedata.normalize("NFC", text or ""))).strip()


def fold_name(text):
    """Return ``text`` folded for search: "Nguyễn Thị  Đào" → "nguyen thi dao"."""
    decomposed = unicodedata.normalize("NFD", clean_name(text).translate(_EXTRA))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold()
