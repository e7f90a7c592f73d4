"""Starting the system under test with webhook endpoints registered, whichever way it can.

The admin API (``POST /v1/endpoints`` with ``Authorization: Bearer $KAMERSTROOM_ADMIN_TOKEN``)
is the product's way. A build without it (404/405) is started again with the endpoints in
``KAMERSTROOM_WEBHOOK_URLS``, and the result says which way was used.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.signing import new_secret
from bench.sut import Sut, SutError

REGISTER_CONCURRENCY = 32


@dataclass
class Registered:
    """The running system, how its endpoints were registered, and their signing secrets."""

    sut: Sut
    via: str
    secrets: list[str]


async def start_with_endpoints(command: str, urls: list[str], *, namespace: str, amqp_url: str,
                               workdir: Path, env: dict[str, str]) -> Registered:
    """Start ``kamerstroom <command>`` delivering to ``urls``; the caller stops ``.sut``."""
    token = secrets.token_hex(16)
    sut = Sut(command, namespace=namespace, amqp_url=amqp_url, workdir=workdir,
              env={**env, "KAMERSTROOM_ADMIN_TOKEN": token})
    await sut.start()
    try:
        found = await _register(sut, urls, token)
    except BaseException:
        await sut.stop()
        raise
    if found is not None:
        return Registered(sut, "admin API", found)
    await sut.stop()
    sut = Sut(command, namespace=namespace, amqp_url=amqp_url, workdir=workdir,
              env={**env, "KAMERSTROOM_WEBHOOK_URLS": ",".join(urls)})
    await sut.start()
    return Registered(sut, "KAMERSTROOM_WEBHOOK_URLS (no admin API on this build)",
                      [new_secret() for _ in urls])


async def _register(sut: Sut, urls: list[str], token: str) -> list[str] | None:
    """Register every URL; their secrets, or ``None`` when the build has no admin API."""
    headers = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(REGISTER_CONCURRENCY)
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{sut.base_url}/v1/endpoints", json={"url": urls[0]}) as resp:
            if resp.status in (404, 405):
                return None
            first = await _secret(resp, urls[0])

        async def one(url: str) -> str:
            async with gate, session.post(f"{sut.base_url}/v1/endpoints", json={"url": url}) as resp:
                return await _secret(resp, url)

        rest = await asyncio.gather(*(one(url) for url in urls[1:]))
    return [first, *rest]


async def _secret(resp: aiohttp.ClientResponse, url: str) -> str:
    if resp.status >= 300:
        raise SutError(f"POST /v1/endpoints for {url} answered {resp.status}: {(await resp.text())[:300]}")
    body = await resp.json()
    secret = body.get("secret") if isinstance(body, dict) else None
    return secret if isinstance(secret, str) else new_secret()
