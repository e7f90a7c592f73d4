"""The small aiohttp server every service runs: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` is liveness: 200 whenever the process serves HTTP, no dependencies checked.
``/readyz`` runs every registered check: 200 when all pass, else 503; JSON detail either way.
It turns 503 the moment ``begin_shutdown()`` is called, before any work stops, so a load
balancer or Kubernetes stops routing to the process while it finishes what it has.
Every request is counted in ``kamerstroom_http_requests_total`` by route and status.
Services may add their own routes (the publisher's admin API) before ``start()``.
``/metrics`` may add another process's exposition (``add_exposition``: ``kamerstroom run``'s
parser child), its samples labelled with that process's name (``shared.exposition``).
"""

from __future__ import annotations

import errno
from collections.abc import Awaitable, Callable
from typing import Any

import prometheus_client
from aiohttp import web

from shared import exposition, metrics
from shared.errors import ConfigError

CheckResult = tuple[bool, Any]
Check = Callable[[], CheckResult]
# Another process's exposition text, or ``None`` while it cannot give one.
Exposition = Callable[[], Awaitable[str | None]]


class HealthServer:
    """Serves health, readiness and metrics for the services running in this process."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.requested_port = port
        self.app = web.Application(middlewares=[_count_requests])
        self.checks: dict[str, Check] = {}
        self.expositions: dict[str, Exposition] = {}
        self.shutting_down = False
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)

    def begin_shutdown(self) -> None:
        """From now on ``/readyz`` answers 503 (``/healthz`` stays 200 until the end)."""
        self.shutting_down = True
        metrics.SHUTTING_DOWN.set(1)

    def add_check(self, name: str, check: Check) -> None:
        """Register a readiness check returning ``(ok, detail)``; it must not block."""
        self.checks[name] = check

    def add_exposition(self, process: str, source: Exposition) -> None:
        """Serve ``source``'s metrics on ``/metrics`` too, labelled ``process="<process>"``."""
        self.expositions[process] = source

    async def start(self) -> None:
        """Bind and serve. Raises ``ConfigError`` with one line if the port cannot be bound."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.requested_port)
        try:
            await self._site.start()
        except OSError as exc:
            await self._runner.cleanup()
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc})"
            raise ConfigError(
                f"HTTP port {self.host}:{self.requested_port} {why}; set KAMERSTROOM_HTTP_PORT"
            ) from None

    @property
    def port(self) -> int:
        """The bound port (useful when started with port 0)."""
        server = self._site._server if self._site else None  # aiohttp exposes no accessor
        if server is None or not server.sockets:  # type: ignore[attr-defined]
            return self.requested_port
        return int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Run every check; a check that raises counts as failing with its error."""
        results: dict[str, Any] = {}
        ready = not self.shutting_down
        for name, check in self.checks.items():
            try:
                ok, detail = check()
            except Exception as exc:  # a broken check is a failing check
                ok, detail = False, f"check failed: {exc}"
            results[name] = {"ok": ok, "detail": detail}
            ready = ready and ok
        if self.shutting_down:
            results["shutdown"] = {"ok": False, "detail": "shutting down"}
        return ready, results

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _readyz(self, _: web.Request) -> web.Response:
        ready, results = self.readiness()
        body = {"status": "ready" if ready else "not ready", "checks": results}
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics(self, _: web.Request) -> web.Response:
        body = prometheus_client.generate_latest()
        for process, source in self.expositions.items():
            text = await source()
            if text is None:  # a process that cannot answer now is left out this time
                continue
            try:
                body = exposition.merge(body.decode(), text, process)
            except ValueError:  # garbled (cut off as the process died): left out too
                continue
        return web.Response(body=body, headers={"Content-Type": prometheus_client.CONTENT_TYPE_LATEST})


@web.middleware
async def _count_requests(request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                          ) -> web.StreamResponse:
    # The route's pattern, not the raw path: admin URLs carry ids and must not explode labels.
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        metrics.HTTP_REQUESTS.labels(route=route, status=str(exc.status)).inc()
        raise
    metrics.HTTP_REQUESTS.labels(route=route, status=str(response.status)).inc()
    return response
