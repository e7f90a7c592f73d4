"""Two publishers on one PostgreSQL database keep one endpoint's concurrency limit between
them: the real broker, a real receiver, two dispatchers (two replicas) fanning out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from kamerstroom.receivers import WebhookReceiver, wait_for
from services.publisher.webhooks.delivery import Dispatcher, DispatchSettings
from services.publisher.webhooks.registry import EndpointRegistry
from services.publisher.webhooks.schedule import RetryPolicy
from services.publisher.webhooks.slots import LocalSlots, PostgresSlots, Slots
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.unit.publisher.test_delivery import event

EVENTS = 16
LIMIT = 2


@dataclass
class Counting(WebhookReceiver):
    """Holds each request 50 ms and records how many were open at once."""

    open_now: int = 0
    most_open: int = 0
    delivered: int = 0

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        await asyncio.sleep(0.05)
        self.open_now -= 1
        self.delivered += 1
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Counting]:
    server = Counting()
    await server.start()
    yield server
    await server.stop()


async def _most_open_with(make_slots: type[Slots] | None, url: str, namespace: str, amqp_url: str,
                          receiver: Counting) -> int:
    """Two replicas fan out ``EVENTS`` events each to one endpoint; the most requests the
    endpoint had open at once."""
    registries = [EndpointRegistry(url) for _ in range(2)]
    endpoint = registries[0].create(receiver.url)
    brokers = [RabbitMQBroker(amqp_url, Topology(namespace), connection_name=f"replica {n}")
               for n in range(2)]
    config = DispatchSettings(policy=RetryPolicy((0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2)), timeout=5.0,
                              concurrency=LIMIT, allow_private=True)
    dispatchers = []
    for broker, registry in zip(brokers, registries, strict=True):
        await broker.connect()
        slots = PostgresSlots(url, LIMIT) if make_slots is PostgresSlots else LocalSlots()
        dispatchers.append(Dispatcher(broker, registry, config, slots=slots))
    try:
        for dispatcher in dispatchers:
            await dispatcher.start()
        await asyncio.gather(*(dispatchers[n % 2].fan_out(event().model_copy(update={"id": f"event-{n}"}))
                               for n in range(2 * EVENTS)))
        assert await wait_for(lambda: receiver.delivered >= 2 * EVENTS, timeout=60)
        statuses = {d.status for d in registries[0].deliveries(endpoint.id, limit=1000)}
    finally:
        for dispatcher in dispatchers:
            await dispatcher.drain()
            await dispatcher.close()
        for broker in brokers:
            await broker.close()
        for registry in registries:
            registry.close()
    assert {"succeeded"} == statuses
    return receiver.most_open


async def test_the_endpoint_limit_holds_across_two_replicas(postgres_url: str, namespace: str,
                                                             amqp_url: str, receiver: Counting) -> None:
    most_open = await _most_open_with(PostgresSlots, postgres_url, namespace, amqp_url, receiver)
    assert most_open <= LIMIT


async def test_without_database_slots_two_replicas_would_exceed_it(
        postgres_url: str, namespace: str, amqp_url: str, receiver: Counting) -> None:
    """The control: each replica's own semaphore alone lets both replicas fill it."""
    most_open = await _most_open_with(None, postgres_url, namespace, amqp_url, receiver)
    assert most_open > LIMIT
