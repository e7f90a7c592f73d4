"""Fault: PostgreSQL restarts (stopped fast, down a few seconds, started) while 500 letters
flow through one ``kamerstroom run``.

Every store call during the outage raises ``DatabaseUnavailable``: the handler waits it
out (``shared/db/waiting.py``) with the message unacked, or the poll fails and backs off,
and the connection is opened again on the next call. So work waits and retries, and
finishes once the database is back; the process never exits. ``/readyz`` is polled all
along and must show the outage through the publisher's store check.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from kamerstroom.commands.dead import list_dead
from kamerstroom.receivers import wait_for
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.faults.processes import Process, service_env
from tests.faults.support import (
    DurableSubscriber,
    FlakyWebhook,
    assert_recovered,
    feed_letters,
    letter_id,
    report,
)
from tests.support.postgres import PostgresCluster, PostgresServer, PostgresUnavailable, in_ci

LETTERS = 500
RESTART_AFTER = 100  # webhook arrivals before the database goes away
OUTAGE_SECONDS = 3.0
READYZ_EVERY = 0.2  # seconds between /readyz polls
READYZ_POLLS = 1500  # bound: five minutes of polls, far beyond the test's own timeout

pytestmark = pytest.mark.postgresql


class ReadyzLog:
    """``/readyz`` answers of one process, polled until ``stop()``: status and failing checks."""

    def __init__(self, process: Process) -> None:
        self._process = process
        self.statuses: list[int] = []
        self.failing: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def saw_not_ready(self) -> bool:
        return 503 in self.statuses

    async def _poll(self) -> None:
        for _ in range(READYZ_POLLS):
            try:
                status, body = await self._process.readyz()
            except (aiohttp.ClientError, TimeoutError):
                status, body = 0, {}  # no answer at all: counted, not a 503
            self.statuses.append(status)
            self.failing |= _failing_checks(body)
            await asyncio.sleep(READYZ_EVERY)


def _failing_checks(body: dict[str, Any]) -> set[str]:
    checks: dict[str, dict[str, Any]] = body.get("checks", {})
    return {name for name, result in checks.items() if not result.get("ok")}


@pytest.fixture
def own_cluster() -> Iterator[PostgresServer]:
    """A private cluster for this test alone, even when the session was given a server
    (``KAMERSTROOM_TEST_POSTGRES_URL``, as in CI): the test restarts it, and a server shared
    with other tests is not ours to restart. Without binaries: fail in CI, else skip."""
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))
    with cluster as server:
        yield server


@pytest.mark.timeout(240)
async def test_database_restart_mid_stream_loses_nothing_and_announces_nothing_twice(
        namespace: str, amqp_url: str, tmp_path: Path, own_cluster: PostgresServer,
        feeder: RabbitMQBroker, webhook: FlakyWebhook,
        subscriber: DurableSubscriber, processes: list[Process]) -> None:
    """Work waits through the outage and finishes after it: 0 lost, no version twice."""
    postgres_cluster, postgres_url = own_cluster, own_cluster.create_database()
    env = service_env(namespace, amqp_url, tmp_path / "data", webhook.url, postgres_url)
    env["KAMERSTROOM_LOG_LEVEL"] = "info"  # it must say "started"
    service = Process(env)
    processes.append(service)
    await service.start()
    assert await wait_for(service.started, timeout=30), service.lines[-5:]
    readyz = ReadyzLog(service)
    readyz.start()
    try:
        sent = await feed_letters(feeder, range(LETTERS))
        reached = await wait_for(lambda: len(webhook.tally.counts) >= RESTART_AFTER, timeout=60)
        before_outage = len(webhook.tally.counts)
        await asyncio.to_thread(postgres_cluster.restart, OUTAGE_SECONDS)
        during_outage = len(webhook.tally.counts) - before_outage
        expected = {letter_id(i) for i in range(LETTERS)}
        await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                       and expected <= subscriber.tally.distinct_subjects, timeout=120)
        ready_again = await wait_for(lambda: readyz.statuses[-1:] == [200], timeout=30)
        await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    finally:
        await readyz.stop()
    survived = service.running
    service.kill(signal.SIGTERM)
    graceful_status = await service.wait(timeout=30)
    dead = await list_dead(amqp_url, feeder.topology, limit=LETTERS)
    figures = report("database restart", sent=sent, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))
    print(f"[database restart] outage_seconds={OUTAGE_SECONDS} "
          f"webhook_events_while_restarting={during_outage} "
          f"readyz_503={readyz.saw_not_ready} readyz_failing_checks={sorted(readyz.failing)} "
          f"readyz_polls={len(readyz.statuses)}")

    assert reached, "the stream never got going before the restart"
    assert survived, service.lines[-5:]
    assert ready_again, readyz.statuses[-5:]
    assert readyz.saw_not_ready and "publisher.store" in readyz.failing, sorted(readyz.failing)
    assert 0 == graceful_status
    assert_recovered(figures)
