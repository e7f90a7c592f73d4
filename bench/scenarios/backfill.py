"""Scenario 5 (backfill): ``kamerstroom fetcher`` reads N SRU records from a local feed.

Timed from the fetcher's first request to the feed until the N-th raw document is on
``<ns>.raw`` (an exclusive queue bound to it counts them): records/s of a cold backfill,
pages and document fetches included. No baseline: the figure is held to no target.
"""

from __future__ import annotations

from bench import corpus
from bench.amqp import Counter, namespace_topology, new_namespace
from bench.context import Context
from bench.feed import SruFeed
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
        return [await _measure(ctx, feed, count)]
    except (SutError, TimeoutError) as exc:
        return [unmeasured(NAME, UNIT, str(exc))]
    finally:
        await feed.stop()


async def _measure(ctx: Context, feed: SruFeed, count: int) -> Result:
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
    return measured(NAME, count / seconds, UNIT,
                    note=f"{count} records, {feed.requests} HTTP requests to the local feed")
