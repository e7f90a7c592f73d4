"""Waiting out a database outage inside a handler, instead of handing the message back.

A message handed back on every failed try would use up its queue's delivery limit within
seconds of an outage and be dead-lettered. So a store call that raises
``DatabaseUnavailable`` is tried again here, with backoff, while the message stays unacked
(nothing was committed, so nothing is acked). Only the call that failed is repeated: what
the handler did before it (a confirmed publish, say) is not done twice. When the service
starts shutting down the wait ends with ``ShuttingDown`` and the message goes back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from shared.db.connection import DatabaseUnavailable
from shared.errors import ShuttingDown

log = structlog.get_logger(__name__)
T = TypeVar("T")
FIRST_WAIT, LONGEST_WAIT = 0.1, 2.0


async def through_outage_sync(call: Callable[[], T], *, stopping: Callable[[], bool], what: str) -> T:
    """``through_outage`` for a plain (synchronous) store call."""
    try:  # the common case costs one call: no coroutine, no retry machinery
        return call()
    except DatabaseUnavailable as exc:
        _note_outage(exc, stopping, what)

    async def called() -> T:
        return call()

    return await _wait_out(called, stopping=stopping)


async def through_outage(call: Callable[[], Awaitable[T]], *, stopping: Callable[[], bool],
                         what: str) -> T:
    """``await call()``, again after each ``DatabaseUnavailable`` until it works.

    Raises ``ShuttingDown`` if ``stopping()`` turns true while the database is away.
    """
    try:
        return await call()
    except DatabaseUnavailable as exc:
        _note_outage(exc, stopping, what)
    return await _wait_out(call, stopping=stopping)


def _note_outage(exc: DatabaseUnavailable, stopping: Callable[[], bool], what: str) -> None:
    """Log the outage once (not once per try); end at once if shutdown has begun."""
    log.warning("database unavailable: waiting", what=what, error=str(exc))
    if stopping():
        raise ShuttingDown(f"shutting down while the database is away: {exc}") from exc


async def _wait_out(call: Callable[[], Awaitable[T]], *, stopping: Callable[[], bool]) -> T:
    """The tries after the first failed one, with backoff (the first wait is ``FIRST_WAIT``).

    Built only once a call has failed: a tenacity loop per store call cost 15 us each,
    three times per letter.
    """
    def stop_when_stopping(_: RetryCallState) -> bool:
        return stopping()

    await asyncio.sleep(FIRST_WAIT)
    retrying = AsyncRetrying(retry=retry_if_exception_type(DatabaseUnavailable),
                             wait=wait_exponential(multiplier=2 * FIRST_WAIT, max=LONGEST_WAIT),
                             stop=stop_when_stopping, reraise=True)
    try:
        async for attempt in retrying:
            with attempt:
                return await call()
    except DatabaseUnavailable as exc:
        raise ShuttingDown(f"shutting down while the database is away: {exc}") from exc
    raise AssertionError("unreachable: tenacity returns or raises")
