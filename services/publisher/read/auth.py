"""Who may read: ``KAMERSTROOM_READ_TOKEN`` as a Bearer token, or as the password of HTTP Basic.

Basic (any user name) is there for feed readers and browsers, which cannot send a Bearer
header but prompt for a password. With ``KAMERSTROOM_READ_PUBLIC=true`` no token is
needed; with neither set, every read is refused (401) saying how to turn reads on.
Tokens are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

CHALLENGE = 'Bearer realm="kamerstroom-read", Basic realm="kamerstroom-read", charset="UTF-8"'


@dataclass(frozen=True)
class ReadAccess:
    """The read settings; ``refusal`` says why a request may not read, or ``None``."""

    token: str | None
    public: bool

    def refusal(self, authorization: str | None) -> str | None:
        if self.public:
            return None
        if not self.token:
            return ("reads are off: start the publisher with KAMERSTROOM_READ_TOKEN "
                    "(or KAMERSTROOM_READ_PUBLIC=true)")
        given = _token(authorization or "")
        if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
            return "send Authorization: Bearer <KAMERSTROOM_READ_TOKEN> (or Basic with it as password)"
        return None


def _token(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return None
