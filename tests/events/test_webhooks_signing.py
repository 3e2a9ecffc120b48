"""Standard Webhooks signatures, checked against the specification's example and its PyPI library."""
import base64
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tracker.core.time import utcnow
from tracker.events.webhooks import signing

#: The example of the Standard Webhooks specification (spec/standard-webhooks.md, "Signature scheme").
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_of_the_specifications_example():
    assert signing.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_new_secret_is_whsec_and_base64_of_enough_random_bytes():
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    key = base64.b64decode(first.removeprefix("whsec_"), validate=True)
    assert 24 <= len(key) <= 64


def test_the_headers_verify_with_the_standardwebhooks_library():
    secret, body = signing.new_secret(), '{"id":1,"type":"checkin.recorded","payload":{"x":"Đắk Lắk"}}'.encode()
    headers = signing.headers(secret, "msg_abc", utcnow().timestamp(), body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-timestamp"].isdigit()
    assert Webhook(secret).verify(body, headers) == {"id": 1, "type": "checkin.recorded", "payload": {"x": "Đắk Lắk"}}


def test_the_library_signs_the_same_as_we_do():
    secret, at = signing.new_secret(), datetime(2025, 8, 20, 1, 2, 3, tzinfo=UTC)
    assert signing.sign(secret, "msg_1", at.timestamp(), b"{}") == Webhook(secret).sign("msg_1", at, "{}")


@pytest.mark.parametrize("change", ["body", "id", "timestamp", "secret"])
def test_any_change_breaks_the_signature(change):
    secret, body = signing.new_secret(), b'{"id":1}'
    headers = signing.headers(secret, "msg_abc", utcnow().timestamp(), body)
    if change == "body":
        body = b'{"id":2}'
    elif change == "id":
        headers["webhook-id"] = "msg_abd"
    elif change == "timestamp":
        headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) - 1)
    else:
        secret = signing.new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)
