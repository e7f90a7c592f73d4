"""Fixtures for the fetcher against the local feed server and the real broker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
import pytest

from kamerstroom.feedserver import FeedServer
from services.fetcher.http import HttpOptions, PoliteClient
from services.fetcher.main import build_sources
from services.fetcher.service import FetcherService
from services.fetcher.sources.base import Source
from services.fetcher.store import FetcherStore
from shared.config import Settings
from shared.errors import RetryLater
from shared.messaging import Broker, Consumer, OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker

# Fast but real: no politeness delay, short backoff, a short timeout for the "slow" fault.
FAST = HttpOptions(min_interval=0.0, max_bytes=512 * 1024, timeout=1.0, attempts=3,
                   backoff_initial=0.01, backoff_max=0.05)


@dataclass
class Queued:
    """A message taken off a queue."""

    body: bytes
    headers: dict[str, Any]
    routing_key: str

    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


async def drain(amqp_url: str, queue: str, limit: int = 10_000) -> list[Queued]:
    """Every message currently in ``queue`` (taken off it)."""
    connection = await aio_pika.connect(amqp_url, timeout=5)
    taken: list[Queued] = []
    async with connection:
        channel = await connection.channel()
        source = await channel.get_queue(queue, ensure=True)
        for _ in range(limit):
            message = await source.get(no_ack=True, fail=False)
            if message is None:
                break
            taken.append(Queued(message.body, dict(message.headers), message.routing_key or ""))
    return taken


class FlakyBroker(Broker):
    """The real broker, refusing every raw publish after the first ``allowed`` (a crash)."""

    def __init__(self, inner: Broker, allowed: int) -> None:
        self._inner = inner
        self.topology = inner.topology
        self.allowed = allowed

    async def connect(self) -> None:
        await self._inner.connect()

    async def close(self) -> None:
        await self._inner.close()

    async def publish(self, exchange: str, message: OutgoingMessage, *,
                      mandatory: bool = True) -> None:
        if exchange == self.topology.raw:
            if self.allowed <= 0:
                raise RetryLater("broker went away (simulated)")
            self.allowed -= 1
        await self._inner.publish(exchange, message, mandatory=mandatory)

    async def consume(self, queue: str, handler: Any, *, prefetch: int) -> Consumer:
        return await self._inner.consume(queue, handler, prefetch=prefetch)

    async def stop_deliveries(self) -> None:
        await self._inner.stop_deliveries()

    async def declare_retry_queues(self, delays: Sequence[float]) -> None:
        await self._inner.declare_retry_queues(delays)

    def health(self) -> tuple[bool, str]:
        return self._inner.health()


@dataclass
class Harness:
    """A fetcher wired to the feed server and a real broker namespace, one poll at a time."""

    settings: Settings
    broker: RabbitMQBroker
    server: FeedServer

    def service(self, broker: Broker | None = None, http: HttpOptions = FAST,
                interval: float = 3600.0, **start: Any) -> FetcherService:
        """A fresh service over the same data directory (a restart).

        ``start`` may hold ``start_date`` (default: the settings') and ``today`` (a clock).
        """
        start.setdefault("start_date", self.settings.start_date)
        return FetcherService(broker or self.broker, FetcherStore(self.settings.db_path),
                              build_sources(self.settings), interval=interval, http=http,
                              **start)

    def source(self, name: str) -> Source:
        return next(s for s in build_sources(self.settings) if s.name == name)

    async def poll(self, name: str, service: FetcherService | None = None,
                   http: HttpOptions = FAST) -> Any:
        """One poll of source ``name``; returns its tally."""
        own = service is None
        service = service or self.service(http=http)
        try:
            async with PoliteClient.session() as session:
                return await service.poll_once(self.source(name), PoliteClient(session, http))
        finally:
            if own:
                await service.stop()

    async def raw(self) -> list[Queued]:
        return await drain(self.settings.amqp_url, self.broker.topology.parser_queue)

    async def dead(self) -> list[Queued]:
        return await drain(self.settings.amqp_url, self.broker.topology.dead_queue)


@pytest.fixture
async def harness(settings: Settings, namespace: str,
                  feed_server: FeedServer) -> AsyncIterator[Harness]:
    """The feed server, a connected broker in a fresh namespace, settings pointing at both."""
    config = settings.model_copy(update={
        "namespace": namespace, "ob_sru_url": feed_server.sru_url,
        "tk_api_url": feed_server.tk_url,
        "max_document_bytes": FAST.max_bytes,
    })
    broker = RabbitMQBroker(config.amqp_url, Topology(namespace), connection_name="fetcher-test")
    await broker.connect()
    yield Harness(config, broker, feed_server)
    await broker.close()
