"""The SSRF guard: webhooks go to public https hosts only, unless explicitly allowed.

A URL is refused when it is not https, or when its host resolves to a loopback, private,
link-local, reserved, multicast or cloud-metadata address. ``allow_private`` (the demo and
the tests) lifts both rules. Deliveries resolve through ``GuardedResolver``, so the check
holds for the address actually connected to (no DNS rebinding between check and connect).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from shared.webhook_urls import (
    HostUnresolvable,
    UnsafeURL,
    check_address,
    check_before_connect,
    check_syntax,
)

__all__ = ["GuardedResolver", "HostUnresolvable", "UnsafeURL", "check_address",
           "check_before_connect", "check_syntax", "check_url"]

Resolve = Callable[[str], Awaitable[list[str]]]


async def check_url(url: str, *, allow_private: bool, resolve: Resolve | None = None) -> None:
    """Refuse ``url`` unless it may receive webhooks (resolving its host now)."""
    parsed = check_syntax(url, allow_private=allow_private)
    if allow_private:
        return
    host = parsed.raw_host or ""
    addresses = await (resolve or _resolve)(host)
    if not addresses:
        raise HostUnresolvable(f"{host} does not resolve")
    for address in addresses:
        check_address(host, address)


async def _resolve(host: str) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    resolver = DefaultResolver()
    try:
        return [r["host"] for r in await resolver.resolve(host, 0, socket.AF_UNSPEC)]
    except OSError as exc:
        raise HostUnresolvable(f"{host} does not resolve: {exc}") from None
    finally:
        await resolver.close()


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that refuses unsafe addresses (unless private ones are allowed)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._inner = DefaultResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self._allow_private:
            for result in results:
                check_address(host, result["host"])
        return results

    async def close(self) -> None:
        await self._inner.close()
