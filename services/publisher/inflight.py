"""Counting handlers in flight, so ``stop()`` can wait for them before closing the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class InFlight:
    """``with tracker: ...`` around each handler; ``await tracker.drained()`` waits for zero."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def track(self) -> Iterator[None]:
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if not self._count:
                self._idle.set()

    async def drained(self) -> None:
        await self._idle.wait()
