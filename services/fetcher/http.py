"""A polite HTTP client for the feeds.

One request at a time per host, a minimum interval between requests to a host, our
``User-Agent``, conditional GET (ETag / Last-Modified) on request, ``Retry-After`` and 429
honoured, and exponential backoff with jitter (tenacity) on 5xx, resets and timeouts.

Outcome of ``PoliteClient.get`` once the retries are used up:

    transport error, timeout, 429, 5xx   -> ``RetryLater``   (try again next poll)
    body over ``max_bytes``              -> ``Unprocessable("too-large")`` (no retry)
    body cut off (truncated)             -> ``Unprocessable("unreadable-body")``
    any other status                     -> returned; the caller decides
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace

import aiohttp
import structlog
from multidict import CIMultiDict
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from yarl import URL

from shared.errors import RetryLater, Unprocessable
from shared.retry_after import parse_retry_after
from shared.version import USER_AGENT

log = structlog.get_logger(__name__)

CACHE_ENTRIES = 256  # conditional-GET validators kept (feed pages, not documents)


@dataclass(frozen=True)
class HttpOptions:
    """How politely and how much to fetch.

    ``attempts`` counts the first try; waits grow from ``backoff_initial`` to ``backoff_max``
    with jitter. A ``Retry-After`` longer than ``max_retry_after`` is capped to it.
    """

    min_interval: float = 1.0
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 30.0
    attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0


@dataclass(frozen=True)
class Response:
    """A fully read response body (bounded by the client's size cap).

    ``not_modified`` is true when the server answered 304 and ``body`` is the cached one.
    """

    url: str
    status: int
    headers: CIMultiDict[str]  # case-insensitive: servers spell ETag as Etag too
    body: bytes
    not_modified: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def media_type(self) -> str:
        """The content type without parameters, lower case (``application/pdf``)."""
        return (self.content_type or "").split(";")[0].strip().lower()


class _Transient(Exception):
    """One failed attempt worth retrying; ``retry_after`` is the server's wish, if any."""

    def __init__(self, message: str, retry_after: float | None = None,
                 truncated: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.truncated = truncated


@dataclass
class _HostTurn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    not_before: float = 0.0


class PoliteClient:
    """GETs with per-host serialisation, spacing and retries; bodies capped at ``max_bytes``.

    Usage::

        async with PoliteClient.session() as session:
            client = PoliteClient(session, HttpOptions(min_interval=1.0))
            response = await client.get(url, {"page": "2"}, conditional=True)
    """

    def __init__(self, session: aiohttp.ClientSession, options: HttpOptions) -> None:
        self._session = session
        self.options = options
        self._timeout = aiohttp.ClientTimeout(total=options.timeout)
        self._hosts: defaultdict[str, _HostTurn] = defaultdict(_HostTurn)
        self._cache: OrderedDict[str, Response] = OrderedDict()
        self.requests = 0  # requests sent, for logs and tests

    @classmethod
    def session(cls) -> aiohttp.ClientSession:
        """A session with our User-Agent; the caller closes it."""
        return aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})

    async def get(self, url: str, params: dict[str, str] | None = None, *,
                  conditional: bool = False) -> Response:
        """GET ``url``; with ``conditional`` send the validators of the last answer."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.options.attempts),
            wait=self._wait, reraise=True, before_sleep=self._log_retry,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(url, params, conditional)
        except _Transient as exc:
            if exc.truncated:
                raise Unprocessable("unreadable-body", str(exc)) from exc
            raise RetryLater(str(exc)) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return float(min(exc.retry_after, self.options.max_retry_after))
        exponential: float = self.options.backoff_initial * 2.0 ** (state.attempt_number - 1)
        return min(self.options.backoff_max, exponential) * random.uniform(0.5, 1.0)

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("request failed, retrying", attempt=state.attempt_number, error=str(exc),
                    wait=round(state.next_action.sleep, 3) if state.next_action else None)

    async def _once(self, url: str, params: dict[str, str] | None, conditional: bool) -> Response:
        target = URL(url).update_query(params) if params else URL(url)
        turn = self._hosts[target.host or ""]
        async with turn.lock:
            delay = turn.not_before - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                return await self._fetch(target, conditional, turn)
            finally:
                turn.not_before = max(turn.not_before, time.monotonic() + self.options.min_interval)

    async def _fetch(self, target: URL, conditional: bool, turn: _HostTurn) -> Response:
        key = str(target)
        cached = self._cache.get(key) if conditional else None
        self.requests += 1
        try:
            async with self._session.get(target, headers=_validators(cached),
                                         timeout=self._timeout) as resp:
                if resp.status == 304 and cached is not None:
                    self._cache.move_to_end(key)
                    return replace(cached, not_modified=True)
                if resp.status == 429 or resp.status >= 500:
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    if retry_after is not None:  # the host asked for quiet: everyone waits
                        turn.not_before = time.monotonic() + min(retry_after,
                                                                 self.options.max_retry_after)
                    raise _Transient(f"GET {target} answered {resp.status}", retry_after)
                body = await self._read_capped(resp)
                response = Response(str(resp.url), resp.status, CIMultiDict(resp.headers), body)
        except aiohttp.ClientPayloadError as exc:
            raise _Transient(f"GET {target}: body cut off ({exc})", truncated=True) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _Transient(f"GET {target} failed: {type(exc).__name__} {exc}".strip()) from exc
        if conditional and response.status == 200:
            self._remember(key, response)
        return response

    def _remember(self, key: str, response: Response) -> None:
        if "ETag" in response.headers or "Last-Modified" in response.headers:
            self._cache[key] = response
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.options.max_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise Unprocessable("too-large", f"{resp.url} is {resp.content_length} bytes "
                                f"(limit {limit})")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise Unprocessable("too-large", f"{resp.url} exceeds {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _validators(cached: Response | None) -> dict[str, str]:
    if cached is None:
        return {}
    headers = {}
    if etag := cached.headers.get("ETag"):
        headers["If-None-Match"] = etag
    if modified := cached.headers.get("Last-Modified"):
        headers["If-Modified-Since"] = modified
    return headers


