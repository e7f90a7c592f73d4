"""Endpoints that hang cannot take the connections healthy endpoints need."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from kamerstroom.receivers import WebhookReceiver, wait_for
from services.publisher.webhooks.delivery import Dispatcher, DispatchSettings
from services.publisher.webhooks.registry import EndpointRegistry
from services.publisher.webhooks.schedule import RetryPolicy
from shared.messaging.memory import MemoryBroker
from tests.unit.publisher.test_delivery import event


@dataclass
class Stalling(WebhookReceiver):
    """A receiver that answers its first ``refuse`` requests 503, then holds every later
    one open until it stops."""

    refuse: int = 1
    requests: int = 0
    hanging: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.requests += 1
        if self.requests <= self.refuse:
            return web.Response(status=503)
        self.hanging += 1
        await self.release.wait()
        return web.Response(status=204)

    async def stop(self) -> None:
        self.release.set()
        await super().stop()


async def test_failing_endpoints_leave_the_shared_pool_to_healthy_ones(tmp_path: Path) -> None:
    """A failing endpoint's retry that hangs holds as many connections as a pool has (one,
    here); a healthy endpoint's new delivery still connects at once and succeeds before
    that retry ends. (With one shared pool it would wait until the retry timed out.)"""
    stalling, healthy = Stalling(refuse=1), WebhookReceiver()
    await stalling.start()
    await healthy.start()
    broker, registry = MemoryBroker(), EndpointRegistry(tmp_path / "db.sqlite3")
    await broker.connect()
    dispatcher = Dispatcher(broker, registry, DispatchSettings(
        policy=RetryPolicy((0, 0, 0)), timeout=5.0, concurrency=1, connections=1, allow_private=True))
    await dispatcher.start()
    try:
        slow = registry.create(stalling.url)
        await dispatcher.fan_out(event())  # refused (503): the endpoint is failing; its retry hangs
        assert await wait_for(lambda: stalling.hanging == 1, timeout=10)
        good = registry.create(healthy.url)
        await dispatcher.fan_out(event().model_copy(update={"id": "event-2"}))
        assert await wait_for(lambda: registry.deliveries(good.id)[0].status == "succeeded", timeout=10)
        retries_ended = [a for d in registry.deliveries(slow.id) for a in registry.attempts(d.id)
                         if a.attempt >= 2]
    finally:
        await stalling.stop()
        await dispatcher.drain()
        await dispatcher.close()
        await broker.close()
        await healthy.stop()
    assert ([], 1) == (retries_ended, registry.deliveries(good.id)[0].attempts)
