"""A failing source never stops the others, and its state shows in the readiness detail."""

from __future__ import annotations

from typing import Any

from kamerstroom.receivers import wait_for
from services.fetcher.service import FetcherService
from tests.integration.fetcher.conftest import FAST, Harness


def detail(service: FetcherService) -> dict[str, Any]:
    ok, value = service.checks()["fetcher.sources"]()
    assert ok
    assert isinstance(value, dict)
    return value


async def test_a_failing_feed_does_not_stop_the_others(harness: Harness) -> None:
    """With the SyncFeed answering 500 the other feeds are polled and queued all the same."""
    harness.server.faults.add("/SyncFeed/", "500", times=None)
    service = harness.service()
    await service.start()
    try:
        settled = await wait_for(lambda: all(
            s.last_success is not None or s.consecutive_failures > 0
            for s in service.states.values()), timeout=30)
        states = detail(service)
    finally:
        await service.stop()
    queued = {m.routing_key for m in await harness.raw()}

    assert settled
    assert {"officielebekendmakingen"} == queued
    assert 1 == states["tweedekamer"]["consecutive_failures"]
    assert "answered 500" in states["tweedekamer"]["last_error"]
    assert states["tweedekamer"]["last_success"] is None
    assert (0, 1) == (states["officielebekendmakingen"]["consecutive_failures"],
                      states["officielebekendmakingen"]["queued"])
    assert states["officielebekendmakingen"]["last_success"] is not None
    assert "2025-10-03" == states["officielebekendmakingen"]["checkpoint"]


async def test_a_feed_recovers_on_the_next_poll(harness: Harness) -> None:
    """A source that failed once succeeds on its next poll and its failure count resets."""
    harness.server.faults.add("/sru", "500", times=FAST.attempts)  # all of the first poll
    service = harness.service(interval=0.1)
    await service.start()
    try:
        recovered = await wait_for(
            lambda: service.states["officielebekendmakingen"].queued == 1, timeout=30)
        state = detail(service)["officielebekendmakingen"]
    finally:
        await service.stop()

    assert recovered
    assert (0, None) == (state["consecutive_failures"], state["last_error"])
    assert state["last_success"] is not None
