"""Names as written (NFC) and as searched (folded: no diacritics, no case)."""
import unicodedata

from tracker.core.text import clean_line

#: Letters that do not decompose into a base letter plus marks.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def clean_name(text):
    """Return a name as stored: one clean line (:func:`~tracker.core.text.clean_line`), "" for None."""
    return clean_line(text)


def fold_name(text):
    """Return ``text`` folded for search: "Nguyễn Thị  Đào" → "nguyen thi dao"."""
    decomposed = unicodedata.normalize("NFD", clean_name(text).translate(_EXTRA))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold()
