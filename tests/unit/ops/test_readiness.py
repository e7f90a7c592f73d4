"""Readiness: 503 as soon as shutdown begins, and a failing check with its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from shared.http import HealthServer


@pytest.fixture
async def server() -> AsyncIterator[HealthServer]:
    """A health server on a free loopback port with one passing check."""
    s = HealthServer("127.0.0.1", 0)
    s.add_check("broker", lambda: (True, "connected"))
    await s.start()
    yield s
    await s.stop()


async def _get(server: HealthServer, path: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{server.port}{path}") as resp:
        return resp.status, await resp.json()


async def test_ready_while_checks_pass(server: HealthServer) -> None:
    """All checks passing and no shutdown: 200."""
    status, _ = await _get(server, "/readyz")
    assert 200 == status


async def test_not_ready_once_shutdown_begins(server: HealthServer) -> None:
    """After begin_shutdown readiness is 503 with a shutdown entry; liveness stays 200."""
    server.begin_shutdown()
    ready_status, body = await _get(server, "/readyz")
    live_status, _ = await _get(server, "/healthz")
    assert (503, 200) == (ready_status, live_status)
    assert {"ok": False, "detail": "shutting down"} == body["checks"]["shutdown"]  # type: ignore[index]


async def test_a_raising_check_fails_readiness_with_its_error(server: HealthServer) -> None:
    """A check that raises counts as failing and shows why."""
    def broken() -> tuple[bool, object]:
        raise RuntimeError("store is locked")

    server.add_check("store", broken)
    status, body = await _get(server, "/readyz")
    assert 503 == status
    assert {"ok": False, "detail": "check failed: store is locked"} == body["checks"]["store"]  # type: ignore[index]


async def test_requests_are_counted_by_route(server: HealthServer) -> None:
    """/metrics shows the readiness requests by route pattern and status."""
    await _get(server, "/readyz")
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{server.port}/metrics") as resp:
        text = await resp.text()
    assert 'kamerstroom_http_requests_total{route="/readyz",status="200"}' in text
