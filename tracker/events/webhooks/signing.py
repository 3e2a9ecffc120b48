"""Standard Webhooks signatures: the secret, the ``webhook-*`` headers and their HMAC-SHA256.

A receiver recomputes ``v1,`` + base64(HMAC-SHA256(key, ``{webhook-id}.{webhook-timestamp}.{body}``))
with the key (the base64 after ``whsec_``) and compares it with the header in constant time.
"""
import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
#: Random bytes of a new signing key (the specification asks for 24 to 64).
KEY_BYTES = 32


def new_secret():
    """Return a new secret: ``whsec_`` and the base64 of random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def secret_key(secret):
    """Return the signing key (bytes) of a ``whsec_…`` secret."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret, message_id, timestamp, body):
    """Return the ``webhook-signature`` value of ``body`` (bytes) sent as ``message_id`` at ``timestamp``."""
    signed = b".".join([message_id.encode("ascii"), str(int(timestamp)).encode("ascii"), body])
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret, message_id, timestamp, body):
    """Return the three Standard Webhooks headers of a message."""
    timestamp = int(timestamp)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
