"""rijksoverheid.nl open data: documents of type Kamerstuk (Kamerbrieven), newest first.

The API has no incremental parameter, so live polling walks newest first and stops at the
first id that headed the last complete walk (the checkpoint, with its date: the walk also
stops at anything older), and at the first document available before the start date
(``context.start``), so a first run reads only what appeared since then. Ids already seen
with the same ``lastmodified`` are skipped without fetching, so an interrupted walk resumes
cheaply. A backfill walks the pages of its date range and keeps the next offset as its
checkpoint.

What the parser gets (``RawDocument``):
    body       the PDF named in the document's ``files``
    metadata   ``FeedRecord(kind="rijksoverheid-item", content=<the document JSON from its
               dataurl>, related={"list-item": <the entry of the documents list>})``
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.fetcher.http import PoliteClient
from services.fetcher.sources.base import Failed, Found, Inspection, Item, PollContext, Progress, Window
from services.fetcher.sources.files import fetch_file
from shared.errors import RetryLater, Unprocessable
from shared.schema import FeedRecord, RawDocument

NAME = "rijksoverheid"
DOCUMENT_TYPE = "Kamerstuk"
ROWS = 200
MAX_PAGES = 500


@dataclass(frozen=True)
class RoItem:
    id: str
    available: str
    version: str | None
    dataurl: str | None
    text: str

    @property
    def day(self) -> date | None:
        try:
            return date.fromisoformat(self.available[:10])
        except ValueError:
            return None


@dataclass(frozen=True)
class Head:
    """Where the last complete live walk started (the newest document then)."""

    id: str
    available: str

    def dump(self) -> str:
        return json.dumps({"id": self.id, "available": self.available})

    @classmethod
    def load(cls, text: str | None) -> Head | None:
        if not text:
            return None
        value = json.loads(text)
        return cls(str(value["id"]), str(value["available"]))


class Rijksoverheid:
    """The rijksoverheid.nl source. See ``sources.base`` for the contract."""

    name = NAME
    interval = 300.0

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def inspect(self, body: bytes, url: str) -> list[Inspection]:
        """Not yet: see ``sources.base.Source.inspect``."""
        raise NotImplementedError(self.name)

    async def poll(self, client: PoliteClient, context: PollContext) -> AsyncIterator[Item]:
        window = context.window
        head = None if window else Head.load(context.checkpoint)
        offset = int(context.checkpoint) if window and context.checkpoint else 0
        newest: RoItem | None = None
        for _ in range(MAX_PAGES):
            items = await self._page(client, offset)
            for index, item in enumerate(items):
                if _reached(item, head, window, context.start):
                    items = []  # the walk is complete
                    break
                newest = newest or item
                resume = str(offset + index + 1) if window else None
                result = await self._item(client, item, context, resume)
                if result is not None:
                    yield result
            offset += len(items)
            if len(items) < ROWS:
                break
            if window:
                yield Progress(str(offset), done=offset)
        if newest is not None and window is None:
            yield Progress(Head(newest.id, newest.available).dump())

    async def _page(self, client: PoliteClient, offset: int) -> list[RoItem]:
        response = await client.get(f"{self.base_url}/sources/rijksoverheid/documents",
                                    {"type": DOCUMENT_TYPE, "rows": str(ROWS),
                                     "offset": str(offset), "output": "json"}, conditional=True)
        if response.status != 200:
            raise RetryLater(f"rijksoverheid answered HTTP {response.status}")
        return parse_list(response.body)

    async def _item(self, client: PoliteClient, item: RoItem, context: PollContext,
                    resume: str | None) -> Item | None:
        if context.window and (item.day is None or not context.window.contains(item.day)):
            return Progress(resume) if resume else None
        seen = context.seen(item.id)
        if seen is not None and seen.version == item.version:
            return Progress(resume) if resume else None
        try:
            return await self._document(client, item, context, resume)
        except Unprocessable as exc:
            return Failed(item.id, exc.reason, exc.detail, item.dataurl, item.version, item.text,
                          resume)

    async def _document(self, client: PoliteClient, item: RoItem, context: PollContext,
                        resume: str | None) -> Found:
        if not item.dataurl:
            raise Unprocessable("unexpected-response", f"document {item.id} has no dataurl")
        response = await client.get(item.dataurl, {"output": "json"})
        if response.status != 200:
            raise Unprocessable(f"http-{response.status}",
                                f"{item.dataurl} answered HTTP {response.status}")
        detail_text = response.body.decode("utf-8-sig", errors="replace")
        pdf_url = _pdf_url(_json(detail_text, item.dataurl), item.dataurl)
        fetched = await fetch_file(client, pdf_url, "application/pdf")
        document = RawDocument(
            feed=NAME, upstream_id=item.id, url=pdf_url, fetched_at=datetime.now(UTC),
            content_type=fetched.response.content_type, format=fetched.format,
            body=fetched.response.body, replay=context.replay,
            metadata=FeedRecord(kind="rijksoverheid-item", content=detail_text,
                                related={"list-item": item.text}),
        )
        return Found(document, item.version, resume)


def _reached(item: RoItem, head: Head | None, window: Window | None,
             start: date | None = None) -> bool:
    """True where the walk ends: the last walk's head (or older), before the start date, or
    before a backfill's range. A document without a readable date never ends the walk."""
    if window is not None:
        return item.day is not None and item.day < window.since
    if start is not None and item.day is not None and item.day < start:
        return True
    if head is None:
        return False
    return item.id == head.id or item.available < head.available


def parse_list(body: bytes) -> list[RoItem]:
    """The entries of one documents page; ``Unprocessable`` if it is not the promised JSON."""
    value = _json(body.decode("utf-8-sig", errors="replace"), "rijksoverheid documents")
    if isinstance(value, dict):  # tolerate a wrapped list
        value = value.get("documents", value.get("results"))
    if not isinstance(value, list):
        raise Unprocessable("unexpected-response", "rijksoverheid documents is not a JSON list")
    items = []
    for entry in value:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise Unprocessable("unexpected-response", f"document entry without id: {entry!r:.200}")
        items.append(RoItem(id=str(entry["id"]), available=str(entry.get("available") or ""),
                            version=entry.get("lastmodified") or entry.get("available"),
                            dataurl=entry.get("dataurl"),
                            text=json.dumps(entry, ensure_ascii=False)))
    return items


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Unprocessable("malformed-json", f"{what}: {exc}") from exc


def _pdf_url(detail: Any, where: str) -> str:
    files = detail.get("files") if isinstance(detail, dict) else None
    for file in files or []:
        if isinstance(file, dict) and file.get("fileurl") and (
                "pdf" in str(file.get("mimetype", "")) or str(file["fileurl"]).endswith(".pdf")):
            return str(file["fileurl"])
    raise Unprocessable("no-pdf", f"{where} names no PDF file")
