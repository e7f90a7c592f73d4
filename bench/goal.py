"""Waiting until a growing count of arrivals reaches a goal (broker or webhook receivers)."""

from __future__ import annotations

import asyncio


class Goal:
    """Wakes ``wait`` once ``observe`` reports a count at or past the goal.

    One goal at a time; a later, higher goal can be waited for after an earlier one.
    """

    def __init__(self) -> None:
        self._goal = 0
        self._reached = asyncio.Event()

    def observe(self, count: int) -> None:
        """Call after every arrival with the new count."""
        if self._goal and count >= self._goal:
            self._reached.set()

    async def wait(self, goal: int, count: int, timeout: float) -> bool:
        """Wait until ``goal`` arrivals (``count`` so far) or ``timeout``; whether reached."""
        self._goal = goal
        if count >= goal:
            return True
        self._reached.clear()  # a goal reached before does not count for this one
        try:
            async with asyncio.timeout(timeout):
                await self._reached.wait()
        except TimeoutError:
            return False
        return True
