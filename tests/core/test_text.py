import unicodedata

import marshmallow as ma
import pytest

from tracker.core.text import Line, clean_line
from tracker.participants.names import clean_name

NGUYEN = "Nguyễn"
NGUYEN_NFD = unicodedata.normalize("NFD", NGUYEN)


@pytest.mark.parametrize(("text", "expected"), [
    ("Hoa\x07\x1b[31m\x7f Mai", "Hoa[31m Mai"),  # BEL, ESC, DEL
    ("Hoa\x00Mai", "HoaMai"),
    ("Hoa\x85Mai\x9b", "Hoa Mai"),  # C1: NEL is a line break, CSI is dropped
    ("\u202eY Hoa Niê", "Y Hoa Niê"),  # right-to-left override left open
    ("\u202aA\u202b B\u202c\u202d C", "A B C"),  # embeddings, pop, left-to-right override
    ("\u2066Hoa\u2069 \u2067Mai\u2068 Lan\u2069", "Hoa Mai Lan"),  # isolates
    (NGUYEN_NFD + " Văn", NGUYEN + " Văn"),  # typed decomposed, stored composed
    ("Nguye\u202e\u0302\u0303n", NGUYEN),  # a mark cut from its letter by an override still composes
    ("  Trần\tThị\n\nBình\r\n", "Trần Thị Bình"),
    ("Lê\x0bVăn\x0cTám\u2028Hai\u00a0Ba", "Lê Văn Tám Hai Ba"),  # vertical tab, form feed, line separator, nbsp
    ("", ""),
    ("   \t\n", ""),
    ("\u202e\x07", ""),
    (None, ""),
    ("Y Hoa Niê", "Y Hoa Niê"),
    ("Ho\u200ba \ufeffMai\u2060", "Hoa Mai"),  # zero-width space, byte order mark, word joiner
    ("Ng\u00aduyễn\u200c Thị\u200e\u200f\u061c", "Nguyễn Thị"),  # soft hyphen, non-joiner, direction marks
    ("\u200dZWJ\u200dx\u2062\u180e", "ZWJx"),  # a joiner beside a letter, an invisible operator, MVS
    ("\U0001F9D1\u200d\U0001F4BB Kỹ năng số", "\U0001F9D1\u200d\U0001F4BB Kỹ năng số"),  # one emoji of two: kept
])
def test_clean_line_keeps_one_visible_line(text, expected):
    assert clean_line(text) == expected


def test_clean_name_is_clean_line():
    assert clean_name("\u202e " + NGUYEN_NFD + "\x07  Văn\n") == NGUYEN + " Văn"
    assert clean_name(None) == ""


class _Schema(ma.Schema):
    title = Line(validate=ma.validate.Length(min=1, max=5))
    place = Line(allow_none=True, load_default=None)


@pytest.mark.parametrize(("data", "expected"), [
    ({"title": " \u202eHoa\x07 "}, {"title": "Hoa", "place": None}),
    ({"title": "ab", "place": None}, {"title": "ab", "place": None}),
    ({"title": "ab", "place": "\tChợ\n Lớn"}, {"title": "ab", "place": "Chợ Lớn"}),
    ({"title": "ab \n\n  cd"}, {"title": "ab cd", "place": None}),  # 5 once cleaned
])
def test_line_field_loads_the_cleaned_value(data, expected):
    assert _Schema().load(data) == expected


@pytest.mark.parametrize("title", ["\u202e\x07 ", "abcdef", None, 7])
def test_line_field_validates_the_cleaned_value(title):
    with pytest.raises(ma.ValidationError) as error:
        _Schema().load({"title": title})
    assert list(error.value.messages) == ["title"]
