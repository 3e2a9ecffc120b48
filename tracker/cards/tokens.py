"""Participant codes and the signed token a QR card carries.

A token is ``PD<key version>.<code>.<signature>``: the participant's public code and the first
80 bits of an HMAC-SHA256 under a server key, in base32. Every character is QR-alphanumeric
(capitals, digits and ``.``), so the symbol stays at QR version 2 and scans from a worn printout.
Nothing personal is in it. The key version lets an operator rotate keys: new cards use the
newest key, older cards verify while their key is still configured.
"""
import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app
from flask_babel import gettext as _

from tracker.core.errors import AppError

#: Code characters: capitals and digits without 0/O and 1/I, which are misread when typed.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PREFIX = "PD"
SIGNATURE_BYTES = 10  # 80 bits, 16 base32 characters
TOKEN_RE = re.compile(rf"^{PREFIX}(\d{{1,3}})\.([{CODE_ALPHABET}]{{{CODE_LENGTH}}})\.([A-Z2-7]{{16}})$")
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class InvalidToken(AppError):
    """A scanned or typed card that is not a valid card of this tracker (422 ``invalid_qr``)."""

    status = 422
    code = "invalid_qr"

    def __init__(self, reason, message):
        super().__init__(message, fields={"qr": [message]})
        #: Why it was refused: lowercase, foreign, truncated, unknown_key, altered, malformed.
        self.reason = reason


def new_code():
    """Return a fresh random participant code (40 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """Return a typed code in canonical form (capitals, no spaces or dashes), or None."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if CODE_RE.match(code) else None


def make_token(code):
    """Return the token for the participant with ``code``, signed with the newest key."""
    version, key = max(signing_keys().items())
    return _sign(version, key, code)


def read_token(text):
    """Return the participant code in a token, or raise ``InvalidToken`` saying what is wrong."""
    text = (text or "").strip()
    match = TOKEN_RE.match(text)
    if not match:
        raise _diagnose(text)
    version, code, _signature = int(match[1]), match[2], match[3]
    key = signing_keys().get(version)
    if key is None:
        raise InvalidToken("unknown_key", _("This card was signed with a key this server no longer "
                                            "accepts. Print the person a new card."))
    if not hmac.compare_digest(_sign(version, key, code).encode(), text.encode()):
        raise InvalidToken("altered", _("This card's signature does not match: it was altered or "
                                        "forged. Check the person in by name instead."))
    return code


def _sign(version, key, code):
    message = f"{PREFIX}{version}.{code}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return f"{PREFIX}{version}.{code}.{base64.b32encode(digest).decode()}"


def _diagnose(text):
    """Explain why ``text`` is not a token."""
    if not text.upper().startswith(PREFIX):
        return InvalidToken("foreign", _("This QR code is not a participant card of this tracker."))
    if text != text.upper():
        return InvalidToken("lowercase", _("This card code has lower-case letters; the codes on our "
                                           "cards are all capitals. Scan the card again."))
    if len(text) < len(PREFIX) + 2 + CODE_LENGTH + 16 + 1:
        return InvalidToken("truncated", _("This card code is incomplete. Scan the card again."))
    return InvalidToken("malformed", _("This card code is damaged. Scan the card again."))


def signing_keys():
    """Return the configured QR keys by version (cached on the app)."""
    cache = current_app.extensions.setdefault("tracker.qr_keys", {})
    if "keys" not in cache:
        cache["keys"] = parse_keys(current_app.config.get("TRACKER_QR_KEYS"), current_app.config["SECRET_KEY"])
    return cache["keys"]


def parse_keys(setting, secret_key):
    """Parse ``VERSION=SECRET,…``; without a setting, derive version 1 from the secret key."""
    if not setting:
        return {1: hmac.new(secret_key.encode(), b"tracker qr card key v1", hashlib.sha256).digest()}
    keys = {}
    for item in setting.split(","):
        version, sep, secret = item.strip().partition("=")
        if not sep or not version.isdigit() or len(secret) < 16:
            raise RuntimeError("TRACKER_QR_KEYS must be VERSION=SECRET pairs with secrets of 16+ characters")
        keys[int(version)] = secret.encode()
    return keys
