"""Successful attempts, written to SQLite in batches (group commit) instead of one by one.

A delivery that succeeded is recorded at the end of the event loop's current iteration
(or after ``delay`` seconds), together with every other success that finished in it, in one
transaction: under load many responses are read in one iteration, and the window in which
a crash forgets a success stays as short as committing each one would make it. ``record``
returns once its batch is committed, so a caller that acks a broker message after it never
acks an unrecorded success. A process that dies before the commit leaves the delivery
``pending``: it is sent again (same ``webhook-id``), which receivers deduplicate.
"""

from __future__ import annotations

import asyncio

from services.publisher.webhooks.models import Attempt
from services.publisher.webhooks.registry import EndpointRegistry

# 0: commit at the end of the loop iteration. A longer delay gathers bigger batches but
# widens the window in which a crash makes a delivery go out twice.
BATCH_DELAY = 0.0
BATCH_MAX = 500


class SuccessLog:
    """Group commits of successful attempts into the endpoint registry."""

    def __init__(self, registry: EndpointRegistry, *, delay: float = BATCH_DELAY,
                 max_batch: int = BATCH_MAX) -> None:
        self._registry = registry
        self._delay = delay
        self._max = max_batch
        self._batch: list[tuple[str, Attempt, str]] = []
        self._done: asyncio.Future[None] | None = None
        self._timer: asyncio.Handle | None = None

    async def record(self, delivery_id: str, attempt: Attempt, endpoint_id: str) -> None:
        """Add a success to the current batch; return when that batch is committed."""
        loop = asyncio.get_running_loop()
        if self._done is None:
            self._done = loop.create_future()
            self._timer = (loop.call_later(self._delay, self.flush) if self._delay > 0
                           else loop.call_soon(self.flush))
        done = self._done
        self._batch.append((delivery_id, attempt, endpoint_id))
        if len(self._batch) >= self._max:
            self.flush()
        await done

    def flush(self) -> None:
        """Commit the current batch now (also called at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
        batch, done = self._batch, self._done
        self._batch, self._done, self._timer = [], None, None
        if done is None:
            return
        try:
            self._registry.record_successes(batch)
        except Exception as exc:  # the waiters see it; their deliveries stay pending
            done.set_exception(exc)
            return
        done.set_result(None)
