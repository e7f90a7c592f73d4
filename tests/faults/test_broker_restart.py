"""Fault 2: the broker restarts (``stop_app`` / ``start_app``) while 500 letters flow."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from kamerstroom.commands.dead import list_dead
from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.faults.rabbitnode import RabbitNode
from tests.faults.support import (
    DurableSubscriber,
    FlakyWebhook,
    assert_recovered,
    feed_letters,
    letter_id,
    report,
)

LETTERS = 500
RESTART_AFTER = 100  # webhook arrivals before the broker goes away
OUTAGE_SECONDS = 2.0


@pytest.mark.timeout(240)
async def test_broker_restart_mid_stream_loses_nothing_and_announces_nothing_twice(
        rabbit_node: RabbitNode, private_namespace: str, settings: Settings, tmp_path: Path,
        webhook: FlakyWebhook) -> None:
    """Services reconnect by themselves, readiness shows the outage, every letter arrives once."""
    url, topology = rabbit_node.amqp_url, Topology(private_namespace)
    config = settings.model_copy(update={
        "amqp_url": url, "namespace": private_namespace, "sources": [],
        "webhook_urls": [webhook.url], "webhook_retry_schedule": [0, 0.2, 0.5, 1, 1, 1, 1, 1],
        "data_dir": tmp_path / "data"})
    feeder = RabbitMQBroker(url, topology, connection_name="fault-test feeder")
    await feeder.connect()
    subscriber = DurableSubscriber(url, topology)
    await subscriber.start()
    runtime = Runtime.create(config, ("fetcher", "parser", "publisher"))
    await runtime.start()
    reconnects_before = _reconnects()
    try:
        sent = await feed_letters(feeder, range(LETTERS))
        reached = await wait_for(lambda: len(webhook.tally.counts) >= RESTART_AFTER, timeout=60)
        await asyncio.to_thread(rabbit_node.stop_app)
        saw_outage = await wait_for(lambda: not runtime.server.readiness()[0], timeout=10)
        outage_detail = runtime.server.readiness()[1]["broker"]
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(rabbit_node.start_app)
        expected = {letter_id(i) for i in range(LETTERS)}
        await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                       and expected <= subscriber.tally.distinct_subjects, timeout=120)
        ready_again = await wait_for(lambda: runtime.server.readiness()[0], timeout=30)
        reconnects = _reconnects() - reconnects_before
        await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    finally:
        await runtime.stop()
        await subscriber.stop()
        await feeder.close()
    dead = await list_dead(url, topology, limit=LETTERS)
    figures = report("broker restart", sent=sent, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))

    assert reached, "the stream never got going before the restart"
    assert saw_outage, "readiness never showed the broker outage"
    assert False is outage_detail["ok"]
    assert ready_again, runtime.server.readiness()
    assert reconnects >= 1
    assert_recovered(figures)


def _reconnects() -> float:
    return REGISTRY.get_sample_value("kamerstroom_broker_reconnects_total") or 0.0
