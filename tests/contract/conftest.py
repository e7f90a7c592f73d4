"""The brokers the contract holds for: RabbitMQ on the real local server, and in-memory.

Every test here takes ``kit`` and runs once per backend. A RabbitMQ kit has a namespace of
its own, deleted afterwards; its work queues have a delivery limit of ``DELIVERY_LIMIT``
so that reaching it takes a few deliveries, not twenty.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aio_pika
import pytest

from kamerstroom.receivers import wait_for
from shared.messaging import Broker, Delivery, Topology
from shared.messaging.memory import MemoryBroker
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology

DELIVERY_LIMIT = 2
# Retry queue delays the tests declare (``delete_topology`` removes the queues of these).
RETRY_DELAYS = (0.2, 300.0)
# Bound on every wait for something the broker does by itself.
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.02


@dataclass
class BrokerKit:
    """One backend on one namespace: the connected ``broker`` and ways to look at it."""

    kind: str
    broker: Broker
    amqp_url: str
    opened: list[Broker] = field(default_factory=list)

    @property
    def topology(self) -> Topology:
        return self.broker.topology

    def unconnected(self) -> Broker:
        """A broker of this backend on this namespace that has not connected yet."""
        broker: Broker = (MemoryBroker(self.topology) if self.kind == "memory"
                          else RabbitMQBroker(self.amqp_url, self.topology))
        self.opened.append(broker)
        return broker

    async def reopen(self) -> Broker:
        """What a process starting after ``broker`` closed finds: the in-memory broker
        connects again (its queues are its own), RabbitMQ makes a new connection."""
        broker = self.broker if self.kind == "memory" else self.unconnected()
        await broker.connect()
        return broker

    async def depth(self, queue: str) -> int:
        """Messages ready in ``queue`` (delivered but unsettled ones are not)."""
        return (await self.broker.queue_depths())[queue]

    async def wait_depth(self, queue: str, expected: int) -> bool:
        """Wait (bounded) until ``queue`` holds ``expected`` ready messages; true if it did.

        RabbitMQ counts a quorum queue's messages a moment after it delivered or took one.
        """
        for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
            if await self.depth(queue) == expected:
                return True
            await asyncio.sleep(POLL_SECONDS)
        return False

    async def collect(self, queue: str, *, prefetch: int = 10) -> list[Delivery]:
        """Consume ``queue`` into a list that fills as deliveries arrive (acked)."""
        got: list[Delivery] = []

        async def keep(delivery: Delivery) -> None:
            got.append(delivery)

        await self.broker.consume(queue, keep, prefetch=prefetch)
        return got

    async def persistent(self, queue: str) -> bool:
        """Whether the oldest message in ``queue`` outlives a broker restart: on RabbitMQ,
        delivery mode 2 (the topology's queues are declared durable). The in-memory broker
        has no restart; its queues live as long as the object, which is all it can promise.
        The message stays in the queue."""
        if self.kind == "memory":
            return True
        connection = await aio_pika.connect(self.amqp_url, timeout=5)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            message = await declared.get(no_ack=False, fail=True, timeout=5)
            assert message is not None
            await message.nack(requeue=True)
            return message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT


async def wait(predicate: Callable[[], bool]) -> bool:
    """Wait (bounded by ``WAIT_SECONDS``) until ``predicate`` holds; true if it did."""
    return await wait_for(predicate, timeout=WAIT_SECONDS, interval=POLL_SECONDS)


@pytest.fixture(params=["memory", "rabbitmq"])
async def kit(request: pytest.FixtureRequest, amqp_url: str) -> AsyncIterator[BrokerKit]:
    """A connected broker of each backend, with a namespace of its own."""
    topology = Topology(f"contract-{uuid.uuid4().hex[:10]}", retry_delays=RETRY_DELAYS,
                        delivery_limit=DELIVERY_LIMIT)
    kind = str(request.param)
    broker: Broker = (MemoryBroker(topology) if kind == "memory"
                      else RabbitMQBroker(amqp_url, topology))
    built = BrokerKit(kind, broker, amqp_url)
    try:
        await broker.connect()
        yield built
    finally:
        for opened in [broker, *built.opened]:
            await opened.close()
        if kind == "rabbitmq":
            await delete_topology(amqp_url, topology)
        await _settle_left_tasks()


async def _settle_left_tasks() -> None:
    """Wait (bounded) for the tasks the clients left running: aio-pika runs a closed
    connection's callbacks in tasks of their own, and a loop closed under them makes
    an unraisable-exception warning in whichever test comes next."""
    current = asyncio.current_task()
    left = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if left:
        await asyncio.wait(left, timeout=WAIT_SECONDS)
