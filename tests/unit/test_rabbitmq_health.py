"""The broker's health follows aio-pika's restore, not only its socket.

aio-pika sets ``connection.connected`` as soon as a new socket is open, and only then
restores channels and consumers; its reconnect callbacks run after that restore. Readiness
must not say "ready" in between: consumers are not back yet. Stubs stand in for the
connection here because the window is too short to hit reliably with a real broker; the
real reconnect is exercised by ``tests/faults/test_broker_restart.py``.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from prometheus_client import REGISTRY

from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker


def _reconnects() -> float:
    return REGISTRY.get_sample_value("kamerstroom_broker_reconnects_total") or 0.0


def _broker_with_open_socket() -> RabbitMQBroker:
    broker = RabbitMQBroker("amqp://guest:guest@127.0.0.1:1/", Topology("health-test"))
    connected = asyncio.Event()
    connected.set()
    broker._connection = SimpleNamespace(is_closed=False, connected=connected)  # type: ignore[assignment]
    broker._publish_channel = SimpleNamespace(is_closed=False)  # type: ignore[assignment]
    return broker


async def test_health_waits_for_channels_and_consumers_to_be_restored() -> None:
    broker = _broker_with_open_socket()
    broker._on_reconnect()
    assert broker.health()[0]

    broker._on_connection_lost()  # the outage: aio-pika then opens a new socket
    ok, detail = broker.health()
    assert not ok
    assert "restoring" in detail

    before = _reconnects()
    broker._on_reconnect()  # aio-pika: every channel and consumer is back
    assert broker.health()[0]
    assert _reconnects() == before + 1
