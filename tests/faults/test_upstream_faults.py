"""Fault 5: the upstream feed answers 500, 429, garbage and slowly before it heals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.messaging import Topology
from shared.messaging.rabbitmq import delete_topology
from tests.faults.rabbitnode import free_port
from tests.faults.support import DurableSubscriber, FlakyWebhook, report

SOURCE = "officielebekendmakingen"
FAULTS = ("500", "429", "garbage", "slow")
SLOW_SECONDS = 2.0  # longer than the fetcher's request timeout in this test
REQUEST_TIMEOUT = 0.5
POLL_INTERVAL = 0.2


class FaultyUpstream:
    """A proxy in front of the feed server that answers its first search requests badly.

    Each fault in ``faults`` is served once, in order, to a search (``/sru``) request; then
    every request passes through. The proxy's own address stays in the document links,
    so document fetches go through it too.
    """

    def __init__(self, upstream: str, faults: tuple[str, ...]) -> None:
        self._upstream = upstream
        self._pending = list(faults)
        self.served: list[str] = []
        self.search_requests = 0
        self.search_times: list[float] = []  # loop time each search request arrived
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/sru":
            self.search_requests += 1
            self.search_times.append(asyncio.get_running_loop().time())
            if self._pending:
                fault = self._pending.pop(0)
                self.served.append(fault)
                return await _answer_badly(fault, request, self._pass_through)
        return await self._pass_through(request)

    async def _pass_through(self, request: web.Request) -> web.Response:
        assert self._session is not None
        async with self._session.get(self._upstream + request.path_qs,
                                     headers={"Host": request.host}) as resp:
            body = await resp.read()
            return web.Response(status=resp.status, body=body,
                                content_type=resp.content_type)


async def _answer_badly(fault: str, request: web.Request, good: object) -> web.StreamResponse:
    if fault == "500":
        return web.Response(status=500, text="internal error")
    if fault == "429":
        return web.Response(status=429, text="slow down", headers={"Retry-After": "1"})
    if fault == "garbage":
        return web.Response(status=200, body=b"\x89PNG\r\n<<< not a search response",
                            content_type="application/xml")
    await asyncio.sleep(SLOW_SECONDS)  # "slow": the client gives up first
    return web.Response(status=504, text="too late")


@pytest.fixture
async def upstream(feed_server: FeedServer) -> AsyncIterator[FaultyUpstream]:
    """The faulty proxy in front of the local feed server."""
    proxy = FaultyUpstream(feed_server.url, FAULTS)
    await proxy.start()
    yield proxy
    await proxy.stop()


def _source_detail(runtime: Runtime) -> dict[str, Any]:
    """The source's entry in the ``/readyz`` detail (last success, queued, ...)."""
    detail: dict[str, Any] = runtime.server.readiness()[1]["fetcher.sources"]["detail"][SOURCE]
    return detail


async def _letters_of_a_healthy_feed(settings: Settings, feed_server: FeedServer,
                                     namespace: str, tmp_path: Path) -> set[str]:
    """The record ids the pipeline announces from the feed server when nothing fails."""
    receiver = FlakyWebhook(free_port())
    await receiver.start()
    config = settings.model_copy(update={
        "namespace": namespace, "sources": [SOURCE], "ob_sru_url": feed_server.sru_url,
        "webhook_urls": [receiver.url], "data_dir": tmp_path / "control",
        "database_url": None})  # state of its own: the faulty run's database must start empty
    runtime = Runtime.create(config, ("fetcher", "parser", "publisher"))
    try:
        await runtime.start()
        await wait_for(lambda: _source_detail(runtime)["last_success"] is not None, timeout=30)
        queued = int(_source_detail(runtime)["queued"])
        await wait_for(lambda: len(receiver.tally.distinct_subjects) >= queued, timeout=30)
    finally:
        await runtime.stop()
        await receiver.stop()
        await delete_topology(settings.amqp_url, Topology(namespace))
    return receiver.tally.distinct_subjects


@pytest.mark.timeout(150)
async def test_upstream_faults_do_not_crash_and_the_fetcher_recovers(
        namespace: str, settings: Settings, upstream: FaultyUpstream, feed_server: FeedServer,
        webhook: FlakyWebhook, subscriber: DurableSubscriber, tmp_path: Path) -> None:
    """After 500, 429, garbage and a timeout the fetcher still polls and every letter arrives once."""
    expected = await _letters_of_a_healthy_feed(settings, feed_server, f"{namespace}-control",
                                                tmp_path)
    config = settings.model_copy(update={
        "namespace": namespace, "sources": ["officielebekendmakingen"],
        "ob_sru_url": f"{upstream.url}/sru", "poll_interval": POLL_INTERVAL,
        "data_dir": tmp_path / "faulty",
        "request_timeout": REQUEST_TIMEOUT, "webhook_urls": [webhook.url]})
    runtime = Runtime.create(config, ("fetcher", "parser", "publisher"))
    await runtime.start()
    try:
        await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                       and expected <= subscriber.tally.distinct_subjects, timeout=90)
        await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
        async with aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{runtime.server.port}/healthz") as alive:
            alive_status = alive.status
        ready, checks = runtime.server.readiness()
    finally:
        await runtime.stop()
    figures = report("upstream faults", sent=len(expected), expected=expected,
                     webhook=webhook.tally, queue=subscriber.tally, dead=0)

    assert expected, "the healthy feed gave no letter to compare with"
    assert list(FAULTS) == upstream.served
    assert upstream.search_requests > len(FAULTS), "the fetcher stopped polling"
    assert _longest_pause_after_a_fault(upstream.search_times) > 2 * POLL_INTERVAL, (
        "no backoff: failed polls are retried at the normal poll interval")
    assert 200 == alive_status
    assert ready, checks
    assert 0 == figures["webhook_lost"]
    assert 0 == figures["queue_lost"]
    assert 0 == figures["webhook_redelivered"]
    assert 0 == figures["queue_redelivered"]


def _longest_pause_after_a_fault(times: list[float]) -> float:
    """The longest wait between a failed search (its answer, or the client's timeout) and the next."""
    ends = [t + (REQUEST_TIMEOUT if fault == "slow" else 0.0)
            for t, fault in zip(times, FAULTS, strict=False)]  # times has the later polls too
    return max(next_start - end for end, next_start in zip(ends, times[1:], strict=False))
