"""The two ways a user receives events, in miniature: a webhook receiver and a queue subscriber.

The demo prints what they get; tests assert on it; ``kamerstroom subscribe`` builds on the
subscriber.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aiohttp import web


@dataclass
class Received:
    """One event as a receiver got it."""

    body: dict[str, Any]
    headers: dict[str, Any]
    routing_key: str | None = None
    raw: bytes = b""
    content_type: str | None = None  # the AMQP content_type, or the HTTP Content-Type


@dataclass
class WebhookReceiver:
    """An aiohttp server on loopback that records every POST (and answers ``status``)."""

    host: str = "127.0.0.1"
    status: int = 204
    received: list[Received] = field(default_factory=list)
    on_event: Callable[[Received], None] | None = None
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{self.host}:{port}/hook"
        return self.url

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        item = Received(body=body, headers=dict(request.headers), raw=raw,
                        content_type=request.headers.get("Content-Type"))
        self.received.append(item)
        if self.on_event:
            self.on_event(item)
        return web.Response(status=self.status)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class QueueSubscriber:
    """Binds a temporary (exclusive, auto-delete) queue to ``<ns>.events`` and records events."""

    def __init__(self, amqp_url: str, exchange: str, bindings: tuple[str, ...] = ("#",),
                 on_event: Callable[[Received], None] | None = None) -> None:
        self._url = amqp_url
        self._exchange = exchange
        self._bindings = bindings
        self._on_event = on_event
        self._connection: AbstractRobustConnection | None = None
        self.received: list[Received] = []

    async def start(self) -> None:
        """Declare the queue and its bindings; events published after this are received."""
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(self._exchange, aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in self._bindings:
            await queue.bind(exchange, key)
        await queue.consume(self._handle, no_ack=True)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        item = Received(body=json.loads(message.body), headers=dict(message.headers or {}),
                        routing_key=message.routing_key, raw=message.body,
                        content_type=message.content_type)
        self.received.append(item)
        if self._on_event:
            self._on_event(item)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()


async def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed; return its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(interval)
    return True
