"""Scenario (read): the read API's p99 at 100 requests/s over stored letters, and a feed's render time.

The store is filled first (``RecordStore.ingest``, 10,000 letters in full mode: 8
ministries, 400 dossiers, citations, a body of Dutch words), then ``kamerstroom publisher``
(a subprocess) serves it. Requests go out on an absolute schedule at 100/s (open loop: a
slow answer does not lower the offered rate), first ``GET /v1/kamerbrieven`` with a
ministry filter, then with ``q`` (two words, full text); each its own row. The feed row
is the median time of ``GET /feeds/kamerbrieven.atom`` (50 entries) sent one at a time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

import aiohttp

from bench.amqp import namespace_topology, new_namespace
from bench.context import Context
from bench.results import Result, measured, unmeasured
from bench.scenarios.latency import percentile
from bench.sut import Sut, SutError
from services.publisher.records import RecordStore
from shared.schema import Kamerbrief
from shared.schema.record import Citation, Dossier, Ministry, SourceRef, Urls

READ_RATE = 100.0
TARGET_P99_MS = 50.0
TOKEN = "bench-read-token"
MINISTRIES = [Ministry(name=f"Ministerie {code.upper()}", code=code)
              for code in ("def", "fin", "bzk", "ienw", "ezk", "vws", "ocw", "jenv")]
WORDS = ("stikstof", "woningbouw", "defensie", "materieel", "begroting", "zorg", "onderwijs", "asiel",
         "energie", "klimaat", "verantwoording", "toezegging", "motie", "wetsvoorstel", "evaluatie",
         "subsidie")
FEED_ROUNDS = 20


async def run(ctx: Context) -> list[Result]:
    """Rows: read/p99 (ministry filter), read/p99-q (full text), feed/render (median ms)."""
    namespace = new_namespace("read")
    data_dir = ctx.workdir / f"data-{namespace}"
    t0 = time.monotonic()
    _fill(data_dir / "kamerstroom.sqlite3", ctx.sizes.read_records)
    filled = f"{ctx.sizes.read_records} letters stored in {time.monotonic() - t0:.0f}s"
    async with namespace_topology(ctx.amqp_url, namespace):
        sut = Sut("publisher", namespace=namespace, amqp_url=ctx.amqp_url, workdir=ctx.workdir,
                  env={"KAMERSTROOM_READ_TOKEN": TOKEN})
        try:
            await sut.start()
            async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
                plain = await _paced(http, sut.base_url, "/v1/kamerbrieven?ministry=fin&limit=20",
                                     ctx.sizes.read_seconds)
                searched = await _paced(http, sut.base_url,
                                        "/v1/kamerbrieven?q=stikstof%20begroting&limit=20",
                                        ctx.sizes.read_seconds)
                feed = await _one_by_one(http, sut.base_url + "/feeds/kamerbrieven.atom", FEED_ROUNDS)
            sut.check_alive()
        except (SutError, TimeoutError, aiohttp.ClientError) as exc:
            return [unmeasured("read/p99", "ms", str(exc), target=TARGET_P99_MS, target_kind="max_value")]
        finally:
            await sut.stop()
    note = f"{filled}; {READ_RATE:g} requests/s for {ctx.sizes.read_seconds:g}s"
    return [
        measured("read/p99", percentile(plain, 99), "ms", target=TARGET_P99_MS, target_kind="max_value",
                 note=f"{note}, ?ministry=fin&limit=20"),
        measured("read/p99-q", percentile(searched, 99), "ms", target=TARGET_P99_MS,
                 target_kind="max_value", note=f"{note}, ?q=stikstof begroting&limit=20 (FTS5)"),
        measured("feed/render", statistics.median(feed), "ms",
                 note=f"median of {FEED_ROUNDS} GET /feeds/kamerbrieven.atom (50 entries), one at a time"),
    ]


def _fill(path: Path, count: int) -> None:
    """``count`` letters through the publisher's own store (so the read index is as in production)."""
    store = RecordStore(path, event_source="https://bench.kamerstroom.nl")
    try:
        for i in range(count):
            version = store.ingest(_letter(i))
            if version is not None:
                store.mark_announced(version)
    finally:
        store.close()


def _letter(i: int) -> Kamerbrief:
    dossier, number = str(30_000 + i % 400), str(i // 400 + 1)
    words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(60))
    letter_id = f"kst-{dossier}-{number}"
    return Kamerbrief(
        id=letter_id, title=f"Brief over {WORDS[i % len(WORDS)]} ({i})",
        subject=f"Betreft {WORDS[(i + 3) % len(WORDS)]} ({i})",
        document_date=date(2026, 1 + i % 12, 1 + i % 28), ministry=MINISTRIES[i % len(MINISTRIES)],
        dossier=Dossier(number=dossier), ondernummer=number, body_text=words * 5,
        cites=[Citation(dossier=str(30_000 + (i * 13) % 400))],
        urls=Urls(pdf=f"https://example.org/{letter_id}.pdf", html=f"https://example.org/{letter_id}.html"),
        sources=[SourceRef(feed="officielebekendmakingen", upstream_id=letter_id,
                           fetched_at=datetime(2026, 11, 1, tzinfo=UTC))],
    ).with_content_hash()


async def _paced(http: aiohttp.ClientSession, base: str, path: str, seconds: float) -> list[float]:
    """Milliseconds per request, ascending, offered at ``READ_RATE`` on an absolute schedule."""
    count = max(1, int(READ_RATE * seconds))
    start = time.perf_counter()

    async def one(i: int) -> float:
        await asyncio.sleep(max(0.0, start + i / READ_RATE - time.perf_counter()))
        sent = time.perf_counter()
        async with http.get(base + path, timeout=aiohttp.ClientTimeout(total=10)) as resp:
            await resp.read()
            if resp.status != 200:
                raise SutError(f"GET {path} answered {resp.status}")
        return (time.perf_counter() - sent) * 1000

    return sorted(await asyncio.gather(*(one(i) for i in range(count))))


async def _one_by_one(http: aiohttp.ClientSession, url: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        sent = time.perf_counter()
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
            await resp.read()
            if resp.status != 200:
                raise SutError(f"GET {url} answered {resp.status}")
        times.append((time.perf_counter() - sent) * 1000)
    return times
