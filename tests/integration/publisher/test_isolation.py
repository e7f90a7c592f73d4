"""A slow endpoint never delays the others, and never gets more than its concurrency limit."""

from __future__ import annotations

import asyncio

import pytest

from kamerstroom.receivers import wait_for
from shared.config import Settings
from tests.integration.publisher.conftest import Publisher, ScriptedReceiver
from tests.unit.publisher.letters import document, other_letter


@pytest.fixture
def publisher_settings(publisher_settings: Settings) -> Settings:
    """A long webhook timeout, so the slow endpoint keeps its requests open until released."""
    return publisher_settings.model_copy(update={"webhook_timeout": 15.0})


async def test_slow_endpoint_does_not_delay_a_fast_one(publisher: Publisher, receivers) -> None:
    """While a slow endpoint holds four requests open, a fast one receives all six events."""
    gate = asyncio.Event()
    slow: ScriptedReceiver = await receivers(gate=gate)
    fast: ScriptedReceiver = await receivers()
    slow_endpoint = await publisher.add_endpoint(slow.url)
    await publisher.add_endpoint(fast.url)
    for n in range(6):
        await publisher.feed(document(other_letter(str(100 + n))))
    both = await wait_for(lambda: len(fast.requests) >= 6 and slow.in_flight >= 4, timeout=20)
    slow_requests_while_held = len(slow.requests)
    gate.set()
    assert both
    assert 4 == slow_requests_while_held
    assert await wait_for(lambda: len(slow.requests) >= 6, timeout=20)
    code, body = await publisher.call("GET", f"/v1/endpoints/{slow_endpoint['id']}/deliveries")
    assert (200, 6) == (code, len(body["data"]))
