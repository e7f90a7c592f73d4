"""Opaque, tamper-evident cursors: where a page ended, signed with the deployment's key.

A cursor is ``base64url(json).base64url(hmac-sha256)``; it names the last letter of the
page (its stored time and id) and the digest of the query's filters, so it cannot be
edited, forged with another deployment's key, or reused with other filters (``BadCursor``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

Position = tuple[str, str]  # (updated_at, letter_id) of the last letter shown


class BadCursor(ValueError):
    """The cursor was not made by this deployment for this query."""


class CursorCodec:
    """Makes and checks cursors with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, position: Position, fingerprint: str) -> str:
        payload = json.dumps({"u": position[0], "i": position[1], "f": fingerprint},
                             separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, cursor: str, fingerprint: str) -> Position:
        """The position in ``cursor``; ``BadCursor`` if it is malformed, tampered or for other filters."""
        head, _, tail = cursor.partition(".")
        try:
            payload, signature = _unb64(head), _unb64(tail)
        except (binascii.Error, ValueError):
            raise BadCursor("cursor is malformed: pass next_cursor back as it was given") from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise BadCursor("cursor was altered or is not from this server")
        data = json.loads(payload)
        if data.get("f") != fingerprint:
            raise BadCursor("cursor belongs to a query with other filters")
        return str(data["u"]), str(data["i"])

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:18]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
