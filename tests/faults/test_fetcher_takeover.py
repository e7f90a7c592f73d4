"""Fault: ``kill -9`` of the active fetcher of two, mid-poll; the standby takes the lease
and finishes the feed.

Two ``kamerstroom fetcher`` processes share the namespace and the PostgreSQL database and
poll the local feed server (the replayed recordings, start date on their earliest day).
Only the holder of the lease (a session advisory lock) polls; the standby tries for it
every poll interval. The kill comes while the active one is fetching documents; its lock
goes with its connection, so the standby becomes active at its next try and resumes from
the shared checkpoints. Every letter the feed replays reaches ``<ns>.raw``; one per source
may be queued twice (published and confirmed, its seen row not yet written), under the
same message id, which the consumers deduplicate.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import aio_pika
import pytest

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import wait_for
from shared.messaging import Topology
from shared.messaging.topology import UPSTREAM_ID_HEADER
from tests.faults.processes import Process, service_env

POLL_INTERVAL = 2.0  # seconds: the standby asks for the lease this often
REQUEST_INTERVAL = 0.1  # seconds between requests to the feed server: the poll takes a while
KILL_AFTER_DOCUMENTS = 10  # document requests before the kill: well inside the first poll
SOURCES = 2  # each polls one item at a time, so each can have one queued but not recorded
DRAIN_LIMIT = 10_000

pytestmark = pytest.mark.postgresql


async def is_active(process: Process) -> bool:
    """Whether ``/readyz`` says this fetcher holds the lease (False when it does not answer)."""
    try:
        _, body = await process.readyz()
    except Exception:  # a killed or busy process is simply not the active one
        return False
    return bool(body["checks"]["fetcher.lease"]["detail"]["active"])


async def active_one(fetchers: list[Process], timeout: float) -> Process | None:
    """The fetcher that holds the lease, once one does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for fetcher in fetchers:
            if await is_active(fetcher):
                return fetcher
        await asyncio.sleep(0.1)
    return None


async def wait_active(process: Process, timeout: float) -> bool:
    """Poll ``/readyz`` until ``process`` holds the lease or ``timeout`` seconds passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await is_active(process):
            return True
        await asyncio.sleep(0.1)
    return False


async def take_raw(amqp_url: str, queue: str) -> list[str]:
    """The upstream ids of every message now in ``queue`` (taken off it)."""
    taken: list[str] = []
    connection = await aio_pika.connect(amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        source = await channel.get_queue(queue, ensure=True)
        for _ in range(DRAIN_LIMIT):
            message = await source.get(no_ack=True, fail=False)
            if message is None:
                break
            taken.append(str(message.headers.get(UPSTREAM_ID_HEADER)))
    return taken


def document_requests(server: FeedServer) -> int:
    return sum(1 for r in server.faults.requests
               if r.startswith(("/SyncFeed/2.0/Resources/", "/frbr/")))


@pytest.mark.timeout(180)
async def test_standby_takes_over_from_a_killed_fetcher_and_loses_no_letter(
        namespace: str, amqp_url: str, tmp_path: Path, postgres_url: str,
        feed_server: FeedServer, processes: list[Process]) -> None:
    """The standby is active within two poll intervals; every letter reaches ``<ns>.raw``."""
    fetchers = []
    for i in range(2):
        env = service_env(namespace, amqp_url, tmp_path / f"data-{i}", "", postgres_url)
        env.update({
            "KAMERSTROOM_LOG_LEVEL": "info",  # each must say "started"
            "KAMERSTROOM_SOURCES": "officielebekendmakingen,tweedekamer",
            "KAMERSTROOM_OB_SRU_URL": feed_server.sru_url,
            "KAMERSTROOM_TK_API_URL": feed_server.tk_url,
            "KAMERSTROOM_START_DATE": feed_server.earliest_day().isoformat(),
            "KAMERSTROOM_POLL_INTERVAL": str(POLL_INTERVAL),
            "KAMERSTROOM_REQUEST_INTERVAL": str(REQUEST_INTERVAL),
        })
        fetchers.append(Process(env, command="fetcher"))
    processes.extend(fetchers)
    await asyncio.gather(*(fetcher.start() for fetcher in fetchers))
    both_started = await wait_for(lambda: all(f.started() for f in fetchers), timeout=30)
    assert both_started, [f.lines[-5:] for f in fetchers]

    active = await active_one(fetchers, timeout=30)
    assert active is not None, "neither fetcher took the lease"
    standby = next(f for f in fetchers if f is not active)
    standby_was_standby = not await is_active(standby)
    reached = await wait_for(lambda: document_requests(feed_server) >= KILL_AFTER_DOCUMENTS,
                             timeout=60)
    active.kill(signal.SIGKILL)
    killed_status = await active.wait(timeout=10)
    fetched_before_kill = document_requests(feed_server)
    killed_at = time.monotonic()
    took_over = await wait_active(standby, timeout=6 * POLL_INTERVAL)
    takeover_seconds = time.monotonic() - killed_at

    topology = Topology(namespace)
    expected = set(feed_server.sru.letters()) | set(feed_server.tweedekamer.letters)
    queued: list[str] = []

    async def all_queued() -> bool:
        queued.extend(await take_raw(amqp_url, topology.parser_queue))
        return expected <= set(queued)

    for _ in range(120):  # bounded: a minute of half-second looks
        if await all_queued():
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2 * POLL_INTERVAL)  # the survivor polls again: nothing new may come
    queued.extend(await take_raw(amqp_url, topology.parser_queue))
    standby.kill(signal.SIGTERM)
    graceful_status = await standby.wait(timeout=30)
    resent = sum(n - 1 for n in Counter(queued).values())
    lost = len(expected - set(queued))
    fetched = document_requests(feed_server)
    print(f"\n[fetcher takeover] letters={len(expected)} queued={len(queued)} "
          f"distinct={len(set(queued))} lost={lost} resent={resent} "
          f"documents_fetched_before_kill={fetched_before_kill} documents_fetched={fetched} "
          f"poll_interval={POLL_INTERVAL} takeover_seconds={takeover_seconds:.2f}")

    assert standby_was_standby, "both fetchers said they held the lease"
    assert reached, "the active fetcher never got to its documents"
    assert fetched_before_kill < len(expected), "the kill came after the poll: nothing to take over"
    assert -signal.SIGKILL == killed_status
    assert took_over, standby.lines[-5:]
    assert takeover_seconds <= 2 * POLL_INTERVAL
    assert 0 == graceful_status
    assert 0 == lost, "a letter never reached <ns>.raw"
    assert expected == set(queued), "only letters are queued"
    assert resent <= SOURCES
