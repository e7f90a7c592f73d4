"""``kamerstroom run`` with its parser in a child process (``KAMERSTROOM_RUN_PARSER_PROCESS=on``):
the child's metrics on ``run``'s ``/metrics``, a killed child restarted with nothing lost, a
crash loop ending ``run`` non-zero, and no child outliving ``run`` (SIGTERM or SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kamerstroom.commands.dead import list_dead
from kamerstroom.receivers import wait_for
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.faults.processes import Process, alive, service_env
from tests.faults.support import (
    DurableSubscriber,
    FlakyWebhook,
    assert_recovered,
    feed_letters,
    letter_id,
    report,
)

AROUND_THE_CRASH = 40  # letters published just before the child is killed: some in flight


def _env(namespace: str, amqp_url: str, data: Path, webhook_url: str) -> dict[str, str]:
    env = service_env(namespace, amqp_url, data, webhook_url)
    env["KAMERSTROOM_RUN_PARSER_PROCESS"] = "on"
    env["KAMERSTROOM_LOG_LEVEL"] = "info"  # "started" and the supervision lines
    return env


async def _start(env: dict[str, str], processes: list[Process]) -> tuple[Process, int]:
    """``run`` started, and the pid of its one child, the parser process."""
    run = Process(env)
    processes.append(run)
    await run.start()
    assert await wait_for(run.started, timeout=30), run.lines[-5:]
    children = run.children()
    assert 1 == len(children), children
    return run, children[0]


async def _parsed_by_child(run: Process) -> float:
    """``kamerstroom_parse_results_total`` of the child on ``run``'s ``/metrics`` (which must
    parse), after checking the parent itself parsed nothing."""
    status, text = await run.get("/metrics")
    assert 200 == status
    samples = [sample for family in text_string_to_metric_families(text)
               if family.name == "kamerstroom_parse_results" for sample in family.samples
               if sample.name.endswith("_total")]
    assert 0 == sum(s.value for s in samples if "process" not in s.labels), samples
    return sum(s.value for s in samples if s.labels.get("process") == "parser")


async def _readiness_after_kill(run: Process) -> list[int]:
    """``/readyz`` statuses, each change once, from now until it is 200 after a 503."""
    seen: list[int] = []

    async def poll() -> None:
        while not (503 in seen and seen[-1] == 200):
            status, _ = await run.get("/readyz")
            if not seen or seen[-1] != status:
                seen.append(status)
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout=30)
    return seen


@pytest.mark.timeout(90)
async def test_kill_9_of_the_parser_child_restarts_it_and_loses_nothing(
        namespace: str, amqp_url: str, tmp_path: Path, feeder: RabbitMQBroker,
        webhook: FlakyWebhook, subscriber: DurableSubscriber, processes: list[Process]) -> None:
    """The child's count is on ``run``'s ``/metrics``; after ``kill -9`` of the child ``/readyz``
    turns 503 and back to 200 under a new child, every letter sent around the crash is
    announced once; SIGTERM then stops both with status 0."""
    run, first = await _start(_env(namespace, amqp_url, tmp_path / "data", webhook.url), processes)
    sent = await feed_letters(feeder, [0])
    assert await wait_for(lambda: {letter_id(0)} <= webhook.tally.distinct_subjects, timeout=30)
    parsed_before = await _parsed_by_child(run)

    sent += await feed_letters(feeder, range(1, 1 + AROUND_THE_CRASH))
    os.kill(first, signal.SIGKILL)
    readiness = await _readiness_after_kill(run)
    expected = {letter_id(i) for i in range(sent)}
    await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                   and expected <= subscriber.tally.distinct_subjects, timeout=60)
    await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    [second] = run.children()
    parsed_after = await _parsed_by_child(run)
    run.kill(signal.SIGTERM)
    status = await run.wait(timeout=30)
    dead = await list_dead(amqp_url, feeder.topology, limit=sent)
    figures = report("kill -9 parser child", sent=sent, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))

    assert 1.0 == parsed_before
    assert 1 <= parsed_after <= sent  # the new child's own count: what it parsed since
    assert [503, 200] == readiness[-2:], readiness
    assert first != second
    [crash] = run.logged("parser process exited; restarting")
    assert (first, -signal.SIGKILL, "SIGKILL") == (crash["pid"], crash["status"], crash["signal"])
    assert [(second, 0)] == [(line["pid"], line["status"])
                            for line in run.logged("parser process stopped")]
    assert 0 == status
    assert not alive(second)
    assert_recovered(figures)


@pytest.mark.timeout(60)
async def test_a_parser_child_that_keeps_crashing_stops_run_with_a_non_zero_status(
        namespace: str, amqp_url: str, tmp_path: Path, webhook: FlakyWebhook,
        processes: list[Process]) -> None:
    """Each new child is killed as soon as it appears: the fifth crash within the minute makes
    ``run`` stop everything and exit 1, saying why, with no child left."""
    run, _ = await _start(_env(namespace, amqp_url, tmp_path / "data", webhook.url), processes)
    killed: set[int] = set()

    async def kill_every_child() -> None:
        while run.running:
            for pid in set(run.children()) - killed:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            await asyncio.sleep(0.02)

    killer = asyncio.create_task(kill_every_child())
    status = await run.wait(timeout=45)
    await killer

    assert 1 == status
    assert 5 == len(killed), killed
    assert 4 == len(run.logged("parser process exited; restarting"))
    assert 1 == len(run.logged("parser process keeps crashing; stopping"))
    assert 1 == len(run.logged("stopped: a service gave up"))
    assert [] == [pid for pid in killed if alive(pid)]


@pytest.mark.timeout(60)
async def test_the_parser_child_does_not_outlive_a_killed_run(
        namespace: str, amqp_url: str, tmp_path: Path, webhook: FlakyWebhook,
        processes: list[Process]) -> None:
    """``kill -9`` of ``run`` itself: its child sees the parent gone and shuts down gracefully."""
    run, child = await _start(_env(namespace, amqp_url, tmp_path / "data", webhook.url), processes)
    run.kill(signal.SIGKILL)
    assert -signal.SIGKILL == await run.wait(timeout=10)

    assert await wait_for(lambda: not alive(child), timeout=20)
    assert 1 == len([line for line in run.lines
                     if line.get("event") == "stopped" and line.get("process") == "parser"])
