"""Scenario 4 (webhooks): deliveries/s of the publisher beside a raw aiohttp client.

Two shapes: one event to many endpoints (fan-out) and many events to a few endpoints
(stream). The system under test is ``kamerstroom publisher`` (a subprocess) fed
normalised documents straight into ``<ns>.normalised``, so the figure is the publisher's
own and not the parser's; it is timed from the first publish to the last delivery
received. The baseline (``bench.rawclient``, also a subprocess) then posts the very
bodies the product delivered, signed the same way, with the same in-flight limit per
endpoint, to the same receivers.

The stream shape runs once more as ``webhooks/<events>x<endpoints>/postgresql``: the
publisher's stores in a fresh database of the run's PostgreSQL (``bench.postgres``), the
same events, its own raw client run; the server's CPU is a row of its own.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass

import psycopg

from bench import corpus, floor
from bench.amqp import namespace_topology, new_namespace, publish_many
from bench.context import Context
from bench.cpu import CpuMeter, broker_pid
from bench.endpoints import start_with_endpoints
from bench.postgres import SUFFIX, server_cpu_rows
from bench.process import Helper
from bench.receiver import Receivers
from bench.results import Result, measured, unmeasured
from bench.sut import SutError
from shared.schema import NormalisedDocument

UNIT = "deliveries/s"
# The fan-out keeps its target beside the raw client; the stream's was retired (its raw
# client writes no delivery rows and ingests no event, so the ratio is a figure only).
FANOUT_TARGET = 0.7


async def run(ctx: Context) -> list[Result]:
    """Two rows per shape: deliveries/s beside the raw client, and CPU per delivery over its
    floor; then the stream's three rows on PostgreSQL (``_on_postgresql``)."""
    s = ctx.sizes
    stream = f"webhooks/{s.webhook_stream_events}x{s.webhook_stream_endpoints}"
    return [
        *await _case(ctx, f"webhooks/1x{s.webhook_fanout_endpoints}", 1, s.webhook_fanout_endpoints,
                     0, rounds=s.webhook_fanout_rounds, target=FANOUT_TARGET),
        *await _case(ctx, stream, s.webhook_stream_events, s.webhook_stream_endpoints, 10_000),
        *await _on_postgresql(ctx, f"{stream}/{SUFFIX}", s.webhook_stream_events,
                              s.webhook_stream_endpoints, 10_000),
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


@dataclass
class SystemRun:
    """What the system under test did: deliveries/s per round, and how it was set up."""

    rates: list[float]
    via: str
    secrets: list[str]
    partial: str
    cpu: CpuMeter


async def _case(ctx: Context, name: str, events: int, endpoints: int, offset: int,
                rounds: int = 1, target: float | None = None) -> list[Result]:
    """``rounds`` rounds of ``events`` events to ``endpoints`` endpoints on each side; the
    figure and the baseline are each side's median round. The ratio to the raw client is held
    to ``target`` (``None``: a figure only); the second row holds the product's CPU per
    delivery to its floor."""
    try:
        both = await _both_sides(ctx, events, endpoints, offset, rounds)
    except (SutError, TimeoutError) as exc:
        return [unmeasured(name, UNIT, str(exc), target=target,
                           target_kind="min_ratio" if target else None),
                unmeasured(f"{name}/cpu-per-delivery-vs-floor", floor.RATIO_UNIT, str(exc),
                           target=floor.MAX_RATIO, target_kind="max_value")]
    return [_rate_row(ctx, name, both, target),
            _floor_row(ctx, name, both.system, both.total, both.raw_cpu,
                       (len(both.raw_rates), events, endpoints))]


async def _on_postgresql(ctx: Context, name: str, events: int, endpoints: int,
                         offset: int) -> list[Result]:
    """The ``name`` rows with the publisher's stores in a fresh PostgreSQL database: its
    deliveries/s beside its own raw client run, and the CPU per delivery of the publisher
    and of the server (figures without a target)."""
    try:
        async with ctx.postgres.database() as url:
            both = await _both_sides(ctx, events, endpoints, offset, 1, database_url=url,
                                     server_pid=ctx.postgres.server_pid)
    except (RuntimeError, TimeoutError, psycopg.Error) as exc:  # SutError, no PostgreSQL
        return [unmeasured(name, UNIT, str(exc)),
                *server_cpu_rows(name, str(exc), events * endpoints, "us", "delivery")]
    return [_rate_row(ctx, name, both, None, " (stores in PostgreSQL, durable: fsync and "
                                              "synchronous_commit on)"),
            *server_cpu_rows(name, both.system.cpu, both.total, "us", "delivery")]


@dataclass
class BothSides:
    """One shape measured on the system under test and on the raw client."""

    events: int
    endpoints: int
    rounds: int
    system: SystemRun
    raw_rates: list[float]
    raw_cpu: CpuMeter

    @property
    def total(self) -> int:
        """Deliveries the system under test made over all its rounds."""
        return self.events * self.endpoints * len(self.system.rates)


async def _both_sides(ctx: Context, events: int, endpoints: int, offset: int, rounds: int, *,
                      database_url: str | None = None, server_pid: int | None = None) -> BothSides:
    """``rounds`` rounds of ``events`` events to ``endpoints`` receivers by the publisher
    (its stores in ``database_url`` when given, ``server_pid`` metered as ``postgresql``),
    then by the raw client with the bodies the publisher delivered."""
    per_round = events * endpoints
    batches = [normalised_bodies(events, offset + r * events) for r in range(rounds)]
    receivers = Receivers(endpoints)
    await receivers.start()
    try:
        system = await _system(ctx, receivers, batches, per_round, database_url=database_url,
                               server_pid=server_pid)
        delivered = _distinct_bodies(receivers)[:events]
        receivers.reset()
        raw_rates, raw_cpu = await _raw(ctx, receivers, delivered, system.secrets, rounds)
    finally:
        await receivers.stop()
    return BothSides(events, endpoints, rounds, system, raw_rates, raw_cpu)


def _rate_row(ctx: Context, name: str, both: BothSides, target: float | None,
              stores: str = "") -> Result:
    """Deliveries/s (median round) beside the raw client's, held to ``target`` if any."""
    system, raw_rates, per_round = both.system, both.raw_rates, both.events * both.endpoints
    spread = (f"; median of {both.rounds} rounds (kamerstroom {_span(system.rates)}, "
              f"raw {_span(raw_rates)})" if both.rounds > 1 else "")
    return measured(name, statistics.median(system.rates), UNIT,
                    baseline=statistics.median(raw_rates) if raw_rates else None,
                    target=target, target_kind="min_ratio" if target else None,
                    note=f"{both.events} events × {both.endpoints} endpoints{stores}, endpoints via "
                         f"{system.via}; {ctx.webhook_concurrency} in flight per endpoint"
                         f"{system.partial}{spread}; CPU per delivery: "
                         f"{system.cpu.per_item(both.total, 'us')}; raw run: "
                         f"{both.raw_cpu.per_item(per_round * max(1, len(raw_rates)), 'us')}")


def _floor_row(ctx: Context, name: str, system: SystemRun, total: int, raw_cpu: CpuMeter,
               shape: tuple[int, int, int]) -> Result:
    """CPU per delivery of the publisher over the floor: the raw client's POST + HMAC and
    one delivery-record write (the rows of one event in one commit)."""
    rounds, events, endpoints = shape
    scenario = f"{name}/cpu-per-delivery-vs-floor"
    raw = raw_cpu.seconds_per_item("raw client", rounds * events * endpoints)
    if raw is None:
        return unmeasured(scenario, floor.RATIO_UNIT, "the raw client's run failed or was not readable",
                          target=floor.MAX_RATIO, target_kind="max_value")
    parts = floor.Floor({"POST + HMAC": raw,
                         "delivery record": floor.delivery_record_part(events, endpoints, ctx.workdir)})
    return floor.ratio_row(scenario, system.cpu.seconds_per_item("kamerstroom", total), parts,
                           "us", "delivery")


def _span(rates: list[float]) -> str:
    return f"{min(rates):,.0f}–{max(rates):,.0f}" if rates else "failed"


async def _system(ctx: Context, receivers: Receivers, batches: list[list[bytes]],
                  per_round: int, *, database_url: str | None = None,
                  server_pid: int | None = None) -> SystemRun:
    """Each batch published in turn once the last one was delivered; deliveries/s per round."""
    namespace = new_namespace("webhooks")
    database = {"KAMERSTROOM_DATABASE_URL": database_url} if database_url else {}
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        registered = await start_with_endpoints(
            "publisher", receivers.urls, namespace=namespace, amqp_url=ctx.amqp_url,
            workdir=ctx.workdir, env={"KAMERSTROOM_PREFETCH": str(ctx.prefetch),
                                      "KAMERSTROOM_WEBHOOK_CONCURRENCY": str(ctx.webhook_concurrency),
                                      **database})
        meter = CpuMeter({"kamerstroom": registered.sut.pid, "broker": broker_pid(),
                          "harness": os.getpid()}, trees={SUFFIX: server_pid} if server_pid else {})
        rates: list[float] = []
        partial = ""
        try:
            meter.start()
            for number, bodies in enumerate(batches, 1):
                started = await publish_many(ctx.amqp_url, topology.normalised, bodies, corpus.FEED)
                arrived = await receivers.wait_for(number * per_round, _timeout(per_round))
                if not arrived:
                    got = len(receivers.arrivals) - (number - 1) * per_round
                    waited = time.perf_counter() - started
                    if got > 0:
                        rates.append(got / waited)
                    partial = (f"; INCOMPLETE: {got} of {per_round} deliveries in {waited:.0f}s, "
                               "figure is their rate")
                    break
                rates.append(per_round / (receivers.arrivals[number * per_round - 1].at - started))
            meter.stop()
            registered.sut.check_alive()
        finally:
            await registered.sut.stop()
    if not rates:
        raise SutError(f"no delivery arrived; log: {registered.sut.log_tail()}")
    return SystemRun(rates, registered.via, registered.secrets, partial, meter)


def _distinct_bodies(receivers: Receivers) -> list[str]:
    """Each event's delivered body once, in arrival order."""
    seen: dict[str, str] = {}
    for arrival in receivers.arrivals:
        key = arrival.headers.get("webhook-id") or str(json.loads(arrival.body).get("id"))
        seen.setdefault(key, arrival.body.decode())
    return list(seen.values())


async def _raw(ctx: Context, receivers: Receivers, bodies: list[str], secrets: list[str],
               rounds: int) -> tuple[list[float], CpuMeter]:
    """Deliveries/s per round of the raw client posting ``bodies`` to every receiver (empty
    if any delivery failed), and the CPU it and the receivers spent."""
    per_round = len(bodies) * receivers.count
    job = ctx.workdir / f"rawclient-{len(bodies)}x{receivers.count}.json"
    job.write_text(json.dumps({"urls": receivers.urls, "secrets": secrets, "bodies": bodies,
                               "concurrency": ctx.webhook_concurrency}))
    client = Helper("bench.rawclient", str(job))
    await client.start()
    meter = CpuMeter({"raw client": client.pid, "harness": os.getpid()})
    rates: list[float] = []
    try:
        meter.start()
        for number in range(1, rounds + 1):
            started = time.perf_counter()
            answer = await client.ask("go", _timeout(per_round))
            if answer != f"done {per_round} 0" or len(receivers.arrivals) < number * per_round:
                return [], meter
            rates.append(per_round / (receivers.arrivals[number * per_round - 1].at - started))
        meter.stop()
    finally:
        await client.stop()
    return rates, meter
