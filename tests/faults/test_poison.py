"""Fault 4: poison messages among good ones end in ``<ns>.dead``; the rest flow."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from kamerstroom.commands.dead import list_dead
from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.messaging import OutgoingMessage
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.schema import RawDocument
from tests.faults.support import (
    FEED,
    DurableSubscriber,
    FlakyWebhook,
    feed_letters,
    letter_id,
    report,
)

LETTERS = 100


def _poison() -> list[OutgoingMessage]:
    """A message that is no raw document at all, and a raw document that is not XML."""
    broken = RawDocument(feed=FEED, upstream_id="kst-broken-1", format="kst-xml",
                         fetched_at=datetime.now(UTC), body=b"\x00\x01 not xml <<<")
    return [
        OutgoingMessage(body=b"\x00 not json", routing_key=FEED, message_id="poison-envelope",
                        headers={"x-kamerstroom-feed": FEED, "x-test-marker": "envelope"}),
        OutgoingMessage(body=broken.model_dump_json().encode(), routing_key=FEED,
                        message_id="poison-xml",
                        headers={"x-kamerstroom-feed": FEED, "x-test-marker": "xml"}),
    ]


@pytest.mark.timeout(120)
async def test_poison_is_dead_lettered_and_the_rest_flow(
        namespace: str, amqp_url: str, settings: Settings, feeder: RabbitMQBroker,
        webhook: FlakyWebhook, subscriber: DurableSubscriber) -> None:
    """Both poison messages are dead-lettered with reason and headers; every good letter arrives once."""
    config = settings.model_copy(update={"namespace": namespace, "sources": [],
                                         "webhook_urls": [webhook.url]})
    runtime = Runtime.create(config, ("parser", "publisher"))
    await runtime.start()
    expected = {letter_id(i) for i in range(LETTERS)}
    try:
        sent = await feed_letters(feeder, range(LETTERS // 2))
        for message in _poison():
            await feeder.publish(feeder.topology.raw, message)
        sent += await feed_letters(feeder, range(LETTERS // 2, LETTERS))
        await wait_for(lambda: expected <= webhook.tally.distinct_subjects
                       and expected <= subscriber.tally.distinct_subjects, timeout=60)
        dead = []
        for _ in range(50):  # the dead copy is confirmed before the ack: it is there by now
            dead = await list_dead(amqp_url, feeder.topology, limit=10)
            if len(dead) >= 2:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
    figures = report("poison", sent=sent + 2, expected=expected, webhook=webhook.tally,
                     queue=subscriber.tally, dead=len(dead))
    by_id = {letter.id: letter for letter in dead}

    assert ["poison-envelope", "poison-xml"] == sorted(by_id)
    assert "bad-envelope" == by_id["poison-envelope"].reason
    assert "malformed-xml" == by_id["poison-xml"].reason
    assert feeder.topology.parser_queue == by_id["poison-xml"].origin_queue
    assert "xml" == by_id["poison-xml"].headers["x-test-marker"]
    assert 0 == figures["webhook_lost"]
    assert 0 == figures["queue_lost"]
    assert 0 == figures["webhook_redelivered"]
    assert 0 == figures["queue_redelivered"]
