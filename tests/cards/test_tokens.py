import re

import pytest
import qrcode

from tracker.cards import tokens
from tracker.cards.tokens import (
    CODE_ALPHABET,
    InvalidToken,
    make_token,
    new_code,
    normalise_code,
    parse_keys,
    read_token,
)

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
KEY_1, KEY_2 = "first-secret-0123456789", "second-secret-9876543210"


@pytest.fixture
def use_keys(app):
    """Set ``TRACKER_QR_KEYS`` for the test (and forget the cached keys before and after)."""
    saved = app.config.get("TRACKER_QR_KEYS")

    def _use_keys(setting):
        app.config["TRACKER_QR_KEYS"] = setting
        app.extensions.pop("tracker.qr_keys", None)

    yield _use_keys
    _use_keys(saved)


def _reason(text):
    with pytest.raises(InvalidToken) as caught:
        read_token(text)
    assert caught.value.status == 422 and caught.value.code == "invalid_qr"
    assert caught.value.message and caught.value.fields["qr"] == [caught.value.message]
    return caught.value.reason


def test_a_token_reads_back_to_its_code(app):
    code = new_code()
    token = make_token(code)
    assert read_token(token) == code
    assert read_token(f"  {token}\n") == code


def test_a_token_is_short_qr_alphanumeric_and_fits_a_small_symbol(app):
    token = make_token(new_code())
    assert re.fullmatch(r"PD1\.[A-Z0-9]{8}\.[A-Z2-7]{16}", token)
    assert set(token) <= QR_ALPHANUMERIC
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(token)
    qr.make(fit=True)
    assert qr.version <= 3


def test_the_signature_has_at_least_64_bits(app):
    signature = make_token(new_code()).rsplit(".", 1)[1]
    assert len(signature) * 5 >= 64


def _replacement(char):
    """Another character the token format allows in the same place."""
    pool = BASE32 if char in BASE32 else CODE_ALPHABET
    pool = pool if char in pool else "0123456789"
    return next(other for other in pool if other != char)


def test_one_character_changed_anywhere_is_refused(app):
    token = make_token("ZNUDUR5J")
    for position, char in enumerate(token):
        changed = token[:position] + _replacement(char) + token[position + 1:]
        assert _reason(changed) in {"altered", "unknown_key", "malformed", "foreign"}, (position, changed)


@pytest.mark.parametrize("part", ["code", "signature"])
def test_a_changed_code_or_signature_is_reported_as_altered(app, part):
    token = make_token("ZNUDUR5J")
    start = 4 if part == "code" else 13
    end = start + (8 if part == "code" else 16)
    for position in range(start, end):
        changed = token[:position] + _replacement(token[position]) + token[position + 1:]
        assert _reason(changed) == "altered", changed


def test_a_token_signed_with_another_secret_is_altered(app):
    token = make_token("ZNUDUR5J")
    other = tokens._sign(1, b"not-the-server-secret-at-all", "ZNUDUR5J")
    assert other != token and _reason(other) == "altered"


@pytest.mark.parametrize("cut", [1, 5, 17, 20])
def test_a_truncated_token_is_refused(app, cut):
    assert _reason(make_token("ZNUDUR5J")[:-cut]) == "truncated"


def test_a_lower_cased_token_is_refused_as_such(app):
    token = make_token("ZNUDUR5J")
    assert _reason(token.lower()) == "lowercase"
    assert _reason(token[:4] + token[4:12].lower() + token[12:]) == "lowercase"


@pytest.mark.parametrize("text", [
    "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
    "001099012345|123456789|Nguyễn Văn An|01011990|Nam|Thôn 1, Ea Kao, Đắk Lắk|01012021",
    "WIFI:S:nha-van-hoa;T:WPA;P:12345678;;",
    "", "   ", None,
])
def test_foreign_text_is_refused_as_not_a_card(app, text):
    assert _reason(text) == "foreign"


def test_a_token_with_junk_inside_is_malformed(app):
    token = make_token("ZNUDUR5J")
    assert _reason(token.replace(".", "-", 1)) == "malformed"
    assert _reason(token + "X") == "malformed"


def test_an_unknown_key_version_is_refused(app, use_keys):
    use_keys(f"1={KEY_1}")
    token = make_token("ZNUDUR5J")
    use_keys(f"2={KEY_2}")
    assert _reason(token) == "unknown_key"
    assert _reason(token.replace("PD1.", "PD7.")) == "unknown_key"


def test_rotation_keeps_old_cards_valid_and_signs_new_ones_with_the_new_key(app, use_keys):
    use_keys(f"1={KEY_1}")
    old = make_token("ZNUDUR5J")
    use_keys(f"2={KEY_2},1={KEY_1}")
    new = make_token("ZNUDUR5J")
    assert old.startswith("PD1.") and new.startswith("PD2.")
    assert read_token(old) == read_token(new) == "ZNUDUR5J"
    # The version names the key: an old card relabelled as version 2 does not verify.
    assert _reason(old.replace("PD1.", "PD2.")) == "altered"


def test_signatures_are_compared_in_constant_time(app, monkeypatch):
    calls = []
    real = tokens.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    token = make_token("ZNUDUR5J")
    read_token(token)
    assert calls and calls[-1][1] == token.encode()


@pytest.mark.parametrize("setting", ["secret-without-version-000", "x=0123456789abcdef", "1=short"])
def test_a_malformed_key_setting_is_refused_at_start(setting):
    with pytest.raises(RuntimeError):
        parse_keys(setting, "secret")


def test_without_a_setting_version_1_is_derived_from_the_secret_key():
    assert set(parse_keys(None, "a")) == {1}
    assert parse_keys(None, "a") != parse_keys(None, "b")


@pytest.mark.parametrize(("typed", "code"), [
    ("znud-ur5j", "ZNUDUR5J"), ("ZNUD UR5J", "ZNUDUR5J"), ("ZNUDUR5", None), ("ZNUDUR5O", None), ("", None),
])
def test_typed_codes_are_normalised(typed, code):
    assert normalise_code(typed) == code
