"""A running publisher on the real broker, an admin client, and scripted webhook receivers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict

from kamerstroom.runtime import Runtime
from services.publisher.webhooks.schedule import RetryPolicy
from shared.config import Settings
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from shared.schema import NormalisedDocument

ADMIN_TOKEN = "test-admin-token-4f9a"
READ_TOKEN = "test-read-token-8c2e"
SCHEDULE = [0.0, 0.2, 0.4]

# What a scripted receiver does for its n-th request (1-based): a status, or "hang".
Script = Callable[[int], "int | str"]


@dataclass
class Request:
    """One request a receiver got."""

    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        return dict(json.loads(self.raw))


@dataclass
class ScriptedReceiver:
    """A webhook receiver on 127.0.0.1 whose answers follow ``script``; ``gate`` holds requests."""

    script: Script = lambda n: 204
    retry_after: str | None = None
    gate: asyncio.Event | None = None
    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self.url

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(Request(dict(request.headers), await request.read()))
        answer = self.script(len(self.requests))
        self.in_flight += 1
        try:
            if self.gate is not None:
                await asyncio.wait_for(self.gate.wait(), timeout=20)
            if answer == "hang":
                await asyncio.sleep(3)
                answer = 204
        finally:
            self.in_flight -= 1
        headers = {"Retry-After": self.retry_after} if self.retry_after else None
        return web.Response(status=int(answer), text=f"answer {answer}", headers=headers)

    async def stop(self) -> None:
        if self.gate is not None:
            self.gate.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]


@dataclass
class Publisher:
    """The publisher under test: feed it documents, manage it through the admin API."""

    runtime: Runtime
    feeder: RabbitMQBroker
    http: aiohttp.ClientSession
    base: str

    async def feed(self, document: NormalisedDocument) -> None:
        await self.feeder.publish(self.feeder.topology.normalised, OutgoingMessage(
            body=document.model_dump_json().encode(), routing_key="test"))

    async def call(self, method: str, path: str, body: Any = None,
                   token: str | None = ADMIN_TOKEN) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None)

    async def read(self, path: str, token: str | None = READ_TOKEN,
                   headers: dict[str, str] | None = None) -> tuple[int, CIMultiDict[str], bytes]:
        """GET ``path`` with the read token: status, headers, raw body."""
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        async with self.http.get(self.base + path, headers=sent) as resp:
            return resp.status, CIMultiDict(resp.headers), await resp.read()

    async def read_json(self, path: str, token: str | None = READ_TOKEN) -> tuple[int, Any]:
        status, _, raw = await self.read(path, token)
        return status, json.loads(raw)

    async def add_endpoint(self, url: str, **extra: Any) -> dict[str, Any]:
        status, body = await self.call("POST", "/v1/endpoints", {"url": url, **extra})
        assert 201 == status, body
        return dict(body)


@pytest.fixture
def publisher_settings(settings: Settings, namespace: str) -> Settings:
    """Publisher settings with a short retry schedule and a short timeout."""
    return settings.model_copy(update={
        "namespace": namespace, "admin_token": ADMIN_TOKEN, "read_token": READ_TOKEN,
        "webhook_retry_schedule": SCHEDULE,
        "webhook_timeout": 1.0, "prefetch": 1,
    })


@pytest.fixture
async def publisher(publisher_settings: Settings, amqp_url: str) -> AsyncIterator[Publisher]:
    """A running publisher (its own process's runtime) on the real broker."""
    runtime = Runtime.create(publisher_settings, ("publisher",))
    await runtime.start()
    feeder = RabbitMQBroker(amqp_url, Topology(publisher_settings.namespace))
    await feeder.connect()
    http = aiohttp.ClientSession()
    try:
        yield Publisher(runtime, feeder, http, f"http://127.0.0.1:{runtime.server.port}")
    finally:
        await http.close()
        await feeder.close()
        await runtime.stop()
        ladder = RetryPolicy(tuple(SCHEDULE)).ladder
        await delete_topology(amqp_url, Topology(publisher_settings.namespace, retry_delays=ladder))


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[..., Any]]:
    """A factory of started scripted receivers, all stopped afterwards."""
    started: list[ScriptedReceiver] = []

    async def make(**kwargs: Any) -> ScriptedReceiver:
        receiver = ScriptedReceiver(**kwargs)
        await receiver.start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        await receiver.stop()
