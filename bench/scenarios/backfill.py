"""Scenario 5 (backfill): ``kamerstroom fetcher`` reads N SRU records from a local feed.

Timed from the fetcher's first request to the feed until the N-th raw document is on
``<ns>.raw`` (an exclusive queue bound to it counts them): records/s of a cold backfill,
pages and document fetches included. The baseline (``bench.rawfetch``, a subprocess)
does the same requests one at a time and publishes each body with a confirm, nothing
else. The issue sets no target for this figure.
"""

from __future__ import annotations

from bench import corpus
from bench.amqp import Counter, namespace_topology, new_namespace
from bench.context import Context
from bench.feed import SruFeed
from bench.process import Helper
from bench.results import Result, measured, unmeasured
from bench.sut import Sut, SutError

NAME = "backfill"
UNIT = "records/s"


async def run(ctx: Context) -> list[Result]:
    """One row: records/s."""
    count = ctx.sizes.backfill_records
    feed = SruFeed(corpus.letters(count, offset=60_000))
    await feed.start()
    try:
        baseline = await _raw(ctx, feed, count)
        feed.reset()
        return [await _measure(ctx, feed, count, baseline)]
    except (SutError, TimeoutError) as exc:
        return [unmeasured(NAME, UNIT, str(exc))]
    finally:
        await feed.stop()


async def _raw(ctx: Context, feed: SruFeed, count: int) -> float | None:
    namespace = new_namespace(f"{NAME}-raw")
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        counter = Counter(ctx.amqp_url, topology.raw)
        await counter.start()
        client = Helper("bench.rawfetch", ctx.amqp_url, topology.raw, feed.sru_url)
        await client.start()
        try:
            answer = await client.ask("go", 30.0 + count / 20)
            arrived = await counter.wait_for(count, 10.0)
        finally:
            await client.stop()
            await counter.stop()
    if answer != f"done {count}" or not arrived or feed.first_request_at is None:
        return None
    return count / (counter.arrivals[count - 1] - feed.first_request_at)


async def _measure(ctx: Context, feed: SruFeed, count: int, baseline: float | None) -> Result:
    namespace = new_namespace(NAME)
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        counter = Counter(ctx.amqp_url, topology.raw)
        await counter.start()
        sut = Sut("fetcher", namespace=namespace, amqp_url=ctx.amqp_url, workdir=ctx.workdir,
                  env={"KAMERSTROOM_OB_SRU_URL": feed.sru_url})
        try:
            await sut.start(wait_ready=False)
            arrived = await counter.wait_for(count, 30.0 + count / 20)
            sut.check_alive()
        finally:
            await sut.stop()
            await counter.stop()
    if not arrived or feed.first_request_at is None:
        raise SutError(f"only {len(counter.arrivals)} of {count} records reached {topology.raw}; "
                       f"log: {sut.log_tail()}")
    seconds = counter.arrivals[count - 1] - feed.first_request_at
    return measured(NAME, count / seconds, UNIT, baseline=baseline,
                    note=f"{count} records, {feed.requests} HTTP requests to the local feed")
