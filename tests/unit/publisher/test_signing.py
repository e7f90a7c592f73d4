"""Standard Webhooks signatures, verified with the ``standardwebhooks`` library itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.publisher.webhooks.signing import new_secret, signature_headers

BODY = b'{"id":"e1","type":"nl.kamerstroom.kamerbrief.published"}'


def test_signed_message_verifies() -> None:
    """A receiver verifies our headers with the same library and gets the payload back."""
    secret = new_secret()
    headers = signature_headers("e1", BODY, [secret])
    expected = {"id": "e1", "type": "nl.kamerstroom.kamerbrief.published"}
    assert expected == Webhook(secret).verify(BODY, headers)
    assert "e1" == headers["webhook-id"]


def test_tampered_body_fails() -> None:
    """Changing one byte of the body breaks the signature."""
    secret = new_secret()
    headers = signature_headers("e1", BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"e1", b"e2"), headers)


def test_old_timestamp_fails() -> None:
    """A signature from ten minutes ago is refused as a replay."""
    secret = new_secret()
    headers = signature_headers("e1", BODY, [secret], now=datetime.now(UTC) - timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


def test_other_secret_fails() -> None:
    """Another endpoint's secret does not verify."""
    headers = signature_headers("e1", BODY, [new_secret()])
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_rotation_signs_with_both_secrets() -> None:
    """While rotating, receivers holding either secret verify."""
    old, new = new_secret(), new_secret()
    headers = signature_headers("e1", BODY, [new, old])
    assert 2 == len(headers["webhook-signature"].split(" "))
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)


def test_secret_format() -> None:
    """Secrets are ``whsec_`` and base64 of 32 bytes, and differ every time."""
    a, b = new_secret(), new_secret()
    assert a.startswith("whsec_")
    assert a != b


@pytest.mark.parametrize("body", [BODY, "{\"title\":\"Brief over één onderwerp ✓\"}".encode(), b"x" * 20_000])
def test_signature_is_the_packages_own(body: bytes) -> None:
    """Our one-call HMAC gives exactly the signature ``standardwebhooks`` computes (ASCII,
    UTF-8 and a large body alike)."""
    secret, when = new_secret(), datetime(2026, 11, 28, 9, 30, 15, 900_000, tzinfo=UTC)
    headers = signature_headers("e1", body, [secret], now=when)
    expected = Webhook(secret).sign(msg_id="e1", timestamp=when, data=body.decode())
    assert (expected, str(int(when.timestamp()))) == (headers["webhook-signature"],
                                                      headers["webhook-timestamp"])


def test_unpadded_secret_reads_as_the_package_reads_it() -> None:
    """A secret stored without its base64 padding still signs verifiably."""
    secret = "whsec_" + new_secret().removeprefix("whsec_").rstrip("=")
    headers = signature_headers("e1", BODY, [secret])
    Webhook(secret).verify(BODY, headers)
