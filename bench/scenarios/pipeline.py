"""Scenario 1 (pipeline) and 6 (memory): raw documents in, events out, beside a raw relay.

Both sides get the same serialised raw documents, published the same way into
``<ns>.raw`` of a fresh namespace, and are timed from the first publish until the last
message reaches an exclusive queue bound to ``<ns>.events``. The system under test is
``kamerstroom run`` (a subprocess, so its peak RSS is its own); the baseline is
``bench.relay`` (also a subprocess) with the same prefetch and queues, run once before and
once after the system under test; the baseline is their mean, so load that drifts during
the scenario weighs on both sides alike.

``kamerstroom run`` runs as one process (``KAMERSTROOM_RUN_PARSER_PROCESS=off``) in every
row but ``pipeline/run-child-parser``, which runs it with its parser in a child process
(``on``) and counts the CPU of both (``_meter``).

The rows with a ``/postgresql`` suffix run ``kamerstroom run`` once more with its stores in
a fresh database of the run's PostgreSQL (``bench.postgres``), beside the same relay runs;
there part of the work is the server's, so its CPU is a row of its own.
"""

from __future__ import annotations

from dataclasses import replace

import psycopg

from bench import corpus, floor
from bench.amqp import Counter, namespace_topology, new_namespace, publish_many
from bench.context import Context
from bench.cpu import CpuMeter, broker_pid
from bench.postgres import SUFFIX, server_cpu_rows
from bench.process import Helper
from bench.results import Result, measured, unmeasured
from bench.sut import Sut, SutError

MB = 1024 * 1024
PIPELINE = "pipeline"
PIPELINE_SEPARATE = "pipeline/separate-processes"
PIPELINE_FLOOR = "pipeline/cpu-per-letter-vs-floor"
MEMORY = "memory/peak-rss"
PIPELINE_PG = f"{PIPELINE}/{SUFFIX}"
PIPELINE_CHILD = f"{PIPELINE}/run-child-parser"
# The meter's name of ``run``'s parser process (counted within ``kamerstroom`` too).
CHILD = "parser child"
# What the rows of ``run`` say about its processes.
ONE_PROCESS = "one process (KAMERSTROOM_RUN_PARSER_PROCESS=off)"
# The services that handle a raw document, each in its own process (the fetcher is not
# needed: the documents go straight into <ns>.raw).
SEPARATE = ("parser", "publisher")


async def run(ctx: Context) -> list[Result]:
    """Letters/s of ``kamerstroom run`` beside the raw relay, and the run's peak RSS.

    A third row, without a target, runs the parser and the publisher as two processes
    (``kamerstroom parser`` + ``kamerstroom publisher``), as a deployment with more than
    one core would: the figure a user weighs against ``run``'s single process. A fourth runs
    ``run`` with its parser in a child process (``_child_row``). The last three rows are
    ``run`` with its stores in PostgreSQL (``_postgresql_rows``).
    """
    count = ctx.sizes.pipeline_letters
    bodies = corpus.raw_bodies(count)
    before, relay_cpu = await _relay_or_none(ctx, bodies)
    try:
        rate, peak, system_cpu = await _system(ctx, bodies, ("run",))
    except (SutError, TimeoutError) as exc:
        return [unmeasured(PIPELINE, "letters/s", str(exc)),
                unmeasured(PIPELINE_FLOOR, floor.RATIO_UNIT, str(exc), target=floor.MAX_RATIO,
                           target_kind="max_value"),
                unmeasured(PIPELINE_CHILD, "letters/s", str(exc)),
                unmeasured(MEMORY, "MB", str(exc), target=250, target_kind="max_value"),
                *_postgresql_rows(str(exc), None, count, ctx.prefetch, None)]
    try:
        split: tuple[float, int, CpuMeter] | str = await _system(ctx, bodies, SEPARATE)
    except (SutError, TimeoutError) as exc:
        split = str(exc)
    try:
        child: tuple[float, int, CpuMeter] | str = await _system(ctx, bodies, ("run",),
                                                                 parser_process="on")
    except (SutError, TimeoutError) as exc:
        child = str(exc)
    on_postgresql = await _on_postgresql(ctx, bodies)
    after, relay_after = await _relay_or_none(ctx, bodies)
    runs = [r for r in (before, after) if r is not None]
    baseline = sum(runs) / len(runs) if runs else None
    relay_note = ("raw relay before/after: "
                  + " / ".join("failed" if r is None else f"{r:.1f}" for r in (before, after))
                  + (f"; relay run: {relay_cpu.per_item(count)}" if relay_cpu else ""))
    note = (f"{count} letters, prefetch {ctx.prefetch}, {ONE_PROCESS}; CPU per letter: "
            f"{system_cpu.per_item(count)}; {relay_note}")
    floor_row = _floor_row(ctx, count, system_cpu, [m for m in (relay_cpu, relay_after) if m is not None])
    return [
        # The ratio to a bare relay is a figure, not a goal: the relay parses, stores and signs nothing.
        measured(PIPELINE, rate, "letters/s", baseline=baseline, note=note),
        replace(floor_row, note=f"{floor_row.note}; `kamerstroom run` in {ONE_PROCESS}"),
        _separate_row(split, baseline, count, ctx.prefetch),
        _child_row(child, baseline, count, ctx.prefetch),
        measured(MEMORY, peak / MB, "MB", target=250, target_kind="max_value",
                 note=f"VmHWM of `kamerstroom run` after {count} letters"),
        *_postgresql_rows(on_postgresql, baseline, count, ctx.prefetch, system_cpu),
    ]


async def _on_postgresql(ctx: Context, bodies: list[bytes]) -> tuple[float, int, CpuMeter] | str:
    """``kamerstroom run`` with its stores in a fresh database of the run's PostgreSQL, or
    why it could not be measured."""
    try:
        async with ctx.postgres.database() as url:
            return await _system(ctx, bodies, ("run",), database_url=url,
                                 server_pid=ctx.postgres.server_pid)
    except (RuntimeError, TimeoutError, psycopg.Error) as exc:  # SutError, no PostgreSQL
        return str(exc)


def _postgresql_rows(run: tuple[float, int, CpuMeter] | str, baseline: float | None, count: int,
                     prefetch: int, sqlite_cpu: CpuMeter | None) -> list[Result]:
    """``pipeline/postgresql`` beside the same relay runs, and the CPU per letter of the
    service and of the server, each a figure without a target."""
    if isinstance(run, str):
        return [unmeasured(PIPELINE_PG, "letters/s", run),
                *server_cpu_rows(PIPELINE_PG, run, count, "ms", "letter")]
    rate, peak, cpu = run
    on_sqlite = sqlite_cpu.seconds_per_item("kamerstroom", count) if sqlite_cpu else None
    return [
        measured(PIPELINE_PG, rate, "letters/s", baseline=baseline,
                 note=f"{count} letters, prefetch {prefetch}, stores in PostgreSQL (durable: fsync "
                      f"and synchronous_commit on); CPU per letter: {cpu.per_item(count)}; VmHWM "
                      f"{peak / MB:.0f} MB; baseline: the same relay runs"),
        *server_cpu_rows(PIPELINE_PG, cpu, count, "ms", "letter", on_sqlite=on_sqlite),
    ]


def _floor_row(ctx: Context, count: int, system_cpu: CpuMeter, relays: list[CpuMeter]) -> Result:
    """CPU per letter of ``kamerstroom run`` over the floor: the relay's AMQP work (mean of
    its runs) + the parser alone + one store commit + the envelope, on the same letters."""
    relay = [cpu for m in relays if (cpu := m.seconds_per_item("relay", count)) is not None]
    if not relay:
        return unmeasured(PIPELINE_FLOOR, floor.RATIO_UNIT, "no relay run was measured",
                          target=floor.MAX_RATIO, target_kind="max_value")
    letters = corpus.letters(count)
    records = floor.records_of(letters)
    parts = floor.Floor({"relay": sum(relay) / len(relay), "parse": floor.parse_part(letters),
                         "store": floor.store_part(records, ctx.workdir),
                         "envelope": floor.envelope_part(records)})
    row = floor.ratio_row(PIPELINE_FLOOR, system_cpu.seconds_per_item("kamerstroom", count), parts,
                          "ms", "letter")
    if row.figure is None:
        return row
    alone = parts.total - parts.parts["relay"]
    together = floor.interleaved_part(letters, records, ctx.workdir)
    return replace(row, note=f"{row.note}. The same parse, store and envelope done one letter "
                             f"at a time, in turn: {together * 1000:.3f} ms against "
                             f"{alone * 1000:.3f} ms alone ({together / alone:.2f} x). `run` "
                             "hands each document from its parser to its publisher in memory: "
                             "one broker hop per letter, where the relay makes two")


def _child_row(run: tuple[float, int, CpuMeter] | str, baseline: float | None,
               count: int, prefetch: int) -> Result:
    """``kamerstroom run`` with its parser in a child process: the rate, and the CPU per
    letter of the whole tree, of the parent alone and of the child."""
    if isinstance(run, str):
        return unmeasured(PIPELINE_CHILD, "letters/s", run)
    rate, peak, cpu = run
    tree, child = cpu.seconds_per_item("kamerstroom", count), cpu.seconds_per_item(CHILD, count)
    broker = cpu.seconds_per_item("broker", count)
    if tree is None or child is None:
        split = f"not readable ({cpu.per_item(count)})"
    else:
        split = (f"kamerstroom {tree * 1000:.2f} ms = parent {(tree - child) * 1000:.2f} ms "
                 f"+ parser child {child * 1000:.2f} ms")
    broker_note = f", broker {broker * 1000:.2f} ms" if broker is not None else ""
    return measured(PIPELINE_CHILD, rate, "letters/s", baseline=baseline,
                    note=f"{count} letters, prefetch {prefetch}, `kamerstroom run` with "
                         f"KAMERSTROOM_RUN_PARSER_PROCESS=on (fetcher and publisher in the parent, "
                         f"the parser in a child process); CPU per letter: {split}{broker_note}; "
                         f"VmHWM of both {peak / MB:.0f} MB; baseline: the same relay runs")


def _separate_row(split: tuple[float, int, CpuMeter] | str, baseline: float | None,
                  count: int, prefetch: int) -> Result:
    if isinstance(split, str):
        return unmeasured(PIPELINE_SEPARATE, "letters/s", split)
    rate, _, cpu = split
    return measured(PIPELINE_SEPARATE, rate, "letters/s", baseline=baseline,
                    note=f"{count} letters, prefetch {prefetch}, `kamerstroom parser` and "
                         f"`kamerstroom publisher` as two processes; CPU per letter: "
                         f"{cpu.per_item(count)}; baseline: the same relay runs")


async def _relay_or_none(ctx: Context, bodies: list[bytes]) -> tuple[float | None, CpuMeter | None]:
    try:
        return await _relay(ctx, bodies)
    except (RuntimeError, TimeoutError):
        return None, None


def _timeout(count: int) -> float:
    # Generous: a slow run is a result, a hung one must still end.
    return 30.0 + count / 20


async def _system(ctx: Context, bodies: list[bytes], commands: tuple[str, ...], *,
                  database_url: str | None = None, server_pid: int | None = None,
                  parser_process: str = "off") -> tuple[float, int, CpuMeter]:
    """Letters/s of ``kamerstroom <command>`` processes together, the first one's peak RSS
    (with its child's, if it has one), and the CPU each spent. With ``database_url`` the
    stores are in that database, and ``server_pid`` (its postmaster) is metered as
    ``postgresql`` with its backends.
    ``parser_process`` is ``run``'s ``KAMERSTROOM_RUN_PARSER_PROCESS`` (``_meter``)."""
    namespace = new_namespace(PIPELINE)
    database = {"KAMERSTROOM_DATABASE_URL": database_url} if database_url else {}
    database["KAMERSTROOM_RUN_PARSER_PROCESS"] = parser_process
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        counter = Counter(ctx.amqp_url, topology.events)
        await counter.start()
        suts = [Sut(command, namespace=namespace, amqp_url=ctx.amqp_url, workdir=ctx.workdir,
                    env={"KAMERSTROOM_PREFETCH": str(ctx.prefetch),
                         "KAMERSTROOM_OB_SRU_URL": "http://127.0.0.1:9/sru", **database})
                for command in commands]
        try:
            for sut in suts:
                await sut.start()
            meter = _meter(suts, server_pid)
            seconds = await _drive(ctx, counter, topology.raw, bodies, meter)
            for sut in suts:
                sut.check_alive()
            peak = suts[0].tree_peak_rss_bytes()
        finally:
            for sut in suts:
                await sut.stop()
            await counter.stop()
    if seconds is None:
        raise SutError(f"only {len(counter.arrivals)} of {len(bodies)} events arrived; "
                       f"log: {' / '.join(s.log_tail() for s in suts)}")
    return len(bodies) / seconds, peak, meter


def _meter(suts: list[Sut], server_pid: int | None) -> CpuMeter:
    """CPU of each ``kamerstroom <command>``, of the broker, and of the database server.

    One ``kamerstroom run`` is ``kamerstroom``, counted with its child processes (its parser
    process, when it runs one); the child alone is ``parser child`` beside it."""
    trees: dict[str, int | None] = {SUFFIX: server_pid} if server_pid else {}
    if len(suts) > 1:
        return CpuMeter({**{f"kamerstroom {s.command}": s.pid for s in suts}, "broker": broker_pid()},
                        trees=trees)
    [sut] = suts
    children = {CHILD: pid for pid in sut.children()[:1]}  # noqa: B035  # at most one
    return CpuMeter({"kamerstroom": sut.pid, **children, "broker": broker_pid()},
                    trees={"kamerstroom": sut.pid, **trees})


async def _relay(ctx: Context, bodies: list[bytes]) -> tuple[float, CpuMeter]:
    namespace = new_namespace(f"{PIPELINE}-raw")
    async with namespace_topology(ctx.amqp_url, namespace) as topology:
        counter = Counter(ctx.amqp_url, topology.events)
        await counter.start()
        relay = Helper("bench.relay", ctx.amqp_url, namespace, str(ctx.prefetch))
        await relay.start()
        meter = CpuMeter({"relay": relay.pid, "broker": broker_pid()})
        try:
            seconds = await _drive(ctx, counter, topology.raw, bodies, meter)
        finally:
            await relay.stop()
            await counter.stop()
    if seconds is None:
        raise RuntimeError(f"only {len(counter.arrivals)} of {len(bodies)} relayed")
    return len(bodies) / seconds, meter


async def _drive(ctx: Context, counter: Counter, exchange: str, bodies: list[bytes],
                 meter: CpuMeter) -> float | None:
    """Publish all bodies, wait for as many arrivals; seconds from first publish to last arrival.

    ``meter`` counts the CPU its processes spend meanwhile.
    """
    meter.start()
    started = await publish_many(ctx.amqp_url, exchange, bodies, corpus.FEED)
    arrived = await counter.wait_for(len(bodies), _timeout(len(bodies)))
    meter.stop()
    if not arrived:
        return None
    return counter.arrivals[len(bodies) - 1] - started
