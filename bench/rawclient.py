"""The raw baseline for webhooks: a plain aiohttp client posting signed bodies.

``python -m bench.rawclient JOB.json`` loads ``{"urls", "secrets", "bodies",
"concurrency"}``, prints ``ready``, waits for ``go`` on stdin, then posts every body to
every URL (Standard Webhooks headers, signed per delivery as the product does) with at
most ``concurrency`` requests in flight per URL, and prints ``done <ok> <failed>``; each
further ``go`` does it again on the same session (its connections stay open between
rounds, as the product's do between events).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

from bench import signing


async def post_all(session: aiohttp.ClientSession, urls: list[str], secrets: list[str],
                   bodies: list[bytes], concurrency: int) -> tuple[int, int]:
    """Deliver every body to every URL; return (delivered, failed)."""
    ids = [str(json.loads(body).get("id", i)) for i, body in enumerate(bodies)]
    outcome = {"ok": 0, "failed": 0}

    async def endpoint(url: str, secret: str) -> None:
        queue = iter(range(len(bodies)))

        async def worker() -> None:
            for i in queue:
                headers = signing.headers(secret, ids[i], int(time.time()), bodies[i])
                try:
                    async with session.post(url, data=bodies[i], headers=headers) as resp:
                        outcome["ok" if 200 <= resp.status < 300 else "failed"] += 1
                except aiohttp.ClientError:
                    outcome["failed"] += 1

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(bodies)))))

    await asyncio.gather(*(endpoint(u, s) for u, s in zip(urls, secrets, strict=True)))
    return outcome["ok"], outcome["failed"]


async def main_async(job_path: Path) -> None:
    job = json.loads(job_path.read_text())
    bodies = [body.encode() for body in job["bodies"]]
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with aiohttp.ClientSession(headers={"Content-Type": "application/json"}) as session:
        print("ready", flush=True)
        while (await reader.readline()).strip() == b"go":
            ok, failed = await post_all(session, job["urls"], job["secrets"], bodies,
                                        int(job["concurrency"]))
            print(f"done {ok} {failed}", flush=True)


if __name__ == "__main__":
    asyncio.run(main_async(Path(sys.argv[1])))
