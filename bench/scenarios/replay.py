"""Scenario 8 (replay): a late subscriber replays N stored events from ``<ns>.events.log``.

N events are published to ``<ns>.events`` of a fresh namespace (the stream keeps them),
then two readers each read all N from the stream's first offset, timed from their start
(connection included) to the N-th event:

- kamerstroom: ``kamerstroom.replay.StreamSubscriber`` with the bindings ``#`` matched on
  the client, each event handed on as ``subscribe`` prints it (a JSON line, written
  nowhere);
- raw: the aio-pika consumer of docs/events.md: the same prefetch, ``x-stream-offset``
  ``first``, ``json.loads`` of each body and one manual ack per message (kamerstroom
  acks a batch at once: on a stream an ack only returns credit).

They alternate for a few rounds; each side's figure is its median round, so load that
drifts during the scenario weighs on both alike. Target: replay ≥ 0.7 × raw.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bench import corpus
from bench.amqp import namespace_topology, new_namespace, publish_many
from bench.context import Context
from bench.goal import Goal
from bench.results import Result, measured, unmeasured
from kamerstroom.receivers import Received
from kamerstroom.replay import ACK_EVERY, REPLAY_PREFETCH, StreamStart, StreamSubscriber

NAME = "replay"
UNIT = "events/s"
TARGET = 0.7
ROUNDS = 3
ROUTING_KEY = "kamerbrief.published.def"

Reader = Callable[[str, str, int], Awaitable[float]]


async def run(ctx: Context) -> list[Result]:
    """One row: events/s replayed by kamerstroom, beside the raw consumer."""
    count = ctx.sizes.replay_events
    namespace = new_namespace(NAME)
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        bodies = events(count)
        await publish_many(ctx.amqp_url, topology.events, bodies, ROUTING_KEY)
        ours: list[float] = []
        raw: list[float] = []
        try:
            for _ in range(ROUNDS):
                raw.append(await _raw_reader(ctx.amqp_url, topology.event_log, count))
                ours.append(await _our_reader(ctx.amqp_url, topology.event_log, count))
        except TimeoutError as exc:
            return [unmeasured(NAME, UNIT, f"a reader did not get {count} events: {exc}",
                               target=TARGET, target_kind="min_ratio")]
    size = sum(map(len, bodies)) // count
    return [measured(NAME, statistics.median(ours), UNIT, baseline=statistics.median(raw),
                     target=TARGET, target_kind="min_ratio",
                     note=f"{count} events of {size:,} bytes from offset first, prefetch "
                          f"{REPLAY_PREFETCH}; kamerstroom acks every {ACK_EVERY} (multiple), "
                          f"raw each message; median of {ROUNDS} alternating rounds "
                          f"(kamerstroom {_span(ours)}, raw {_span(raw)})")]


def events(count: int) -> list[bytes]:
    """``count`` CloudEvents shaped like the publisher's, with real letter text as data."""
    text = re.sub(r"<[^>]+>|\s+", " ", corpus.kst_documents()[0].decode("utf-8", "replace"))
    return [json.dumps({
        "specversion": "1.0", "id": f"bench-{n}", "source": "https://kamerstroom.nl",
        "type": "nl.kamerstroom.kamerbrief.published", "subject": f"kst-36124-{n}",
        "time": "2026-11-27T09:00:03.120000Z", "datacontenttype": "application/json",
        "replay": False,
        "data": {"id": f"kst-36124-{n}", "version": 1, "title": text[:120],
                 "ministry": {"code": "def"}, "document_date": "2026-11-27",
                 "sections": [{"heading": "1", "text": text[:3000]}]},
    }, ensure_ascii=False).encode() for n in range(count)]


async def _our_reader(amqp_url: str, stream: str, count: int) -> float:
    goal = Goal()
    seen = 0

    def show(item: Received) -> None:
        nonlocal seen
        json.dumps(item.body, ensure_ascii=False)  # what `subscribe` prints
        seen += 1
        goal.observe(seen)

    started = time.perf_counter()
    subscriber = StreamSubscriber(amqp_url, stream, StreamStart("first"), on_event=show)
    await subscriber.start()
    try:
        if not await goal.wait(count, seen, _timeout(count)):
            raise TimeoutError(f"kamerstroom got {seen}")
        return count / (time.perf_counter() - started)
    finally:
        await subscriber.stop()


async def _raw_reader(amqp_url: str, stream: str, count: int) -> float:
    goal = Goal()
    seen = 0

    async def on_message(message: AbstractIncomingMessage) -> None:
        nonlocal seen
        json.loads(message.body)
        seen += 1
        goal.observe(seen)
        await message.ack()

    started = time.perf_counter()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=REPLAY_PREFETCH)
        queue = await channel.declare_queue(stream, passive=True)
        await queue.consume(on_message, arguments={"x-stream-offset": "first"})
        if not await goal.wait(count, seen, _timeout(count)):
            raise TimeoutError(f"raw got {seen}")
        return count / (time.perf_counter() - started)


def _timeout(count: int) -> float:
    return 10.0 + count / 500


def _span(figures: list[float]) -> str:
    return f"{min(figures):,.0f}–{max(figures):,.0f}"
