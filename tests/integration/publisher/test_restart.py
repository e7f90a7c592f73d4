"""A retry waiting in RabbitMQ survives a publisher restart."""

from __future__ import annotations

import aiohttp

from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from services.publisher.webhooks.schedule import RetryPolicy
from shared.config import Settings
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from tests.integration.publisher.conftest import ADMIN_TOKEN, ScriptedReceiver
from tests.unit.publisher.letters import document, kst


async def test_pending_retry_is_delivered_by_the_next_process(
    publisher_settings: Settings, amqp_url: str, receivers
) -> None:
    """First attempt fails, the publisher stops; a new publisher makes the second attempt."""
    config = publisher_settings.model_copy(update={"webhook_retry_schedule": [0.0, 1.0]})
    receiver: ScriptedReceiver = await receivers(script=lambda n: 500 if n == 1 else 204)
    first = Runtime.create(config, ("publisher",))
    await first.start()
    feeder = RabbitMQBroker(amqp_url, Topology(config.namespace))
    await feeder.connect()
    second: Runtime | None = None
    running = first
    try:
        async with aiohttp.ClientSession() as http, http.post(
                f"http://127.0.0.1:{first.server.port}/v1/endpoints", json={"url": receiver.url},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
            assert 201 == resp.status
        await feeder.publish(feeder.topology.normalised, OutgoingMessage(
            body=document(kst()).model_dump_json().encode(), routing_key="test"))
        assert await wait_for(lambda: len(receiver.requests) >= 1, timeout=20)
        await first.stop()
        count_while_down = len(receiver.requests)
        running = second = Runtime.create(config, ("publisher",))
        await second.start()
        assert await wait_for(lambda: len(receiver.requests) >= 2, timeout=20)
    finally:
        await feeder.close()
        await running.stop()
        await delete_topology(amqp_url, Topology(config.namespace, retry_delays=RetryPolicy(
            tuple(config.webhook_retry_schedule)).ladder))
    assert 1 == count_while_down
    assert 1 == len(set(receiver.ids()))
