"""KOOP SRU 2.0 (repository.overheid.nl/sru): Kamerstukken that are letters.

Live polling keeps a ``dt.modified`` date watermark as the checkpoint and re-queries with
one day of overlap; repeats are dropped by identifier + record timestamp before anything is
fetched. The watermark never starts before the start date (``context.start``): a first run
asks for ``dt.modified>=<start date>`` and so never sees older Kamerstukken. The watermark
moves once a whole walk is handled. A backfill queries its date range and keeps the next
``startRecord`` as its checkpoint, so it resumes mid-walk.

What the parser gets (``RawDocument``):
    body       the XML manifestation (``kst-…xml``), bytes as served (may start with a BOM)
    metadata   ``FeedRecord(kind="sru-record", content=<the SRU <record> element as XML>)``;
               ``related["metadata.xml"]`` = the metadata manifestation when the XML only
               points at it (``OVERHEIDop.externMetadataRecord``)

Not every Kamerstuk is a letter. Where the SRU record, the kst XML or its metadata.xml
names the Kamerstuk type (``scheme="OVERHEIDop.KamerstukTypen"``, e.g. ``DC.type`` "Motie")
and it is one of ``NOT_LETTERS``, the document is ``Skipped("not-a-letter")``: counted,
logged and remembered in the seen-table, never queued. A Kamerstuk without a type, or of any
other type, is queued: the value KOOP uses for letters is not confirmed by any recording,
so the fetcher only drops types it knows are not letters.

Elements are matched by local name: prefixes and namespaces vary between records. An SRU
diagnostic arrives with HTTP 200 and is raised as ``RetryLater`` with its message; a page
that is not XML raises ``Unprocessable``. A document that is missing, too large, cut off or
not XML becomes a ``Failed`` item (dead-lettered) and the walk goes on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lxml import etree

from services.fetcher.http import PoliteClient
from services.fetcher.sources.base import (
    Failed,
    Found,
    Inspection,
    Item,
    PollContext,
    Progress,
    Skipped,
    Window,
)
from services.fetcher.xml import SAFE_PARSER, first_text, local_children
from shared.errors import RetryLater, Unprocessable
from shared.schema import FeedRecord, RawDocument

NAME = "officielebekendmakingen"
QUERY = "c.product-area==officielepublicaties AND w.publicatienaam=Kamerstuk"
PAGE_SIZE = 100
MAX_PAGES = 1000  # a bound on one walk, far above any real day's volume
EXTERN_METADATA = "OVERHEIDop.externMetadataRecord"
KAMERSTUK_TYPES = "OVERHEIDop.KamerstukTypen"
# Kamerstuk types that are never a letter: "Motie" as the recorded kst XML names it (also for
# a gewijzigde motie); "Amendement" and "Verslag" as public crawlers of this SRU compare them.
NOT_LETTERS = frozenset({"motie", "amendement", "verslag"})
NOT_A_LETTER = "not-a-letter"


@dataclass(frozen=True)
class SruRecord:
    """What the fetcher needs from one SRU record."""

    identifier: str
    timestamp: str | None
    modified: str | None
    xml_url: str | None
    metadata_url: str | None
    text: str
    kamerstuk_type: str | None = None

    @property
    def version(self) -> str | None:
        return self.timestamp or self.modified


@dataclass(frozen=True)
class SruPage:
    records: list[SruRecord]
    next_position: int | None
    total: int | None


def query_for(context: PollContext) -> str:
    """The CQL query: a backfill's date range, or the watermark minus one day of overlap.

    Live polling never asks for anything modified before the start date.
    """
    if context.window is not None:
        query = f"{QUERY} AND dt.modified>={context.window.since.isoformat()}"
        if context.window.until is not None:
            query += f" AND dt.modified<={context.window.until.isoformat()}"
        return query
    since = context.start
    if context.checkpoint:
        overlap = date.fromisoformat(context.checkpoint) - timedelta(days=1)
        since = overlap if since is None else max(since, overlap)
    return QUERY if since is None else f"{QUERY} AND dt.modified>={since.isoformat()}"


class OfficieleBekendmakingen:
    """The SRU source. See ``sources.base`` for the contract."""

    name = NAME
    interval = 60.0

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def inspect(self, body: bytes, url: str) -> list[Inspection]:
        """Not yet: see ``sources.base.Source.inspect``."""
        raise NotImplementedError(self.name)

    async def poll(self, client: PoliteClient, context: PollContext) -> AsyncIterator[Item]:
        query = query_for(context)
        start = int(context.checkpoint) if context.window and context.checkpoint else 1
        watermark = None if context.window else context.checkpoint
        for _ in range(MAX_PAGES):
            page = await self._page(client, query, start)
            for offset, record in enumerate(page.records):
                watermark = _later(watermark, record.modified)
                resume = str(start + offset + 1) if context.window else None
                seen = context.seen(record.identifier)
                if seen is not None and seen.version == record.version:
                    yield Progress(resume)
                    continue
                if not_a_letter(record.kamerstuk_type):
                    yield Skipped(record.identifier, NOT_A_LETTER, resume, record.version,
                                  f"SRU record type {record.kamerstuk_type!r}")
                    continue
                yield await self._document(client, record, context.window, resume)
            if page.next_position is None or not page.records:
                break
            start = page.next_position
            if context.window:
                yield Progress(str(start), done=start - 1, total=page.total)
        if watermark is not None and context.window is None:
            yield Progress(watermark)

    async def _page(self, client: PoliteClient, query: str, start: int) -> SruPage:
        params = {"operation": "searchRetrieve", "version": "2.0", "query": query,
                  "startRecord": str(start), "maximumRecords": str(PAGE_SIZE),
                  "httpAccept": "application/xml"}
        response = await client.get(self.base_url, params, conditional=True)
        if response.status != 200:
            raise RetryLater(f"SRU answered HTTP {response.status}")
        return parse_page(response.body)

    async def _document(self, client: PoliteClient, record: SruRecord, window: Window | None,
                        resume: str | None) -> Found | Failed | Skipped:
        def failed(reason: str, detail: str, url: str | None) -> Failed:
            return Failed(record.identifier, reason, detail, url, record.version, record.text,
                          resume)

        if record.xml_url is None:
            return failed("no-xml-manifestation", "the SRU record names no XML URL", None)
        try:
            response = await client.get(record.xml_url)
            if response.status != 200:
                return failed(f"http-{response.status}",
                              f"{record.xml_url} answered HTTP {response.status}", record.xml_url)
            root = check_xml(response.body, record.xml_url)
            kind = declared_type(root)
            related = await self._related(client, record, root)
            if kind is None and "metadata.xml" in related:
                kind = declared_type(check_xml(related["metadata.xml"].encode(), record.xml_url))
        except Unprocessable as exc:
            return failed(exc.reason, exc.detail, record.xml_url)
        if not_a_letter(kind):
            return Skipped(record.identifier, NOT_A_LETTER, resume, record.version,
                           f"kst type {kind!r}")
        document = RawDocument(
            feed=NAME, upstream_id=record.identifier, url=record.xml_url,
            fetched_at=datetime.now(UTC), content_type=response.content_type,
            format="kst-xml", body=response.body, replay=window is not None,
            metadata=FeedRecord(kind="sru-record", content=record.text, related=related),
        )
        return Found(document, record.version, resume)

    async def _related(self, client: PoliteClient, record: SruRecord,
                       root: etree._Element) -> dict[str, str]:
        """The metadata manifestation, when the XML only points at it."""
        extern = _extern_url(root)
        if extern is None:
            return {}
        url = record.metadata_url or extern
        response = await client.get(url)
        if response.status != 200:
            raise Unprocessable("missing-metadata", f"{url} answered HTTP {response.status}")
        check_xml(response.body, url)
        return {"metadata.xml": response.body.decode("utf-8-sig", errors="replace")}


def check_xml(body: bytes, url: str) -> etree._Element:
    """The parsed root, or ``Unprocessable("malformed-xml")``."""
    try:
        return etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-xml", f"{url}: {exc}") from exc


def extern_metadata_url(body: bytes, url: str) -> str | None:
    """The metadata URL if the kst XML holds no metadata of its own, only a pointer to it.

    Raises ``Unprocessable`` if the body is not XML.
    """
    return _extern_url(check_xml(body, url))


def _extern_url(root: etree._Element) -> str | None:
    metas = list(root.iter("{*}meta"))
    names = {m.get("name") for m in metas}
    if names != {EXTERN_METADATA}:
        return None
    return next((m.get("content") for m in metas if m.get("content")), None)


def declared_type(root: etree._Element) -> str | None:
    """The Kamerstuk type a kst XML (``meta``) or metadata.xml (``metadata``) declares."""
    for element in root.iter("{*}meta", "{*}metadata"):
        if element.get("scheme") == KAMERSTUK_TYPES and (element.get("content") or "").strip():
            return str(element.get("content")).strip()
    return None


def not_a_letter(kamerstuk_type: str | None) -> bool:
    """True only for a type known not to be a letter; an unknown or missing type passes."""
    return kamerstuk_type is not None and kamerstuk_type.strip().lower() in NOT_LETTERS


def parse_page(body: bytes) -> SruPage:
    """Records, next start position and total of one SRU response; raises on a diagnostic."""
    try:
        root = etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-xml", f"SRU response is not XML: {exc}") from exc
    diagnostic = root if etree.QName(root).localname == "diagnostics" else None
    if diagnostic is None:
        diagnostic = next(iter(local_children(root, "diagnostics")), None)
    if diagnostic is not None:
        message = " ".join(str(t) for t in diagnostic.itertext()).split()
        raise RetryLater("SRU diagnostic: " + " ".join(message))
    if etree.QName(root).localname != "searchRetrieveResponse":
        raise Unprocessable("unexpected-response",
                            f"SRU answered <{etree.QName(root).localname}>")
    records = [_record(el) for el in root.iter("{*}record")]
    next_text = first_text(root, "nextRecordPosition")
    total_text = first_text(root, "numberOfRecords")
    return SruPage(
        records=[r for r in records if r is not None],
        next_position=int(next_text) if next_text and next_text.isdigit() else None,
        total=int(total_text) if total_text and total_text.isdigit() else None,
    )


def _record(element: etree._Element) -> SruRecord | None:
    identifier = first_text(element, "identifier")
    if not identifier:
        return None
    urls = {item.get("manifestation"): (item.text or "").strip()
            for item in element.iter("{*}itemUrl") if item.text}
    modified = first_text(element, "modified")
    return SruRecord(identifier=identifier, timestamp=first_text(element, "timestamp"),
                     modified=modified[:10] if modified else None,
                     xml_url=urls.get("xml") or first_text(element, "url"),
                     metadata_url=urls.get("metadata"),
                     text=etree.tostring(element, encoding="unicode"),
                     kamerstuk_type=_record_type(element))


def _record_type(element: etree._Element) -> str | None:
    """The Kamerstuk type an SRU record states: any element with the KamerstukTypen scheme
    (``dcterms:type`` or ``overheidwetgeving:subrubriek``, depending on the record)."""
    for child in element.iter():
        if isinstance(child.tag, str) and child.get("scheme") == KAMERSTUK_TYPES:
            text = (child.text or "").strip()
            if text:
                return text
    return None


def _later(current: str | None, candidate: str | None) -> str | None:
    """The later of two ISO dates (``None`` loses)."""
    if candidate is None or not _is_date(candidate):
        return current
    return candidate if current is None or candidate > current else current


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
