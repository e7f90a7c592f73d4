"""Times as the stores write them: ISO 8601 text in UTC with milliseconds and a ``Z``.

One format on both backends, so text comparison orders by time and the read API shows the
same strings whichever database holds them (the format of SQLite's
``strftime('%Y-%m-%dT%H:%M:%fZ')``, which older rows were written with).
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.clock import Clock, system_clock

__all__ = ["Clock", "stamp", "system_clock"]


def stamp(when: datetime) -> str:
    """``when`` as stored text (a naive time is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
