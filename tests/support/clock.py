"""A clock that stands still until a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# An arbitrary, fixed start: tests then read the same times on every run.
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class MovableClock:
    """A ``shared.clock.Clock`` whose time changes only by ``advance``."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        """Move the time forward by ``by``; returns the new time."""
        self.now += by
        return self.now
