"""Broker helpers the scenarios share: declare and delete a namespace, publish fast, count."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from bench.goal import Goal
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology

# Publishes in flight at once (each awaits its confirm); the broker confirms in batches.
PUBLISH_WINDOW = 256


def new_namespace(scenario: str) -> str:
    """A namespace of its own for one scenario run on the shared broker."""
    return f"bench-{scenario}-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def namespace_topology(amqp_url: str, namespace: str) -> AsyncIterator[Topology]:
    """Declare ``namespace``'s topology exactly as the services do; delete it afterwards."""
    topology = Topology(namespace)
    broker = RabbitMQBroker(amqp_url, topology, connection_name=f"bench {namespace}")
    await broker.connect()
    await broker.close()
    try:
        yield topology
    finally:
        await delete_topology(amqp_url, topology)


async def publish_many(amqp_url: str, exchange: str, bodies: Sequence[bytes], routing_key: str,
                       *, message_ids: Sequence[str] | None = None) -> float:
    """Publish ``bodies`` persistently with confirms (``PUBLISH_WINDOW`` in flight).

    Returns the ``time.perf_counter()`` of the first publish: the connection is opened
    before it, so a scenario timed from there does not charge the harness's own AMQP
    handshake to the system under test.
    """
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.get_exchange(exchange, ensure=True)
        window = asyncio.Semaphore(PUBLISH_WINDOW)

        async def one(i: int, body: bytes) -> None:
            async with window:
                await target.publish(aio_pika.Message(
                    body=body, content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message_ids[i] if message_ids else None,
                ), routing_key=routing_key)

        started = time.perf_counter()
        await asyncio.gather(*(one(i, body) for i, body in enumerate(bodies)))
        return started


class Publisher:
    """One confirmed-publish channel, for paced publishing (one message at a time)."""

    def __init__(self, amqp_url: str, exchange: str) -> None:
        self._url = amqp_url
        self._exchange_name = exchange
        self._connection: AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.get_exchange(self._exchange_name, ensure=True)

    async def publish(self, body: bytes, routing_key: str, message_id: str | None = None) -> None:
        assert self._exchange is not None, "start() first"
        await self._exchange.publish(aio_pika.Message(
            body=body, content_type="application/json", message_id=message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=routing_key)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()


class Counter:
    """An exclusive queue bound to an exchange (``#``) that counts messages and stamps arrivals."""

    def __init__(self, amqp_url: str, exchange: str) -> None:
        self._url = amqp_url
        self._exchange = exchange
        self._connection: AbstractRobustConnection | None = None
        self.arrivals: list[float] = []
        self.by_message_id: dict[str, float] = {}
        self._goal = Goal()

    async def start(self) -> None:
        """Bind the queue; messages published to the exchange after this are counted."""
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=1000)
        exchange = await channel.get_exchange(self._exchange, ensure=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "#")
        await queue.consume(self._on_message, no_ack=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        now = time.perf_counter()
        self.arrivals.append(now)
        if message.message_id:
            self.by_message_id.setdefault(message.message_id, now)
        self._goal.observe(len(self.arrivals))

    async def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` messages arrived or ``timeout`` passed; whether they did."""
        return await self._goal.wait(count, len(self.arrivals), timeout)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
