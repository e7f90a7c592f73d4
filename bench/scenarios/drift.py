"""Scenario 7 (drift): how long a changed upstream format goes unnoticed.

``kamerstroom fetcher`` (a subprocess) polls the project's own replay of both feeds
(``kamerstroom.feedserver``) with a scaled poll interval. Once both sources have polled
successfully, the harness switches one feed to a changed format (the SyncFeed's entities in
a renamed namespace; the SRU answering in an unknown namespace) and times until the
fetcher's ``/readyz`` shows drift for that source. Each feed is switched in its own round,
``ROUNDS`` rounds each; the figure is the slowest round. The target is one poll interval
plus 2 s: drift is seen on the first poll after the change.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bench.amqp import namespace_topology, new_namespace
from bench.context import Context
from bench.results import Result, measured, unmeasured
from bench.sut import Sut, SutError
from kamerstroom.feedserver import FeedServer

NAME = "drift/detection"
POLL_SECONDS = 3.0
SLACK_SECONDS = 2.0
ROUNDS = 3


async def run(ctx: Context) -> list[Result]:
    """One row: the slowest detection in seconds, held to the poll interval plus 2 s."""
    target = POLL_SECONDS + SLACK_SECONDS
    rounds = 1 if ctx.quick else ROUNDS
    try:
        seconds = [s for _ in range(rounds) for s in await _round(ctx)]
    except (SutError, TimeoutError) as exc:
        return [unmeasured(NAME, "s", str(exc), target=target, target_kind="max_value")]
    note = (f"{len(seconds)} changes ({rounds} per feed) at a {POLL_SECONDS:g} s poll interval; "
            f"each {', '.join(f'{s:.2f}' for s in seconds)} s")
    return [measured(NAME, max(seconds), "s", target=target, target_kind="max_value", note=note)]


async def _round(ctx: Context) -> list[float]:
    """Detection times for the SyncFeed and the SRU, each switched while the other is fine."""
    feeds = FeedServer()
    await feeds.start()
    namespace = new_namespace("drift")
    try:
        async with namespace_topology(ctx.amqp_url, namespace):
            sut = Sut("fetcher", namespace=namespace, amqp_url=ctx.amqp_url, workdir=ctx.workdir,
                      env={"KAMERSTROOM_SOURCES": "officielebekendmakingen,tweedekamer",
                           "KAMERSTROOM_OB_SRU_URL": feeds.sru_url,
                           "KAMERSTROOM_TK_API_URL": feeds.tk_url,
                           "KAMERSTROOM_START_DATE": feeds.earliest_day().isoformat(),
                           "KAMERSTROOM_POLL_INTERVAL": str(POLL_SECONDS),
                           "KAMERSTROOM_REQUEST_INTERVAL": "0"})
            await sut.start()
            try:
                await _until(sut, lambda s: all(v.get("last_success") for v in s.values()))
                tk = await _switch(sut, "tweedekamer", lambda: _rename_namespace(feeds))
                sru = await _switch(sut, "officielebekendmakingen",
                                    lambda: feeds.faults.add("/sru", "unknown-namespace", times=None))
                sut.check_alive()
            finally:
                await sut.stop()
    finally:
        await feeds.stop()
    return [tk, sru]


def _rename_namespace(feeds: FeedServer) -> None:
    """Entities in a renamed namespace from now on, and one letter changed upstream: an
    entity's format can only show in an entry, and a quiet feed has none to show."""
    data = feeds.tweedekamer
    data.drift = "namespace"
    data.revise(data.letters[0])


async def _switch(sut: Sut, source: str, change: Any) -> float:
    started = time.perf_counter()
    change()
    await _until(sut, lambda s: bool(s[source].get("drift")))
    return time.perf_counter() - started


async def _until(sut: Sut, done: Any, timeout: float = POLL_SECONDS * 4 + 30) -> None:
    """Poll the fetcher's readiness detail every 50 ms until ``done(sources)``."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            sut.check_alive()
            async with session.get(f"{sut.base_url}/readyz") as response:
                checks = (await response.json()).get("checks", {})
            sources = (checks.get("fetcher.sources") or {}).get("detail") or {}
            if sources and done(sources):
                return
            await asyncio.sleep(0.05)
    raise SutError(f"readiness did not show it within {timeout:.0f}s: {sut.log_tail()}")
