"""The RabbitMQ backend's operational promises: trace propagation, drain on close, depths."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import structlog
from prometheus_client import REGISTRY

from kamerstroom.receivers import wait_for
from shared import tracing
from shared.messaging import Delivery, OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.topology import CORRELATION_HEADER
from shared.tracing import TRACEPARENT_HEADER

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
async def broker(namespace: str, amqp_url: str) -> AsyncIterator[RabbitMQBroker]:
    """A connected broker on the test's namespace."""
    b = RabbitMQBroker(amqp_url, Topology(namespace))
    await b.connect()
    yield b
    await b.close()


def _message(i: int, **headers: str) -> OutgoingMessage:
    return OutgoingMessage(body=b"{}", routing_key="officielebekendmakingen",
                           message_id=f"m-{i}", headers=headers)


async def test_handlers_run_in_the_message_trace_and_pass_it_on(broker: RabbitMQBroker) -> None:
    """A handler sees the delivery's ids as log context; what it publishes carries the trace on."""
    seen: list[dict[str, object]] = []
    forwarded: list[Delivery] = []

    async def parser(delivery: Delivery) -> None:
        tracing.bind(correlation_id="kst-36124-3")
        seen.append(dict(structlog.contextvars.get_contextvars()))
        await broker.publish(broker.topology.normalised, _message(1))

    async def publisher(delivery: Delivery) -> None:
        forwarded.append(delivery)

    await broker.consume(broker.topology.parser_queue, parser, prefetch=1)
    await broker.consume(broker.topology.publisher_queue, publisher, prefetch=1)
    await broker.publish(broker.topology.raw, _message(0, traceparent=f"00-{TRACE}-00f067aa0ba902b7-01"))
    await wait_for(lambda: len(forwarded) == 1, timeout=10)

    assert TRACE == seen[0]["trace_id"]
    assert "kst-36124-3" == seen[0]["correlation_id"]
    assert "kst-36124-3" == forwarded[0].headers[CORRELATION_HEADER]
    parsed = tracing.parse_traceparent(str(forwarded[0].headers[TRACEPARENT_HEADER]))
    assert parsed is not None and TRACE == parsed[0]


async def test_close_lets_handlers_in_flight_finish_and_ack(
        broker: RabbitMQBroker, namespace: str, amqp_url: str) -> None:
    """Messages being handled when close() starts are finished and acked, not redelivered."""
    started: list[str] = []
    finished: list[str] = []

    async def slow(delivery: Delivery) -> None:
        started.append(str(delivery.message_id))
        await asyncio.sleep(0.5)
        finished.append(str(delivery.message_id))

    await broker.consume(broker.topology.parser_queue, slow, prefetch=3)
    for i in range(3):
        await broker.publish(broker.topology.raw, _message(i))
    await wait_for(lambda: len(started) == 3, timeout=10)
    await broker.close()
    again = RabbitMQBroker(amqp_url, Topology(namespace))
    await again.connect()
    depths = await again.queue_depths()
    await again.close()

    assert ["m-0", "m-1", "m-2"] == sorted(finished)
    assert 0 == depths[broker.topology.parser_queue]


async def test_queue_depths_count_waiting_messages(broker: RabbitMQBroker) -> None:
    """Messages nobody consumes show up in the depth of their queue."""
    for i in range(4):
        await broker.publish(broker.topology.raw, _message(i))
    depths = await broker.queue_depths()
    assert {broker.topology.parser_queue: 4, broker.topology.publisher_queue: 0,
            broker.topology.dead_queue: 0, broker.topology.deliveries_queue: 0,
            broker.topology.refetch_queue: 0} == depths


async def test_queue_depths_include_declared_retry_queues(broker: RabbitMQBroker) -> None:
    """Retry queues the publisher declared are sampled too (the webhook retry backlog)."""
    await broker.declare_retry_queues([5])  # a default delay: the fixture deletes it
    depths = await broker.queue_depths()
    assert 0 == depths[broker.topology.retry_queue(5)]


async def test_publishes_and_consumes_are_counted(broker: RabbitMQBroker) -> None:
    """Confirmed publishes and acked deliveries appear in the broker metrics."""
    queue = broker.topology.parser_queue

    def acked() -> float:
        return REGISTRY.get_sample_value("kamerstroom_broker_consumed_total",
                                         {"queue": queue, "outcome": "ack"}) or 0.0

    async def ok(_: Delivery) -> None:
        return None

    await broker.consume(queue, ok, prefetch=2)
    await broker.publish(broker.topology.raw, _message(0))
    await wait_for(lambda: acked() == 1.0, timeout=10)
    confirmed = REGISTRY.get_sample_value("kamerstroom_broker_publishes_total",
                                          {"exchange": broker.topology.raw, "outcome": "confirmed"})
    assert 1.0 == acked()
    assert 1.0 == confirmed
