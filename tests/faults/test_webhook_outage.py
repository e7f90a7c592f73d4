"""Fault 3: the webhook receiver is down for a while, then comes back."""

from __future__ import annotations

import asyncio

import pytest

from kamerstroom.commands.dead import list_dead
from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.faults.support import DurableSubscriber, FlakyWebhook, feed_letters, letter_id, report

LETTERS = 100
DOWN_SECONDS = 3.0


@pytest.mark.timeout(120)
async def test_deliveries_arrive_after_the_receiver_comes_back(
        namespace: str, amqp_url: str, settings: Settings, feeder: RabbitMQBroker,
        webhook: FlakyWebhook, subscriber: DurableSubscriber) -> None:
    """Every delivery reaches the receiver after retries; the queue gets each event once."""
    config = settings.model_copy(update={
        "namespace": namespace, "sources": [], "webhook_urls": [webhook.url],
        "webhook_retry_schedule": [0, 0.2, 0.5, 1, 1, 1, 1, 1, 1, 1]})
    await webhook.stop()
    runtime = Runtime.create(config, ("parser", "publisher"))
    await runtime.start()
    expected = {letter_id(i) for i in range(LETTERS)}
    try:
        sent = await feed_letters(feeder, range(LETTERS))
        announced = await wait_for(lambda: expected <= subscriber.tally.distinct_subjects,
                                   timeout=20)
        await asyncio.sleep(DOWN_SECONDS)
        await webhook.start()
        await wait_for(lambda: expected <= webhook.tally.distinct_subjects, timeout=30)
        await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    finally:
        await runtime.stop()
    dead = await list_dead(amqp_url, feeder.topology, limit=LETTERS)
    figures = report("webhook outage", sent=sent, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))

    assert announced, "events were not announced on the queue while the webhook was down"
    assert 0 == figures["webhook_lost"]
    assert 0 == figures["queue_lost"]
    assert 0 == figures["dead_lettered"]
    assert 0 == figures["webhook_redelivered"]
    assert 0 == figures["queue_redelivered"]
    assert 0 == figures["versions_announced_twice"]
