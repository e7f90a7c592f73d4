"""Scenario 4 (webhooks): deliveries/s of the publisher beside a raw aiohttp client.

Two shapes: one event to many endpoints (fan-out) and many events to a few endpoints
(stream). The system under test is ``kamerstroom publisher`` (a subprocess) fed
normalised documents straight into ``<ns>.normalised``, so the figure is the publisher's
own and not the parser's; it is timed from the first publish to the last delivery
received. The baseline (``bench.rawclient``, also a subprocess) then posts the very
bodies the product delivered, signed the same way, with the same in-flight limit per
endpoint, to the same receivers.
"""

from __future__ import annotations

import json
import os
import time

from bench import corpus
from bench.amqp import namespace_topology, new_namespace, publish_many
from bench.context import Context
from bench.cpu import CpuMeter, broker_pid
from bench.endpoints import start_with_endpoints
from bench.process import Helper
from bench.receiver import Receivers
from bench.results import Result, measured, unmeasured
from bench.sut import SutError
from shared.schema import NormalisedDocument

UNIT = "deliveries/s"
TARGET = 0.7


async def run(ctx: Context) -> list[Result]:
    """One row per shape."""
    s = ctx.sizes
    return [
        await _case(ctx, f"webhooks/1x{s.webhook_fanout_endpoints}", 1, s.webhook_fanout_endpoints, 0),
        await _case(ctx, f"webhooks/{s.webhook_stream_events}x{s.webhook_stream_endpoints}",
                    s.webhook_stream_events, s.webhook_stream_endpoints, 10_000),
    ]


def normalised_bodies(count: int, offset: int) -> list[bytes]:
    """``count`` distinct normalised documents, parsed from distinct real letters."""
    from services.parser.parse import parse_bytes

    return [NormalisedDocument(record=parse_bytes(letter.body, format="kst-xml",
                                                  source=corpus.raw_document(letter).source))
            .model_dump_json().encode() for letter in corpus.letters(count, offset=offset)]


# A burst can take the product far longer than the raw client; past this the rate so far
# is reported (as a lower bound, and the row says so) instead of waiting on.
MAX_WAIT_SECONDS = 120.0


def _timeout(total: int) -> float:
    return min(30.0 + total / 50, MAX_WAIT_SECONDS)


async def _case(ctx: Context, name: str, events: int, endpoints: int, offset: int) -> Result:
    total = events * endpoints
    bodies = normalised_bodies(events, offset)
    receivers = Receivers(endpoints)
    await receivers.start()
    try:
        try:
            rate, via, secrets, partial, system_cpu = await _system(ctx, receivers, bodies, total)
        except (SutError, TimeoutError) as exc:
            return unmeasured(name, UNIT, str(exc), target=TARGET, target_kind="min_ratio")
        delivered = _distinct_bodies(receivers)
        receivers.reset()
        baseline, raw_cpu = await _raw(ctx, receivers, delivered, secrets)
    finally:
        await receivers.stop()
    return measured(name, rate, UNIT, baseline=baseline, target=TARGET, target_kind="min_ratio",
                    note=f"{events} events × {endpoints} endpoints, endpoints via {via}; "
                         f"{ctx.webhook_concurrency} in flight per endpoint{partial}; "
                         f"CPU per delivery: {system_cpu.per_item(total, 'us')}; "
                         f"raw run: {raw_cpu.per_item(total, 'us')}")


async def _system(ctx: Context, receivers: Receivers, bodies: list[bytes],
                  total: int) -> tuple[float, str, list[str], str, CpuMeter]:
    """Deliveries/s, how endpoints were registered, their secrets, a note if incomplete, CPU."""
    namespace = new_namespace("webhooks")
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        registered = await start_with_endpoints(
            "publisher", receivers.urls, namespace=namespace, amqp_url=ctx.amqp_url,
            workdir=ctx.workdir, env={"KAMERSTROOM_PREFETCH": str(ctx.prefetch),
                                      "KAMERSTROOM_WEBHOOK_CONCURRENCY": str(ctx.webhook_concurrency)})
        meter = CpuMeter({"kamerstroom": registered.sut.pid, "broker": broker_pid(),
                          "harness": os.getpid()})
        try:
            meter.start()
            started = time.perf_counter()
            await publish_many(ctx.amqp_url, topology.normalised, bodies, corpus.FEED)
            arrived = await receivers.wait_for(total, _timeout(total))
            waited = time.perf_counter() - started
            meter.stop()
            registered.sut.check_alive()
        finally:
            await registered.sut.stop()
    got = len(receivers.arrivals)
    if not got:
        raise SutError(f"no delivery arrived in {waited:.0f}s; log: {registered.sut.log_tail()}")
    if not arrived:
        note = f"; INCOMPLETE: {got} of {total} deliveries in {waited:.0f}s, figure is their rate"
        return got / waited, registered.via, registered.secrets, note, meter
    rate = total / (receivers.arrivals[total - 1].at - started)
    return rate, registered.via, registered.secrets, "", meter


def _distinct_bodies(receivers: Receivers) -> list[str]:
    """Each event's delivered body once, in arrival order."""
    seen: dict[str, str] = {}
    for arrival in receivers.arrivals:
        key = arrival.headers.get("webhook-id") or str(json.loads(arrival.body).get("id"))
        seen.setdefault(key, arrival.body.decode())
    return list(seen.values())


async def _raw(ctx: Context, receivers: Receivers, bodies: list[str],
               secrets: list[str]) -> tuple[float | None, CpuMeter]:
    """Deliveries/s of the raw client posting ``bodies`` to every receiver (None if any
    failed), and the CPU it and the receivers spent."""
    total = len(bodies) * receivers.count
    job = ctx.workdir / f"rawclient-{len(bodies)}x{receivers.count}.json"
    job.write_text(json.dumps({"urls": receivers.urls, "secrets": secrets, "bodies": bodies,
                               "concurrency": ctx.webhook_concurrency}))
    client = Helper("bench.rawclient", str(job))
    await client.start()
    meter = CpuMeter({"raw client": client.pid, "harness": os.getpid()})
    try:
        meter.start()
        started = time.perf_counter()
        answer = await client.ask("go", _timeout(total))
        meter.stop()
    finally:
        await client.stop()
    if answer != f"done {total} 0" or len(receivers.arrivals) < total:
        return None, meter
    return total / (receivers.arrivals[total - 1].at - started), meter
