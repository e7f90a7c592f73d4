"""A polite HTTP client: one request at a time per host, a minimum interval, our User-Agent."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

import aiohttp
from yarl import URL

from shared.errors import RetryLater, Unprocessable
from shared.version import USER_AGENT


@dataclass(frozen=True)
class HttpOptions:
    """How politely and how much to fetch."""

    min_interval: float = 1.0
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 30.0


@dataclass(frozen=True)
class Response:
    """A fully read response body (bounded by the client's size cap)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")


class PoliteClient:
    """GETs with per-host serialisation and spacing; bodies capped at ``max_bytes``.

    Raises ``RetryLater`` for transport errors, timeouts, 429 and 5xx; ``Unprocessable``
    for a body over the cap. Other statuses are returned to the caller.
    """

    def __init__(self, session: aiohttp.ClientSession, options: HttpOptions) -> None:
        self._session = session
        self._min_interval = options.min_interval
        self._max_bytes = options.max_bytes
        self._timeout = aiohttp.ClientTimeout(total=options.timeout)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last: dict[str, float] = {}

    @classmethod
    def session(cls) -> aiohttp.ClientSession:
        """A session with our User-Agent; the caller closes it."""
        return aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})

    async def get(self, url: str, params: dict[str, str] | None = None) -> Response:
        host = URL(url).host or ""
        async with self._locks[host]:
            await self._wait_turn(host)
            try:
                return await self._fetch(url, params)
            finally:
                self._last[host] = time.monotonic()

    async def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            delay = self._min_interval - (time.monotonic() - last)
            if delay > 0:
                await asyncio.sleep(delay)

    async def _fetch(self, url: str, params: dict[str, str] | None) -> Response:
        try:
            async with self._session.get(url, params=params, timeout=self._timeout) as resp:
                if resp.status == 429 or resp.status >= 500:
                    raise RetryLater(f"GET {url} answered {resp.status}")
                body = await self._read_capped(resp)
                return Response(str(resp.url), resp.status, dict(resp.headers), body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"GET {url} failed: {type(exc).__name__} {exc}") from exc

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        if resp.content_length is not None and resp.content_length > self._max_bytes:
            raise Unprocessable("too-large", f"{resp.url} is {resp.content_length} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self._max_bytes:
                raise Unprocessable("too-large", f"{resp.url} exceeds {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
