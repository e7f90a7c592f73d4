"""Fixtures for the fault tests: a private RabbitMQ node, receivers, a connected feeder,
child processes that are never left behind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from shared.config import Settings
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from tests.faults.processes import Process
from tests.faults.rabbitnode import RabbitNode, free_port
from tests.faults.support import DurableSubscriber, FlakyWebhook


@pytest.fixture(scope="session")
def rabbit_node() -> Iterator[RabbitNode]:
    """A RabbitMQ node of this test session only: it may be stopped and started at will."""
    node = RabbitNode.create()
    try:
        node.start()
        yield node
    finally:
        node.stop()


@pytest.fixture
async def webhook() -> AsyncIterator[FlakyWebhook]:
    """A webhook receiver on a fixed free loopback port, up."""
    receiver = FlakyWebhook(free_port())
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def feeder(namespace: str, amqp_url: str) -> AsyncIterator[RabbitMQBroker]:
    """A broker connection on the test's namespace (topology declared) to feed letters with."""
    broker = RabbitMQBroker(amqp_url, Topology(namespace), connection_name="fault-test feeder")
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture
async def subscriber(namespace: str, amqp_url: str,
                     feeder: RabbitMQBroker) -> AsyncIterator[DurableSubscriber]:
    """A durable queue subscriber on ``<ns>.events`` (deleted afterwards)."""
    sub = DurableSubscriber(amqp_url, Topology(namespace))
    await sub.start()
    yield sub
    await sub.stop()


@pytest.fixture
async def processes() -> AsyncIterator[list[Process]]:
    """Processes the test starts; any still running at the end is killed (never left behind)."""
    started: list[Process] = []
    yield started
    for process in started:
        await process.kill_and_reap()


@pytest.fixture
async def private_namespace(rabbit_node: RabbitNode) -> AsyncIterator[str]:
    """A namespace on the private node, deleted afterwards (the node lives on)."""
    import uuid

    ns = f"fault-{uuid.uuid4().hex[:10]}"
    yield ns
    if rabbit_node.answers():
        await delete_topology(rabbit_node.amqp_url, Topology(ns))


@pytest.fixture
def settings(settings: Settings, database_url: str | None) -> Settings:
    """Every fault test on ``settings`` runs once per state backend: SQLite, then
    PostgreSQL (the ``database_url`` fixture's ids)."""
    return settings.model_copy(update={"database_url": database_url})
