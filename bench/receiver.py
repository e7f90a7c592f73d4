"""Webhook receivers on 127.0.0.1: one aiohttp server, one path per endpoint (``/hook/<n>``).

Every POST is answered 204 and stamped with ``time.perf_counter()`` (the harness's one
clock); bodies are kept so the raw client can replay them and latency can match them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiohttp import web

from bench.goal import Goal


@dataclass(frozen=True)
class Arrival:
    """One delivery as it arrived."""

    at: float
    endpoint: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Receivers:
    """``count`` webhook endpoints on one loopback server."""

    count: int
    host: str = "127.0.0.1"
    arrivals: list[Arrival] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _goal: Goal = field(default_factory=Goal)

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/hook/{n}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0, backlog=4096)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{self.host}:{port}"

    @property
    def urls(self) -> list[str]:
        """The endpoint URLs, in endpoint order."""
        return [f"{self.base_url}/hook/{n}" for n in range(self.count)]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.arrivals.append(Arrival(time.perf_counter(),
                                     int(request.match_info["n"]), body, dict(request.headers)))
        self._goal.observe(len(self.arrivals))
        return web.Response(status=204)

    def reset(self) -> None:
        """Forget every arrival (between the product's run and the baseline's)."""
        self.arrivals = []
        self._goal = Goal()

    async def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` deliveries arrived or ``timeout`` passed; whether they did."""
        return await self._goal.wait(count, len(self.arrivals), timeout)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
