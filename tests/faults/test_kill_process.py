"""Fault 1: ``kill -9`` of the all-in-one process while 500 letters flow, then a restart,
on each store backend (SQLite in the data folder, PostgreSQL)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

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

LETTERS = 500
KILL_AFTER = 100  # webhook arrivals before the kill: well inside the stream


@pytest.mark.timeout(240)
async def test_kill_9_mid_stream_loses_nothing_and_announces_nothing_twice(
        namespace: str, amqp_url: str, tmp_path: Path, database_url: str | None,
        feeder: RabbitMQBroker, webhook: FlakyWebhook, subscriber: DurableSubscriber,
        processes: list[Process]) -> None:
    """After SIGKILL and a restart every letter arrives once at the webhook and the queue."""
    env = service_env(namespace, amqp_url, tmp_path / "data", webhook.url, database_url)
    env["KAMERSTROOM_LOG_LEVEL"] = "info"  # the first run must say "started"
    first = Process(env)
    processes.append(first)
    await first.start()
    assert await wait_for(first.started, timeout=30), first.lines[-5:]
    sent = await feed_letters(feeder, range(LETTERS))
    reached = await wait_for(lambda: len(webhook.tally.counts) >= KILL_AFTER, timeout=60)
    first.kill(signal.SIGKILL)
    killed_status = await first.wait(timeout=10)

    second = Process(service_env(namespace, amqp_url, tmp_path / "data", webhook.url,
                                 database_url))
    processes.append(second)
    await second.start()
    expected = {letter_id(i) for i in range(LETTERS)}
    await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                   and expected <= subscriber.tally.distinct_subjects, timeout=120)
    await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    second.kill(signal.SIGTERM)
    graceful_status = await second.wait(timeout=30)
    dead = await list_dead(amqp_url, feeder.topology, limit=LETTERS)
    backend = "postgresql" if database_url else "sqlite"
    figures = report(f"kill -9 {backend}", sent=sent, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))

    assert reached, "the stream never got going before the kill"
    assert -signal.SIGKILL == killed_status
    assert 0 == graceful_status
    assert_recovered(figures)
