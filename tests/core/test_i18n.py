"""Every UI string is translated into Vietnamese, and the compiled catalogue is current."""
import gettext
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _extracted():
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS | {"pgettext": ((1, "c"), 2)}):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalogue():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="vi")


def test_every_extracted_string_has_a_vietnamese_translation():
    catalogue = _catalogue()
    missing = sorted(msgid for msgid in _extracted() if not (catalogue.get(msgid) and catalogue.get(msgid).string))
    assert missing == []
    fuzzy = sorted(message.id for message in catalogue if message.id and message.fuzzy)
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    problems = [(message.id, errors) for message, errors in _catalogue().check()]
    assert problems == []


def test_the_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [message.id for message in _catalogue()
             if message.id and isinstance(message.id, str) and compiled.gettext(message.id) != message.string]
    assert stale == []


def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    with client.session_transaction() as session:
        session.clear()
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in page and "Đăng nhập" in page
    client.post("/language", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page
