"""Graceful shutdown order: not ready first, then services stop, then the broker closes."""

from __future__ import annotations

import asyncio

from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.http import Check, HealthServer
from shared.messaging.memory import MemoryBroker


class RecordingService:
    """A service that notes whether the process was still ready when it was told to stop."""

    name = "recording"

    def __init__(self, server: HealthServer, log: list[str], *, hang: bool = False) -> None:
        self._server = server
        self._log = log
        self._hang = hang

    async def start(self) -> None:
        self._log.append("start")

    def begin_shutdown(self) -> None:
        self._log.append("begin shutdown")

    async def stop(self) -> None:
        ready, _ = self._server.readiness()
        self._log.append(f"stop ready={ready}")
        if self._hang:
            await asyncio.Event().wait()  # never finishes: the shutdown timeout must end it

    def checks(self) -> dict[str, Check]:
        return {}


class RecordingBroker(MemoryBroker):
    """A memory broker that notes when it is closed."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self._log = log

    async def close(self) -> None:
        self._log.append("broker closed")
        await super().close()


def _runtime(settings: Settings, log: list[str], *, hang: bool = False) -> Runtime:
    server = HealthServer("127.0.0.1", 0)
    runtime = Runtime(settings, (), RecordingBroker(log), server)
    runtime.services.append(RecordingService(server, log, hang=hang))
    return runtime


async def test_readiness_turns_503_before_services_stop(settings: Settings) -> None:
    """Services are told to stop only after readiness already says not ready."""
    log: list[str] = []
    runtime = _runtime(settings, log)
    await runtime.server.start()
    await runtime.stop()
    assert ["begin shutdown", "stop ready=False", "broker closed"] == log


async def test_a_hanging_service_cannot_block_shutdown(settings: Settings) -> None:
    """When the timeout passes the broker is closed anyway and stop returns."""
    log: list[str] = []
    runtime = _runtime(settings.model_copy(update={"shutdown_timeout": 0.2}), log, hang=True)
    await runtime.server.start()
    await runtime.stop()
    assert ["begin shutdown", "stop ready=False", "broker closed"] == log
