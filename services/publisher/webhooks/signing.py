"""Standard Webhooks signing: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``.

Uses the ``standardwebhooks`` package, so receivers verify with the same library. During a
secret rotation both secrets sign (space-separated signatures, as the specification allows).
"""

from __future__ import annotations

import base64
import functools
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh ``whsec_<base64>`` secret (32 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature_headers(message_id: str, body: bytes, signing_secrets: Iterable[str],
                      now: datetime | None = None, *, text: str | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed with every given secret.

    ``text``: ``body`` decoded, when the caller has it already (it must be exactly that).
    """
    when = (now or datetime.now(UTC)).astimezone(UTC)
    text = body.decode("utf-8") if text is None else text
    signatures = [_signer(s).sign(msg_id=message_id, timestamp=when, data=text) for s in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


@functools.lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    """The signer for ``secret``, made once (it decodes the secret) rather than per delivery."""
    return Webhook(secret)
