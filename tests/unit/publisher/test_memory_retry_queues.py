"""The in-memory broker mirrors RabbitMQ's retry queues: hold for the TTL, then back to delivery."""

from __future__ import annotations

import asyncio

from shared.messaging import Delivery, OutgoingMessage
from shared.messaging.memory import MemoryBroker


async def test_retry_queue_returns_the_message_to_the_delivery_queue() -> None:
    """A job published with ``retry.0.05`` reaches ``<ns>.deliveries`` after its expiration."""
    broker = MemoryBroker()
    await broker.connect()
    await broker.declare_retry_queues([0.05])
    got: asyncio.Queue[Delivery] = asyncio.Queue()

    async def handler(delivery: Delivery) -> None:
        got.put_nowait(delivery)

    await broker.consume(broker.topology.deliveries_queue, handler, prefetch=1)
    await broker.publish(broker.topology.webhooks, OutgoingMessage(
        body=b'{"delivery_id": "d", "attempt": 2}', routing_key="retry.0.05", message_id="d:2",
        expiration=0.01))
    assert got.empty()
    delivery = await asyncio.wait_for(got.get(), timeout=5)
    await broker.close()
    assert ("deliver", "d:2") == (delivery.routing_key, delivery.message_id)
