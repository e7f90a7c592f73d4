"""The fetcher's poll loop: one task per source, a failing source never stops the others."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import structlog

from services.fetcher.http import HttpOptions, PoliteClient
from services.fetcher.sources.base import Source
from services.fetcher.store import FetcherStore
from shared.errors import RetryLater, Unprocessable
from shared.http import Check
from shared.messaging import Broker, OutgoingMessage

log = structlog.get_logger(__name__)


@dataclass
class SourceState:
    """What readiness and logs show about one source."""

    last_success: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    queued: int = 0


class FetcherService:
    """Polls each source every ``interval`` seconds and queues what is new as raw documents."""

    name = "fetcher"

    def __init__(self, broker: Broker, store: FetcherStore, sources: list[Source], *,
                 interval: float, http: HttpOptions) -> None:
        self._broker = broker
        self._store = store
        self._sources = sources
        self._interval = interval
        self._http = http
        self.states = {s.name: SourceState() for s in sources}
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._session = PoliteClient.session()
        client = PoliteClient(self._session, self._http)
        for source in self._sources:
            self._tasks.append(asyncio.create_task(self._loop(source, client), name=source.name))

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        self._store.close()

    async def poll_once(self, source: Source, client: PoliteClient) -> int:
        """Queue every new or changed document of one poll; return how many were queued."""
        queued = 0
        async for document in source.poll(client):
            digest = "sha256:" + hashlib.sha256(document.body).hexdigest()
            if self._store.is_queued(source.name, document.upstream_id, digest):
                continue
            await self._broker.publish(self._broker.topology.raw, OutgoingMessage(
                body=document.model_dump_json().encode(), routing_key=source.name,
                message_id=f"{source.name}:{document.upstream_id}:{digest[7:23]}",
                headers={"x-kamerstroom-feed": source.name,
                         "x-kamerstroom-upstream-id": document.upstream_id},
            ))
            self._store.mark_queued(source.name, document.upstream_id, digest)
            queued += 1
            log.info("queued", source=source.name, upstream_id=document.upstream_id)
        return queued

    async def _loop(self, source: Source, client: PoliteClient) -> None:
        state = self.states[source.name]
        while not self._stopping.is_set():
            try:
                state.queued += await self.poll_once(source, client)
            except (RetryLater, Unprocessable) as exc:
                state.consecutive_failures += 1
                state.last_error = str(exc)
                log.warning("poll failed", source=source.name, error=str(exc),
                            consecutive_failures=state.consecutive_failures)
            else:
                state.last_success = datetime.now(UTC)
                state.consecutive_failures = 0
                state.last_error = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    def checks(self) -> dict[str, Check]:
        def sources() -> tuple[bool, object]:
            detail = {
                name: {"last_success": s.last_success.isoformat() if s.last_success else None,
                       "consecutive_failures": s.consecutive_failures,
                       "last_error": s.last_error, "queued": s.queued}
                for name, s in self.states.items()
            }
            return True, detail  # a failing feed is reported, not a reason to stop serving

        return {"fetcher.sources": sources, "fetcher.store": lambda: (self._store.ping(), "ok")}
