"""Scenario 2 (latency): a steady rate of letters; fetch-to-webhook-delivered percentiles.

``kamerstroom run`` (a subprocess) with one webhook endpoint on loopback. The harness plays
the fetcher: at a fixed rate it stamps a distinct raw document and publishes it to
``<ns>.raw``; the latency of a letter is from that stamp until its event reaches the
webhook receiver (same process, same clock). The schedule is absolute, so a slow publish
does not lower the offered rate afterwards.

The baseline is the broker's own share: the same letters at the same rate through the raw
relay (``bench.relay``, the pipeline's three queues, no webhook hop), timed from the same
stamp to arrival on ``<ns>.events``. It is not a target, it says how much of the tail the
broker and the machine account for in this run.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import UTC, datetime
from typing import Any

from bench import corpus
from bench.amqp import Counter, Publisher, namespace_topology, new_namespace
from bench.context import Context
from bench.corpus import Letter
from bench.endpoints import start_with_endpoints
from bench.process import Helper
from bench.receiver import Arrival, Receivers
from bench.results import Result, measured, unmeasured
from bench.sut import SutError

TARGET_P99_MS = 50.0
DRAIN_SECONDS = 30.0


async def run(ctx: Context) -> list[Result]:
    """Rows for p50, p99 (held to its target) and max, in milliseconds."""
    rate, seconds = ctx.sizes.latency_rate, ctx.sizes.latency_seconds
    count = max(1, int(rate * seconds))
    relay_ms = await _relay(ctx, rate, count)
    receivers = Receivers(1)
    await receivers.start()
    try:
        sent, arrivals, via = await _measure(ctx, receivers, rate, count)
    except (SutError, TimeoutError) as exc:
        return [unmeasured("latency/p99", "ms", str(exc), target=TARGET_P99_MS, target_kind="max_value")]
    finally:
        await receivers.stop()
    latencies = sorted(ms for ms in _latencies(sent, arrivals) if ms is not None)
    if len(latencies) < count:
        return [unmeasured("latency/p99", "ms", f"only {len(latencies)} of {count} letters were delivered "
                           f"and matched within {DRAIN_SECONDS:.0f}s after the last",
                           target=TARGET_P99_MS, target_kind="max_value")]
    first, last = min(sent.values()), max(a.at for a in arrivals)
    note = (f"{count} letters offered at {rate:g}/s, delivered at {count / (last - first):.1f}/s; "
            f"1 endpoint via {via}")
    if relay_ms is None:
        note += "; raw relay baseline incomplete"

    def base(p: float) -> float | None:
        return percentile(relay_ms, p) if relay_ms else None

    return [
        measured("latency/p50", percentile(latencies, 50), "ms", baseline=base(50), note=note),
        measured("latency/p99", percentile(latencies, 99), "ms", baseline=base(99), target=TARGET_P99_MS,
                 target_kind="max_value", note=note),
        measured("latency/max", latencies[-1], "ms", baseline=base(100), note=note),
    ]


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of an ascending list."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


async def _measure(ctx: Context, receivers: Receivers, rate: float,
                   count: int) -> tuple[dict[str, float], list[Arrival], str]:
    namespace = new_namespace("latency")
    letters = corpus.letters(count, offset=40_000)
    sent: dict[str, float] = {}
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        registered = await start_with_endpoints(
            "run", receivers.urls, namespace=namespace, amqp_url=ctx.amqp_url, workdir=ctx.workdir,
            env={"KAMERSTROOM_PREFETCH": str(ctx.prefetch),
                 "KAMERSTROOM_OB_SRU_URL": "http://127.0.0.1:9/sru"})
        publisher = Publisher(ctx.amqp_url, topology.raw)
        try:
            await publisher.start()
            await _paced(publisher, letters, rate, sent)
            await receivers.wait_for(count, DRAIN_SECONDS)
            registered.sut.check_alive()
        finally:
            await publisher.stop()
            await registered.sut.stop()
    return sent, list(receivers.arrivals), registered.via


async def _paced(publisher: Publisher, letters: list[Letter], rate: float,
                 sent: dict[str, float]) -> None:
    """Publish ``letters`` at ``rate`` on an absolute schedule, stamping each in ``sent``."""
    start = time.perf_counter()
    for i, letter in enumerate(letters):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        sent[letter.identifier] = time.perf_counter()
        body = corpus.raw_document(letter, datetime.now(UTC)).model_dump_json().encode()
        await publisher.publish(body, corpus.FEED, message_id=letter.identifier)


async def _relay(ctx: Context, rate: float, count: int) -> list[float] | None:
    """Sorted milliseconds from stamp to ``<ns>.events`` through the raw relay; None if incomplete."""
    namespace = new_namespace("latency-raw")
    letters = corpus.letters(count, offset=40_000)
    sent: dict[str, float] = {}
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        counter = Counter(ctx.amqp_url, topology.events)
        await counter.start()
        relay = Helper("bench.relay", ctx.amqp_url, namespace, str(ctx.prefetch))
        publisher = Publisher(ctx.amqp_url, topology.raw)
        await relay.start()
        try:
            await publisher.start()
            await _paced(publisher, letters, rate, sent)
            arrived = await counter.wait_for(count, DRAIN_SECONDS)
        finally:
            await publisher.stop()
            await relay.stop()
            await counter.stop()
    if not arrived:
        return None
    return sorted((counter.by_message_id[key] - at) * 1000 for key, at in sent.items()
                  if key in counter.by_message_id)


def _latencies(sent: dict[str, float], arrivals: list[Arrival]) -> list[float | None]:
    """Milliseconds per arrival, matched to its letter by the event's record id."""
    out: list[float | None] = []
    for arrival in arrivals:
        key = _record_id(json.loads(arrival.body))
        out.append((arrival.at - sent[key]) * 1000 if key in sent else None)
    return out


def _record_id(event: dict[str, Any]) -> str:
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    return str(event.get("subject") or (data or {}).get("id") or "")
