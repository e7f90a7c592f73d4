"""The polite HTTP client against injected faults on a real loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from structlog.testing import capture_logs

from kamerstroom.feedserver import FeedServer
from services.fetcher.http import HttpOptions, PoliteClient
from shared.errors import RetryLater, Unprocessable
from shared.version import USER_AGENT
from tests.integration.fetcher.conftest import FAST

PATH = "/sru"


@pytest.fixture
async def client() -> AsyncIterator[PoliteClient]:
    """A client with fast retries (three attempts, a one-second timeout)."""
    async with PoliteClient.session() as session:
        yield PoliteClient(session, FAST)


async def test_429_waits_as_long_as_retry_after_says(feed_server: FeedServer,
                                                     client: PoliteClient) -> None:
    """A 429 with ``Retry-After: 1`` is retried after exactly that wait, then succeeds."""
    feed_server.faults.add(PATH, "429")
    with capture_logs() as logs:
        response = await client.get(feed_server.url + PATH)
    waits = [e["wait"] for e in logs if e["event"] == "request failed, retrying"]

    assert 200 == response.status
    assert [1.0] == waits


async def test_500_then_success(feed_server: FeedServer, client: PoliteClient) -> None:
    """A 500 is retried with backoff and the second answer is returned."""
    feed_server.faults.add(PATH, "500")
    response = await client.get(feed_server.url + PATH)
    assert (200, 2) == (response.status, client.requests)


async def test_connection_reset_is_retried(feed_server: FeedServer, client: PoliteClient) -> None:
    """A connection closed without an answer is retried and then succeeds."""
    feed_server.faults.add(PATH, "reset")
    response = await client.get(feed_server.url + PATH)
    assert (200, 2) == (response.status, len(feed_server.faults.requests))


async def test_slower_than_the_timeout_is_retried(feed_server: FeedServer,
                                                  client: PoliteClient) -> None:
    """An answer slower than the timeout counts as a failed attempt; the next one succeeds."""
    feed_server.faults.add(PATH, "slow")
    response = await client.get(feed_server.url + PATH)
    assert (200, 2) == (response.status, client.requests)


async def test_persistent_5xx_gives_retry_later(feed_server: FeedServer,
                                                client: PoliteClient) -> None:
    """When every attempt fails the caller is told to retry later."""
    feed_server.faults.add(PATH, "500", times=None)
    with pytest.raises(RetryLater, match="answered 500"):
        await client.get(feed_server.url + PATH)
    assert FAST.attempts == client.requests


async def test_truncated_body_becomes_unreadable(feed_server: FeedServer,
                                                 client: PoliteClient) -> None:
    """A body cut off on every attempt is unprocessable with reason unreadable-body."""
    feed_server.faults.add(PATH, "truncated", times=None)
    with pytest.raises(Unprocessable) as caught:
        await client.get(feed_server.url + PATH)
    assert "unreadable-body" == caught.value.reason


async def test_oversize_body_is_refused_without_retry(feed_server: FeedServer,
                                                      client: PoliteClient) -> None:
    """A body over ``max_bytes`` is unprocessable at once (too-large), not retried."""
    feed_server.faults.add(PATH, "oversize", times=None)
    with pytest.raises(Unprocessable) as caught:
        await client.get(feed_server.url + PATH)
    assert ("too-large", 1) == (caught.value.reason, client.requests)


async def test_conditional_get_reuses_the_cached_answer(feed_server: FeedServer,
                                                        client: PoliteClient) -> None:
    """A second conditional GET is answered 304 and returns the cached body."""
    first = await client.get(feed_server.url + PATH, conditional=True)
    second = await client.get(feed_server.url + PATH, conditional=True)
    assert (False, True, first.body) == (first.not_modified, second.not_modified, second.body)


async def test_user_agent_names_the_product(feed_server: FeedServer, client: PoliteClient) -> None:
    """Requests carry our User-Agent with the product name and version."""
    await client.get(feed_server.url + PATH)
    assert [USER_AGENT] == feed_server.faults.user_agents


async def test_requests_to_one_host_keep_the_minimum_interval(feed_server: FeedServer) -> None:
    """With a minimum interval, the second request to a host arrives no sooner than that."""
    options: HttpOptions = replace(FAST, min_interval=0.3)
    async with PoliteClient.session() as session:
        client = PoliteClient(session, options)
        await client.get(feed_server.url + PATH)
        await client.get(feed_server.url + PATH)
    first, second = feed_server.faults.arrivals
    assert second - first >= 0.3
