"""Name-based ids: ``uuid.uuid5`` as text, three times faster.

``str(uuid.uuid5(ns, name))`` builds a ``UUID`` object, checks its fields and formats it in
Python: about 2.7 µs, of which the SHA-1 is a tenth. A fan-out names one delivery per
endpoint, so a thousand endpoints spent 3 ms of every event there. The tests check that
this gives the very same text for any name, so ids stored by either stay valid.
"""

from __future__ import annotations

import hashlib
import uuid


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """Exactly ``str(uuid.uuid5(namespace, name))``."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
