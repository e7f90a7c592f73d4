"""Fault 1: ``kill -9`` of the all-in-one process while 500 letters flow, then a restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kamerstroom.commands.dead import list_dead
from kamerstroom.receivers import wait_for
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.faults.support import (
    IN_FLIGHT_BOUND,
    DurableSubscriber,
    FlakyWebhook,
    feed_letters,
    letter_id,
    report,
)

LETTERS = 500
KILL_AFTER = 100  # webhook arrivals before the kill: well inside the stream


class Process:
    """``kamerstroom run`` as a child process, its JSON log lines collected as they come."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[dict[str, object]] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kamerstroom", "run", env=self._env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            try:
                self.lines.append(json.loads(raw))
            except ValueError:
                self.lines.append({"event": raw.decode(errors="replace").strip()})

    def started(self) -> bool:
        return any(line.get("event") == "started" for line in self.lines)

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None and self._reader is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    def kill(self, sig: int) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(sig)


@pytest.fixture
async def processes() -> AsyncIterator[list[Process]]:
    """Processes the test starts; any still running at the end is killed (never left behind)."""
    started: list[Process] = []
    yield started
    for process in started:
        if process.proc is not None and process.proc.returncode is None:
            process.kill(signal.SIGKILL)
            await process.wait(timeout=10)


def _env(namespace: str, amqp_url: str, data_dir: Path, webhook_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "KAMERSTROOM_AMQP_URL": amqp_url,
        "KAMERSTROOM_NAMESPACE": namespace,
        "KAMERSTROOM_HTTP_HOST": "127.0.0.1",
        "KAMERSTROOM_HTTP_PORT": "0",
        "KAMERSTROOM_DATA_DIR": str(data_dir),
        "KAMERSTROOM_SOURCES": "",  # letters come straight into <ns>.raw
        "KAMERSTROOM_WEBHOOK_URLS": webhook_url,
        "KAMERSTROOM_WEBHOOK_ALLOW_PRIVATE": "true",
        "KAMERSTROOM_WEBHOOK_RETRY_SCHEDULE": "0,0.2,0.5,1,1,1,1,1",
        "KAMERSTROOM_SHUTDOWN_TIMEOUT": "10",
        "KAMERSTROOM_LOG_LEVEL": "warning",
    }


@pytest.mark.timeout(240)
async def test_kill_9_mid_stream_loses_nothing_and_announces_nothing_twice(
        namespace: str, amqp_url: str, tmp_path: Path, feeder: RabbitMQBroker,
        webhook: FlakyWebhook, subscriber: DurableSubscriber, processes: list[Process]) -> None:
    """After SIGKILL and a restart every letter arrives once at the webhook and the queue."""
    env = _env(namespace, amqp_url, tmp_path / "data", webhook.url)
    env["KAMERSTROOM_LOG_LEVEL"] = "info"  # the first run must say "started"
    first = Process(env)
    processes.append(first)
    await first.start()
    assert await wait_for(first.started, timeout=30), first.lines[-5:]
    sent = await feed_letters(feeder, range(LETTERS))
    reached = await wait_for(lambda: len(webhook.tally.counts) >= KILL_AFTER, timeout=60)
    first.kill(signal.SIGKILL)
    killed_status = await first.wait(timeout=10)

    second = Process(_env(namespace, amqp_url, tmp_path / "data", webhook.url))
    processes.append(second)
    await second.start()
    expected = {letter_id(i) for i in range(LETTERS)}
    await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                   and expected <= subscriber.tally.distinct_subjects, timeout=120)
    await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    second.kill(signal.SIGTERM)
    graceful_status = await second.wait(timeout=30)
    dead = await list_dead(amqp_url, feeder.topology, limit=LETTERS)
    figures = report("kill -9", sent=sent, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))

    assert reached, "the stream never got going before the kill"
    assert -signal.SIGKILL == killed_status
    assert 0 == graceful_status
    assert 0 == figures["webhook_lost"]
    assert 0 == figures["queue_lost"]
    assert 0 == figures["dead_lettered"]
    # A crash or an outage between a confirmed send and its bookkeeping re-sends that
    # event under the same id after recovery; only work in flight at that moment can be
    # re-sent, so more than one prefetch window of it would mean replaying finished work.
    assert figures["webhook_redelivered"] <= IN_FLIGHT_BOUND
    assert figures["queue_redelivered"] <= IN_FLIGHT_BOUND
    assert 0 == figures["versions_announced_twice"]
