"""A local SRU 2.0 feed with as many distinct kst letters as a backfill scenario asks for.

It answers like ``repository.overheid.nl/sru`` (gzd records paged by ``startRecord`` and
``maximumRecords``, at most 1000 a page) with every record's XML and metadata
manifestations under ``/doc/``, served from memory. Of the query only the key-paging form
the fetcher uses is read (``dt.identifier>"<id>"``, records in identifier order); the rest
is not interpreted (every request is a backfill from the start). It records when the first
request arrived, so a backfill is timed from the fetcher's first request. ``reveal`` adds a
letter while it runs (modified today), so a live poll can be timed from the moment a letter
became visible upstream.
"""

from __future__ import annotations

import bisect
import re
import time
from datetime import UTC, datetime

from aiohttp import web

from bench.corpus import PLACEHOLDER_BASE, SRU_NS, Letter, metadata_xml, record_xml

MAX_PAGE = 1000
_AFTER = re.compile(r'dt\.identifier>"([^"]*)"')


class SruFeed:
    """Serves ``letters`` over SRU on 127.0.0.1 (a free port)."""

    def __init__(self, letters: list[Letter]) -> None:
        self._letters = sorted(letters, key=lambda letter: letter.identifier)
        self._by_id = {letter.identifier: letter for letter in letters}
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.first_request_at: float | None = None
        self.requests = 0
        self.revealed: dict[str, float] = {}  # identifier -> when it became visible
        self._stamps: dict[str, tuple[str, str]] = {}  # identifier -> (modified, timestamp)

    @property
    def sru_url(self) -> str:
        return f"{self.base_url}/sru"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/sru", self._sru)
        app.router.add_get("/doc/{id}.xml", self._document)
        app.router.add_get("/doc/{id}/metadata.xml", self._metadata)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def reveal(self, letter: Letter) -> None:
        """Make ``letter`` visible from now on, modified now (the harness's clock stamps it)."""
        now = datetime.now(UTC)
        self._stamps[letter.identifier] = (now.date().isoformat(), now.isoformat())
        bisect.insort(self._letters, letter, key=lambda known: known.identifier)
        self._by_id[letter.identifier] = letter
        self.revealed[letter.identifier] = time.perf_counter()

    def reset(self) -> None:
        """Forget the request count and first request time (between two backfills)."""
        self.first_request_at = None
        self.requests = 0

    def _seen(self) -> None:
        self.requests += 1
        if self.first_request_at is None:
            self.first_request_at = time.perf_counter()

    async def _sru(self, request: web.Request) -> web.Response:
        self._seen()
        try:
            start = max(1, int(request.query.get("startRecord", "1")))
            maximum = max(1, min(MAX_PAGE, int(request.query.get("maximumRecords", "50"))))
        except ValueError:
            raise web.HTTPBadRequest(text="startRecord and maximumRecords must be numbers") from None
        after = _AFTER.search(request.query.get("query", ""))
        selected = [x for x in self._letters if after is None or x.identifier > after.group(1)]
        page = selected[start - 1:start - 1 + maximum]
        records = "".join(self._record(letter, start + i) for i, letter in enumerate(page))
        following = start + len(page)
        nxt = (f"<sru:nextRecordPosition>{following}</sru:nextRecordPosition>"
               if following <= len(selected) else "")
        body = (f'<?xml version="1.0" encoding="UTF-8"?><sru:searchRetrieveResponse xmlns:sru="{SRU_NS}">'
                f"<sru:version>2.0</sru:version><sru:numberOfRecords>{len(selected)}"
                f"</sru:numberOfRecords><sru:records>{records}</sru:records>{nxt}"
                "</sru:searchRetrieveResponse>")
        return web.Response(text=body, content_type="application/xml")

    def _record(self, letter: Letter, position: int) -> str:
        stamps = self._stamps.get(letter.identifier)
        if stamps is None:
            return record_xml(letter, self.base_url, position)
        return record_xml(letter, self.base_url, position, modified=stamps[0], timestamp=stamps[1])

    async def _document(self, request: web.Request) -> web.Response:
        self._seen()
        letter = self._by_id.get(request.match_info["id"])
        if letter is None:
            raise web.HTTPNotFound(text="no such document")
        body = letter.body
        return web.Response(body=body.replace(PLACEHOLDER_BASE.encode(), self.base_url.encode()),
                            content_type="application/xml")

    async def _metadata(self, request: web.Request) -> web.Response:
        self._seen()
        letter = self._by_id.get(request.match_info["id"])
        if letter is None:
            raise web.HTTPNotFound(text="no such document")
        return web.Response(text=metadata_xml(letter), content_type="application/xml")
