"""Fault injection for the local feed server: make the next requests to a path misbehave.

Faults are queued per path prefix and used up one request at a time, in order::

    server.faults.add("/sru", "429", "500")          # the next two /sru requests fail
    server.faults.add("/SyncFeed/2.0/Resources/", "oversize", times=None)  # every time

Over HTTP: ``POST /_faults`` with ``{"path": "/sru", "faults": ["reset"], "times": 1}``;
``DELETE /_faults`` clears them.

    429          429 Too Many Requests with ``Retry-After: 1``
    500          500 Internal Server Error
    reset        the connection is closed without an answer
    slow         the answer comes after ``SLOW_SECONDS``
    truncated    headers promise more bytes than are sent, then the connection closes
    invalid-xml  200 with a body that is not XML
    oversize     200 with a body of ``OVERSIZE_BYTES`` (no Content-Length)
    bom          the normal body, prefixed with a UTF-8 byte-order mark
    diagnostic   200 with the real recorded SRU diagnostic ("Query syntax error")
    unknown-prefix  200 with the real recorded SRU 2.0 diagnostic "unknown prefix dcterms"
    unknown-namespace  the normal body with the SRU response namespace changed (a CONSTRUCTED
                 format change, marked by the ``-CHANGED-BY-REPLAY`` suffix on the namespace)
    404, 410     the endpoint answers 404 Not Found / 410 Gone (a retired URL)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

FAULTS = ("429", "500", "reset", "slow", "truncated", "invalid-xml", "oversize", "bom",
          "diagnostic", "unknown-prefix", "unknown-namespace", "404", "410")
DIAGNOSTIC = Path(__file__).parent / "recordings" / "sru-diagnostic-query-syntax-error.xml"
UNKNOWN_PREFIX = Path(__file__).parent / "recordings" / "sru-diagnostic-unknown-prefix.xml"
RECORDED = {"diagnostic": DIAGNOSTIC, "unknown-prefix": UNKNOWN_PREFIX}
SRU_NS = b"http://docs.oasis-open.org/ns/search-ws/sruResponse"
CHANGED_NS = SRU_NS + b"-CHANGED-BY-REPLAY"
SLOW_SECONDS = 2.0
OVERSIZE_BYTES = 1024 * 1024
BOM = b"\xef\xbb\xbf"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Rule:
    prefix: str
    fault: str
    times: int | None  # None: forever


@dataclass
class Faults:
    """The queue of pending faults, and a log of every request the server answered."""

    rules: list[_Rule] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # path?query of every request
    user_agents: list[str] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # loop time of each request

    def add(self, prefix: str, *faults: str, times: int | None = 1) -> None:
        """Queue ``faults`` for requests whose path starts with ``prefix``."""
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
            self.rules.append(_Rule(prefix, fault, times))

    def clear(self) -> None:
        self.rules.clear()

    def take(self, path: str) -> str | None:
        """The fault for this request, if any (used up when its count runs out)."""
        for rule in self.rules:
            if path.startswith(rule.prefix):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                return rule.fault
        return None


def middleware(faults: Faults) -> Middleware:
    """An aiohttp middleware applying ``faults`` before (or instead of) the real handler."""

    @web.middleware
    async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/_faults"):
            faults.requests.append(request.path_qs)
            faults.user_agents.append(request.headers.get("User-Agent", ""))
            faults.arrivals.append(asyncio.get_running_loop().time())
        fault = faults.take(request.path)
        if fault is None:
            return await handler(request)
        return await _inject(fault, request, handler)

    return apply


async def _inject(fault: str, request: web.Request, handler: Handler) -> web.StreamResponse:
    if fault == "429":
        return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")
    if fault in ("404", "410", "500"):
        return web.Response(status=int(fault), text=f"HTTP {fault}")
    if fault == "reset":
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)  # never written: the connection is gone
    if fault == "slow":
        await asyncio.sleep(SLOW_SECONDS)
        return await handler(request)
    if fault == "truncated":
        return await _truncated(request)
    if fault == "invalid-xml":
        return web.Response(body=b"<?xml version='1.0'?><unclosed><tag>", content_type="application/xml")
    if fault in RECORDED:  # SRU reports errors with HTTP 200
        return web.Response(body=RECORDED[fault].read_bytes(), content_type="text/xml")
    if fault == "unknown-namespace":
        return await _changed_namespace(request, handler)
    if fault == "oversize":
        return await _oversize(request)
    response = await handler(request)  # "bom"
    if isinstance(response, web.Response) and response.body is not None:
        response.body = BOM + bytes(response.body)  # type: ignore[arg-type]
    return response


async def _changed_namespace(request: web.Request, handler: Handler) -> web.StreamResponse:
    # A changed format is a changed body: the client's validator of the old one must not
    # earn it a 304 (as upstream's new ETag would not).
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in ("if-none-match", "if-modified-since")}
    response = await handler(request.clone(headers=headers))
    if isinstance(response, web.Response) and response.body is not None:
        response.body = bytes(response.body).replace(SRU_NS, CHANGED_NS)  # type: ignore[arg-type]
        response.headers.pop("ETag", None)  # a client must not revalidate the changed body later
    return response


async def _truncated(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/xml"})
    response.content_length = 10_000
    await response.prepare(request)
    await response.write(b"<?xml version='1.0'?><partial>")
    if request.transport is not None:
        request.transport.close()
    return response


async def _oversize(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/pdf"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = b"%" * 16384
    for _ in range(OVERSIZE_BYTES // len(chunk)):
        await response.write(chunk)
    await response.write_eof()
    return response


async def post_faults(request: web.Request, faults: Faults) -> web.Response:
    """``POST /_faults``: queue faults from a JSON body; 400 with the reason if it is wrong."""
    try:
        spec = await request.json()
        faults.add(str(spec["path"]), *[str(f) for f in spec["faults"]],
                   times=spec.get("times", 1))
    except (ValueError, KeyError, TypeError) as exc:
        raise web.HTTPBadRequest(text=f"bad fault request: {exc}") from None
    return web.json_response({"pending": len(faults.rules)})
