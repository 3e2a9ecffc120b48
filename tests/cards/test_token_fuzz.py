"""QR tokens under hostile input (hypothesis): any text, and near-valid tokens — a character or a bit
changed, cut short, another key version, another key — are refused with ``InvalidToken``, never
another error; only a token this server signed reads back, as its code.

Bounded for CI: 200 examples each, a few seconds in all (no example database is written).
"""
import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.cards import tokens
from tracker.cards.tokens import CODE_ALPHABET, CODE_LENGTH, PREFIX, InvalidToken, make_token, read_token

REASONS = {"lowercase", "foreign", "truncated", "unknown_key", "altered", "malformed"}
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

codes = st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def _refused(text):
    with pytest.raises(InvalidToken) as caught:
        read_token(text)
    assert caught.value.reason in REASONS
    assert caught.value.status == 422 and caught.value.fields == {"qr": [caught.value.message]}
    return caught.value.reason


@FUZZ
@given(text=st.text(max_size=120) | st.from_regex(rf"\A{PREFIX}\d{{1,4}}\.[A-Z0-9]{{6,10}}\.[A-Z2-7]{{10,20}}\Z"))
def test_any_text_is_a_valid_token_or_refused(app, text):
    try:
        code = read_token(text)
    except InvalidToken as error:
        assert error.reason in REASONS
    else:
        assert make_token(code) == text.strip()


@FUZZ
@given(code=codes)
def test_a_token_reads_back_as_its_code(app, code):
    assert read_token(make_token(code)) == code
    assert read_token(f"  {make_token(code)}\n") == code  # a scanner's trailing newline
    assert _refused(make_token(code).lower()) == "lowercase"


@FUZZ
@given(code=codes, data=st.data())
def test_a_changed_character_is_refused(app, code, data):
    token = make_token(code)
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    other = data.draw(st.characters(codec="utf-8").filter(lambda char: char != token[index]), label="char")
    _refused(token[:index] + other + token[index + 1:])


@FUZZ
@given(code=codes, data=st.data())
def test_a_flipped_signature_bit_is_refused_as_altered(app, code, data):
    token = make_token(code)
    head, signature = token.rsplit(".", 1)
    raw = bytearray(base64.b32decode(signature))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1), label="bit")
    raw[bit // 8] ^= 1 << (bit % 8)
    assert _refused(f"{head}.{base64.b32encode(bytes(raw)).decode()}") == "altered"


@FUZZ
@given(code=codes, data=st.data())
def test_a_cut_or_lengthened_token_is_refused(app, code, data):
    token = make_token(code)
    cut = data.draw(st.integers(0, len(token) - 1), label="cut")
    assert _refused(token[:cut]) in {"foreign", "truncated", "malformed"}
    extra = data.draw(st.text(alphabet=CODE_ALPHABET + ".", min_size=1, max_size=5), label="extra")
    _refused(token + extra)


@FUZZ
@given(code=codes, version=st.integers(0, 999).filter(lambda version: version != 1))
def test_another_key_version_or_another_key_is_refused(app, code, version):
    assert _refused(tokens._sign(version, tokens.signing_keys()[1], code)) == "unknown_key"
    other_key = b"not the server's key, 32 bytes!!"
    assert _refused(tokens._sign(1, other_key, code)) == "altered"
