"""Tweede Kamer Open Data: the SyncFeed (``category=Document``), letters of soort "Brief regering".

The checkpoint is the skiptoken of the last handled entry (each entry's ``next`` link
resumes right after it). A backfill walks the feed from the start under its own checkpoint
and keeps the letters whose ``datum`` falls in its range.

What the parser gets (``RawDocument``):
    body       the enclosure file (PDF or DOCX) from ``/SyncFeed/2.0/Resources/<id>``
    format     ``pdf`` or ``docx``
    metadata   ``FeedRecord(kind="odata-document", content=<OData JSON>, related=…)`` where
               content is ``Document(<id>)?$expand=DocumentActor,Kamerstukdossier`` verbatim
               (the ministry and signer are in ``DocumentActor``, the dossier number in
               ``Kamerstukdossier``), and ``related["syncfeed-entry"]`` is the Atom entry
    withdrawn  a tombstone (``verwijderd="true"``) of a letter queued before becomes a
               withdrawal: empty body, ``metadata`` kind ``syncfeed-entry``. Tombstones of
               documents never queued (most are not letters) are skipped.

Attributes are matched by local name, so ``tk:`` and ``ns1:`` prefixes both work;
``bijgewerkt`` may be naive (Dutch local time) or carry an offset and is stored in UTC.

Start date (live polling): the SyncFeed has no date parameter, so a first run (no
checkpoint) still reads the feed from skiptoken 0. Letters whose ``bijgewerkt`` (Dutch
local date) is before the start date are passed over as ``Skipped("before-start-date")``
without fetching their OData record or enclosure; the walk costs one feed request per page
and nothing more. The checkpoint moves at every page end, so a first walk interrupted by a
restart (or by the ``MAX_PAGES`` bound of one poll) resumes where it stopped. On the real
feed, which holds every Document ever changed (hundreds of thousands of entries), that is
one request per page at ``KAMERSTROOM_REQUEST_INTERVAL`` spacing. The real page size is not
documented in our notes (the replay serves 50): at 250 entries a page (the OData maximum)
and one second a request, 400,000 entries are 1,600 requests, about half an hour before the
first new letter; at 50 a page, 8,000 requests, over two hours. No documented way finds a
later starting skiptoken: the OData query
``Document?$filter=ApiGewijzigdOp ge …&$orderby=ApiGewijzigdOp`` finds the documents
changed since a day but not their position in the SyncFeed (the skiptoken is the feed's
own, opaque counter), so the walk from 0 is the documented way, and its cost is paid once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from lxml import etree
from yarl import URL

from services.fetcher.http import PoliteClient
from services.fetcher.sources.base import Failed, Found, Inspection, Item, PollContext, Progress, Skipped
from services.fetcher.sources.files import fetch_file
from services.fetcher.start import local_day
from services.fetcher.xml import SAFE_PARSER
from shared.errors import RetryLater, Unprocessable
from shared.schema import FeedRecord, RawDocument

NAME = "tweedekamer"
LETTER = "Brief regering"
BEFORE_START = "before-start-date"
MAX_PAGES = 10_000  # a bound on one walk
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class ResourceUnavailable(Exception):
    """An enclosure that still fails after every retry while the API itself answers."""


@dataclass(frozen=True)
class SyncEntry:
    """What the fetcher needs from one SyncFeed entry."""

    id: str
    skiptoken: int | None
    deleted: bool
    updated: str | None
    soort: str | None
    datum: date | None
    enclosure: str | None
    content_type: str | None
    text: str


@dataclass(frozen=True)
class SyncPage:
    entries: list[SyncEntry]
    next_token: int | None


class TweedeKamer:
    """The SyncFeed source. See ``sources.base`` for the contract."""

    name = NAME
    interval = 15.0

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def inspect(self, body: bytes, url: str) -> list[Inspection]:
        """Not yet: see ``sources.base.Source.inspect``."""
        raise NotImplementedError(self.name)

    async def poll(self, client: PoliteClient, context: PollContext) -> AsyncIterator[Item]:
        token = int(context.checkpoint or 0)
        for _ in range(MAX_PAGES):
            page = await self._page(client, token)
            for entry in page.entries:
                item = await self._item(client, entry, context)
                if item is not None:
                    yield item
            last = next((e.skiptoken for e in reversed(page.entries) if e.skiptoken), None)
            if page.next_token is None or page.next_token <= token:
                if last is not None:
                    yield Progress(str(last))
                return
            token = page.next_token
            yield Progress(str(token), done=token)

    async def _page(self, client: PoliteClient, token: int) -> SyncPage:
        response = await client.get(f"{self.base_url}/SyncFeed/2.0/Feed",
                                    {"category": "Document", "skiptoken": str(token)},
                                    conditional=True)
        if response.status != 200:
            raise RetryLater(f"SyncFeed answered HTTP {response.status}")
        return parse_feed(response.body)

    async def _item(self, client: PoliteClient, entry: SyncEntry,
                    context: PollContext) -> Item | None:
        checkpoint = str(entry.skiptoken) if entry.skiptoken is not None else None
        if entry.deleted:
            return self._withdrawal(entry, context, checkpoint)
        if entry.soort != LETTER:
            return None
        if context.window and (entry.datum is None or not context.window.contains(entry.datum)):
            return None
        if context.start is not None and _before(entry.updated, context.start):
            return Skipped(entry.id, BEFORE_START)
        seen = context.seen(entry.id)
        if seen is not None and seen.version == entry.updated:
            return None
        try:
            return await self._letter(client, entry, context, checkpoint)
        except Unprocessable as exc:
            return Failed(entry.id, exc.reason, exc.detail, entry.enclosure, entry.updated,
                          entry.text, checkpoint)
        except ResourceUnavailable as exc:
            return Failed(entry.id, "resource-unavailable", str(exc), entry.enclosure,
                          entry.updated, entry.text, checkpoint)

    def _withdrawal(self, entry: SyncEntry, context: PollContext,
                    checkpoint: str | None) -> Item | None:
        seen = context.seen(entry.id)
        if seen is None or not seen.queued:
            return None
        document = RawDocument(feed=NAME, upstream_id=entry.id, fetched_at=datetime.now(UTC),
                               withdrawn=True, replay=context.replay,
                               metadata=FeedRecord(kind="syncfeed-entry", content=entry.text))
        return Found(document, entry.updated, checkpoint)

    async def _letter(self, client: PoliteClient, entry: SyncEntry, context: PollContext,
                      checkpoint: str | None) -> Found:
        odata = await self._odata(client, entry.id)
        url = entry.enclosure or f"{self.base_url}/SyncFeed/2.0/Resources/{entry.id}"
        try:
            fetched = await fetch_file(client, url, entry.content_type)
        except RetryLater as exc:
            # The OData record just answered, so the host is up: a resource that still fails
            # after every retry is the feed's missing-resource quirk (a 500), and waiting for
            # it would stall the whole feed. It is dead-lettered and can be requeued.
            raise ResourceUnavailable(str(exc)) from exc
        document = RawDocument(
            feed=NAME, upstream_id=entry.id, url=url, fetched_at=datetime.now(UTC),
            content_type=fetched.response.content_type, format=fetched.format,
            body=fetched.response.body, replay=context.replay,
            metadata=FeedRecord(kind="odata-document", content=odata,
                                related={"syncfeed-entry": entry.text}),
        )
        return Found(document, entry.updated, checkpoint)

    async def _odata(self, client: PoliteClient, document_id: str) -> str:
        url = f"{self.base_url}/OData/v4/2.0/Document({document_id})"
        response = await client.get(url, {"$expand": "DocumentActor,Kamerstukdossier"})
        if response.status != 200:
            raise Unprocessable("missing-odata", f"{url} answered HTTP {response.status}")
        text = response.body.decode("utf-8-sig", errors="replace")
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise Unprocessable("malformed-json", f"{url}: {exc}") from exc
        if not isinstance(value, dict) or value.get("Id") != document_id:
            raise Unprocessable("unexpected-response", f"{url} is not Document {document_id}")
        return text


def parse_feed(body: bytes) -> SyncPage:
    """Entries and the next skiptoken of one SyncFeed page; ``Unprocessable`` if not a feed."""
    try:
        root = etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-xml", f"SyncFeed page is not XML: {exc}") from exc
    if etree.QName(root).localname != "feed":
        raise Unprocessable("unexpected-response", f"SyncFeed answered <{etree.QName(root).localname}>")
    next_link = next((link.get("href") for link in root.findall("{*}link")
                      if link.get("rel") == "next"), None)
    entries = [_entry(e) for e in root.findall("{*}entry")]
    return SyncPage([e for e in entries if e is not None], _skiptoken(next_link))


def _entry(element: etree._Element) -> SyncEntry | None:
    title = (element.findtext("{*}title") or "").strip()
    document = next(element.iter("{*}document"), None)
    if not title or document is None:
        return None
    attrs = {etree.QName(name).localname: str(value) for name, value in document.attrib.items()}
    links = {link.get("rel"): link for link in element.findall("{*}link")}
    enclosure = links.get("enclosure")
    next_link = links.get("next")
    return SyncEntry(
        id=attrs.get("id") or title,
        skiptoken=_skiptoken(next_link.get("href") if next_link is not None else None),
        deleted=attrs.get("verwijderd", "false").lower() == "true",
        updated=normalise_timestamp(attrs.get("bijgewerkt")),
        soort=_child_text(document, "soort"),
        datum=_day(_child_text(document, "datum")),
        enclosure=enclosure.get("href") if enclosure is not None else None,
        content_type=attrs.get("contentType"),
        text=etree.tostring(element, encoding="unicode"),
    )


def _before(updated: str | None, start: date) -> bool:
    """True if the entry was last changed before ``start``; an unreadable time is not."""
    day = local_day(updated)
    return day is not None and day < start


def _child_text(element: etree._Element, local_name: str) -> str | None:
    found = element.find(f"{{*}}{local_name}")
    return (found.text or "").strip() or None if found is not None else None


def _skiptoken(href: str | None) -> int | None:
    if not href:
        return None
    value = URL(href).query.get("skiptoken", "")
    return int(value) if value.isdigit() else None


def normalise_timestamp(value: str | None) -> str | None:
    """An ISO timestamp in UTC; a naive one is read as Dutch local time."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return value.strip()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC).isoformat()


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
