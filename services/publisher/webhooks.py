"""Webhook delivery (first cut): POST each event to the configured URLs."""

from __future__ import annotations

import asyncio

import aiohttp
import structlog

from shared.errors import RetryLater
from shared.schema import CloudEvent
from shared.schema.events import CONTENT_TYPE
from shared.version import USER_AGENT

log = structlog.get_logger(__name__)


class WebhookSender:
    """POSTs the event JSON to every URL; any non-2xx raises ``RetryLater``."""

    def __init__(self, urls: list[str], *, timeout: float) -> None:
        self._urls = urls
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def deliver(self, event: CloudEvent) -> None:
        if self._session is None or not self._urls:
            return
        body = event.model_dump_json().encode()
        await asyncio.gather(*(self._post(url, body, event) for url in self._urls))

    async def _post(self, url: str, body: bytes, event: CloudEvent) -> None:
        assert self._session is not None
        headers = {"Content-Type": CONTENT_TYPE, "webhook-id": event.id}
        try:
            async with self._session.post(url, data=body, headers=headers,
                                          timeout=self._timeout) as resp:
                if not 200 <= resp.status < 300:
                    raise RetryLater(f"webhook {url} answered {resp.status}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"webhook {url} failed: {exc}") from exc
        log.info("delivered", url=url, event_id=event.id, correlation_id=event.subject)
