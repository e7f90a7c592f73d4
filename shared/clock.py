"""Where the services read the time: a ``Clock`` passed in, so tests can move time instead of sleeping.

A clock is any callable returning an aware ``datetime`` in UTC. Stores and the webhook
dispatcher take one as ``clock=`` and read the time only through it; production code
passes nothing and gets ``system_clock``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall-clock time now, in UTC."""
    return datetime.now(UTC)
