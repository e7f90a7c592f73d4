"""Scenario 2 (latency): a steady rate of letters; fetch-to-webhook-delivered percentiles.

``kamerstroom run`` (a subprocess) with one webhook endpoint on loopback. The harness plays
the fetcher: at a fixed rate it stamps a distinct raw document and publishes it to
``<ns>.raw``; the latency of a letter is from that stamp until its event reaches the
webhook receiver (same process, same clock). The schedule is absolute, so a slow publish
does not lower the offered rate afterwards.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import UTC, datetime
from typing import Any

from bench import corpus
from bench.amqp import Publisher, namespace_topology, new_namespace
from bench.context import Context
from bench.endpoints import start_with_endpoints
from bench.receiver import Arrival, Receivers
from bench.results import Result, measured, unmeasured
from bench.sut import SutError

TARGET_P99_MS = 50.0
DRAIN_SECONDS = 30.0


async def run(ctx: Context) -> list[Result]:
    """Rows for p50, p99 (held to its target) and max, in milliseconds."""
    rate, seconds = ctx.sizes.latency_rate, ctx.sizes.latency_seconds
    count = max(1, int(rate * seconds))
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
    note = f"{count} letters at {rate:g}/s, 1 endpoint via {via}"
    return [
        measured("latency/p50", percentile(latencies, 50), "ms", note=note),
        measured("latency/p99", percentile(latencies, 99), "ms", target=TARGET_P99_MS,
                 target_kind="max_value", note=note),
        measured("latency/max", latencies[-1], "ms", note=note),
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
            start = time.perf_counter()
            for i, letter in enumerate(letters):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                sent[letter.identifier] = time.perf_counter()
                body = corpus.raw_document(letter, datetime.now(UTC)).model_dump_json().encode()
                await publisher.publish(body, corpus.FEED, message_id=letter.identifier)
            await receivers.wait_for(count, DRAIN_SECONDS)
            registered.sut.check_alive()
        finally:
            await publisher.stop()
            await registered.sut.stop()
    return sent, list(receivers.arrivals), registered.via


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
