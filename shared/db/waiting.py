"""Waiting out a database outage inside a handler, instead of handing the message back.

A message handed back on every failed try would use up its queue's delivery limit within
seconds of an outage and be dead-lettered. So a store call that raises
``DatabaseUnavailable`` is tried again here, with backoff, while the message stays unacked
(nothing was committed, so nothing is acked). Only the call that failed is repeated: what
the handler did before it (a confirmed publish, say) is not done twice. When the service
starts shutting down the wait ends with ``ShuttingDown`` and the message goes back.
"""

from __future__ import annotations

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
    async def called() -> T:
        return call()

    return await through_outage(called, stopping=stopping, what=what)


async def through_outage(call: Callable[[], Awaitable[T]], *, stopping: Callable[[], bool],
                         what: str) -> T:
    """``await call()``, again after each ``DatabaseUnavailable`` until it works.

    Raises ``ShuttingDown`` if ``stopping()`` turns true while the database is away.
    """
    def stop_when_stopping(_: RetryCallState) -> bool:
        return stopping()

    def note(state: RetryCallState) -> None:
        if state.attempt_number == 1:  # once per outage, not once per try
            error = state.outcome.exception() if state.outcome is not None else None
            log.warning("database unavailable: waiting", what=what, error=str(error))

    retrying = AsyncRetrying(retry=retry_if_exception_type(DatabaseUnavailable),
                             wait=wait_exponential(multiplier=FIRST_WAIT, max=LONGEST_WAIT),
                             stop=stop_when_stopping, before_sleep=note, reraise=True)
    try:
        async for attempt in retrying:
            with attempt:
                return await call()
    except DatabaseUnavailable as exc:
        raise ShuttingDown(f"shutting down while the database is away: {exc}") from exc
    raise AssertionError("unreachable: tenacity returns or raises")
