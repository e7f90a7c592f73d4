"""/healthz is liveness only; /readyz follows the broker connection and shutdown."""

from __future__ import annotations

import asyncio

import aiohttp
from yarl import URL

from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from tests.support.tcp_proxy import TcpProxy


async def _status(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, object]]:
    async with session.get(url) as response:
        return response.status, await response.json()


async def _eventually_ready(session: aiohttp.ClientSession, url: str, timeout: float) -> bool:
    """Whether ``url`` answers 200 within ``timeout`` seconds (asked every 0.1 s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await _status(session, url))[0] != 200:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_readyz_turns_503_when_the_broker_goes_away(settings: Settings, namespace: str) -> None:
    """With the broker unreachable /readyz answers 503 naming the broker; /healthz stays 200."""
    broker_url = URL(settings.amqp_url)
    proxy = TcpProxy(broker_url.host or "127.0.0.1", broker_url.port or 5672)
    port = await proxy.start()
    config = settings.model_copy(update={
        "namespace": namespace, "amqp_url": str(broker_url.with_port(port)), "sources": [],
    })
    runtime = Runtime.create(config, ("parser", "publisher"))
    await runtime.start()
    base = f"http://127.0.0.1:{runtime.server.port}"
    try:
        async with aiohttp.ClientSession() as session:
            assert 200 == (await _status(session, f"{base}/readyz"))[0]
            await proxy.cut()
            assert await wait_for(lambda: not runtime.broker.health()[0], timeout=10)
            status, body = await _status(session, f"{base}/readyz")
            assert 503 == status
            assert "not ready" == body["status"]
            assert False is body["checks"]["broker"]["ok"]  # type: ignore[index]
            assert "down" in body["checks"]["broker"]["detail"]  # type: ignore[index]
            assert 200 == (await _status(session, f"{base}/healthz"))[0]
            await proxy.restore()
            assert await wait_for(lambda: runtime.broker.health()[0], timeout=20)
            # With the parser in a child process, the child reconnects on its own schedule.
            assert await _eventually_ready(session, f"{base}/readyz", timeout=20)
    finally:
        await runtime.stop()
        await proxy.cut()


async def test_readyz_turns_503_when_shutdown_begins(settings: Settings, namespace: str) -> None:
    """Once shutdown starts, readiness fails at once so traffic drains away."""
    runtime = Runtime.create(settings.model_copy(update={"namespace": namespace}), ("parser",))
    await runtime.start()
    runtime.server.shutting_down = True
    ready, detail = runtime.server.readiness()
    await runtime.stop()
    assert False is ready
    assert "shutting down" == detail["shutdown"]["detail"]
