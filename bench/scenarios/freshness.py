"""Scenario 6 (freshness): from a letter becoming visible upstream to its webhook delivery.

``kamerstroom run`` polls a local SRU feed (``bench.feed``) live, with one webhook endpoint
on loopback. The harness reveals letters on the feed one by one at random moments spread
over several poll intervals; a letter's freshness is from the moment it became visible
until its event reaches the receiver (same process, same clock). The wait for the next poll
is part of it by design: that is what a subscriber feels.

The poll interval is scaled down (``POLL_SECONDS``) so a run takes a minute, not an hour;
the target scales with it: p99 ≤ poll interval + 2 s, as for the real defaults (15 s for the
Tweede Kamer, 60 s for the SRU). There is no baseline: the floor is the poll interval.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from bench import corpus
from bench.amqp import namespace_topology, new_namespace
from bench.context import Context
from bench.endpoints import start_with_endpoints
from bench.feed import SruFeed
from bench.receiver import Receivers
from bench.results import Result, measured, unmeasured
from bench.scenarios.latency import percentile
from bench.sut import SutError

NAME = "freshness/p99"
POLL_SECONDS = 3.0
SLACK_SECONDS = 2.0
INTERVALS = 8  # letters are revealed over this many poll intervals


async def run(ctx: Context) -> list[Result]:
    """Rows: p50 and p99 (held to poll interval + 2 s) in seconds."""
    count = 3 if ctx.quick else 40
    intervals = 2 if ctx.quick else INTERVALS
    target = POLL_SECONDS + SLACK_SECONDS
    feed = SruFeed([])
    receivers = Receivers(1)
    await feed.start()
    await receivers.start()
    try:
        seconds = await _measure(ctx, feed, receivers, count, intervals)
    except (SutError, TimeoutError) as exc:
        return [unmeasured(NAME, "s", str(exc), target=target, target_kind="max_value")]
    finally:
        await receivers.stop()
        await feed.stop()
    note = (f"{count} letters revealed at random over {intervals} poll intervals of "
            f"{POLL_SECONDS:g} s; target poll interval + {SLACK_SECONDS:g} s")
    return [measured("freshness/p50", percentile(seconds, 50), "s", note=note),
            measured(NAME, percentile(seconds, 99), "s", target=target, target_kind="max_value",
                     note=note)]


async def _measure(ctx: Context, feed: SruFeed, receivers: Receivers, count: int,
                   intervals: int) -> list[float]:
    letters = corpus.letters(count, offset=80_000)
    namespace = new_namespace("freshness")
    async with namespace_topology(ctx.amqp_url, namespace):
        registered = await start_with_endpoints(
            "run", receivers.urls, namespace=namespace, amqp_url=ctx.amqp_url, workdir=ctx.workdir,
            env={"KAMERSTROOM_SOURCES": "officielebekendmakingen",
                 "KAMERSTROOM_OB_SRU_URL": feed.sru_url,
                 "KAMERSTROOM_POLL_INTERVAL": str(POLL_SECONDS),
                 "KAMERSTROOM_REQUEST_INTERVAL": "0"})
        try:
            await _reveal(feed, letters, intervals * POLL_SECONDS)
            if not await receivers.wait_for(count, POLL_SECONDS * 3 + 30):
                raise SutError(f"only {len(receivers.arrivals)} of {count} letters were delivered; "
                               f"log: {registered.sut.log_tail()}")
            registered.sut.check_alive()
        finally:
            await registered.sut.stop()
    arrived = {_subject(a.body): a.at for a in receivers.arrivals}
    return sorted(arrived[key] - at for key, at in feed.revealed.items() if key in arrived)


async def _reveal(feed: SruFeed, letters: list[corpus.Letter], span: float) -> None:
    """Reveal each letter at a random moment within ``span`` seconds from now."""
    rng = random.Random(20261202)  # the same schedule every run, so runs compare
    moments = sorted(rng.uniform(0, span) for _ in letters)
    start = time.perf_counter()
    for moment, letter in zip(moments, letters, strict=True):
        await asyncio.sleep(max(0.0, start + moment - time.perf_counter()))
        feed.reveal(letter)


def _subject(body: bytes) -> str:
    event = json.loads(body)
    return str(event.get("subject") or "")
