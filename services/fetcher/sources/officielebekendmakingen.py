"""KOOP SRU 2.0 (repository.overheid.nl/sru): the Kamerstukken that are letters.

Contract (see docs/feeds.md, "KOOP SRU"):

* **What is fetched.** Only letters, decided from the SRU record before any request for a
  document (``sru_rules``): a ``kst-…`` record whose ``OVERHEIDop.KamerstukTypen`` is
  ``Brief``. Other records are ``Skipped`` (``not-a-kamerstuk``, ``not-a-letter``) with their
  version, so they are counted once and remembered. Only a Kamerstuk whose record names no
  type costs a request: its XML's ``DC.type`` (or its metadata.xml's) decides.
* **Paging.** Every walk is sorted by identifier and pages by key: ``… AND
  dt.identifier>"<last id>" sortBy dt.identifier/sort.ascending``, ``startRecord`` always 1,
  because upstream answers 504 at ``startRecord`` 10,000 and beyond.
* **Checkpoints.** Live polling keeps a ``dt.modified`` date watermark and re-queries with
  one day of overlap, never before the start date; repeats are dropped by identifier +
  record timestamp. The watermark moves once a whole walk is handled. A backfill's
  checkpoint is ``after:<identifier>`` (the last handled record), so it resumes mid-walk; a
  checkpoint in another form (an older ``startRecord``) restarts the walk, and the
  seen-table drops what was already handled.
* **Drift.** A response that is not an SRU page (diagnostic, other namespace, not XML, the
  endpoint answering 404/410, a server ignoring the key) raises ``FeedDrift``: the poll fails,
  the checkpoint holds. One bad record is yielded as ``Drift`` and the walk goes on.

What the parser gets (``RawDocument``): ``body`` the XML manifestation (``kst-…xml``) as
served; ``metadata`` the SRU ``<record>`` (``FeedRecord(kind="sru-record")``), with
``related["metadata.xml"]`` when the XML only points at its metadata; ``upstream_time``
the record's ``gzd:timestamp`` in UTC (else its ``modified`` day). A document that is
missing, too large, cut off or not XML is ``Failed`` (dead-lettered) and the walk goes on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

from lxml import etree

from services.fetcher.http import PoliteClient
from services.fetcher.sources import sru_rules as rules
from services.fetcher.sources.base import (
    Drift,
    Failed,
    Found,
    Inspection,
    Item,
    PollContext,
    Progress,
    Skipped,
    Window,
)
from services.fetcher.sources.sru_page import (
    ENDPOINT_GONE,
    KEY_IGNORED,
    NO_TYPE,
    SruPage,
    SruRecord,
    parse_page,
    read_record,
)
from services.fetcher.xml import SAFE_PARSER
from shared.errors import FeedDrift, RetryLater, Unprocessable
from shared.schema import FeedRecord, RawDocument

NAME = "officielebekendmakingen"
QUERY = "c.product-area==officielepublicaties AND w.publicatienaam=Kamerstuk"
SORT = "sortBy dt.identifier/sort.ascending"
PAGE_SIZE = 100
MAX_PAGES = 1000  # a bound on one walk (100,000 records), far above any real day's volume
AFTER = "after:"  # a backfill checkpoint: resume after this identifier


def query_for(context: PollContext) -> str:
    """The CQL filter: a backfill's date range, or the watermark minus one day of overlap.

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


def keyed(query: str, after: str | None) -> str:
    """The query for the page after identifier ``after`` (``None``: the first page)."""
    if after is None:
        return f"{query} {SORT}"
    quoted = after.replace("\\", "\\\\").replace('"', '\\"')
    return f'{query} AND dt.identifier>"{quoted}" {SORT}'


def resume_key(context: PollContext) -> str | None:
    """Where a backfill resumes: after the identifier in its checkpoint, else from the start."""
    checkpoint = context.checkpoint if context.window else None
    if checkpoint and checkpoint.startswith(AFTER):
        return checkpoint[len(AFTER):] or None
    return None


class OfficieleBekendmakingen:
    """The SRU source. See the module docstring and ``sources.base`` for the contract."""

    name = NAME
    interval = 60.0

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def inspect(self, body: bytes, url: str) -> list[Inspection]:
        """What a poll would decide about each record of one recorded SRU page, no requests.

        Raises ``FeedDrift`` for a response that is not a usable SRU page (a diagnostic, a
        recorder's preamble before the XML, another root or namespace).
        """
        return [_inspection(entry.record, entry.drift) for entry in parse_page(body, url).entries]

    async def poll(self, client: PoliteClient, context: PollContext) -> AsyncIterator[Item]:
        query, after = query_for(context), resume_key(context)
        watermark = None if context.window else context.checkpoint
        done = 0
        for _ in range(MAX_PAGES):
            page = await self._page(client, keyed(query, after))
            for entry in page.entries:
                for drift in entry.drift:
                    yield drift
                if entry.record is not None:
                    watermark = _later(watermark, entry.record.modified)
                    for item in await self._handle(client, entry.record, context):
                        yield item
            done += len(page.entries)
            last = page.last_identifier
            if page.next_position is None or last is None:
                break
            if last == after:  # the server ignored the key: the same page would come forever
                raise FeedDrift(KEY_IGNORED, f"the page after {after!r} ends with it again",
                                self.base_url)
            after = last
            if context.window:
                total = None if page.total is None else done + page.total - len(page.entries)
                yield Progress(AFTER + after, done=done, total=total)
        if watermark is not None and context.window is None:
            yield Progress(watermark)

    async def refetch(self, client: PoliteClient, record: str) -> list[Item]:
        """The document of a dead-lettered SRU record, fetched again (see ``Source``)."""
        try:
            element = etree.fromstring(record.encode(), SAFE_PARSER)
        except etree.XMLSyntaxError as exc:
            raise Unprocessable("not-a-record", f"not an SRU record: {exc}") from None
        read = read_record(element, "dead letter")
        if read.record is None:
            raise Unprocessable("not-a-record", "; ".join(d.detail for d in read.drift)
                                or "not an SRU record")
        return await self._document(client, read.record, None, None)

    async def _handle(self, client: PoliteClient, record: SruRecord,
                      context: PollContext) -> list[Item]:
        """The items for one record: unchanged, skipped on its record, or fetched."""
        resume = AFTER + record.identifier if context.window else None
        seen = context.seen(record.identifier)
        if seen is not None and seen.version == record.version:
            return [Progress(resume)]
        decision = rules.decide(record)
        if decision.decision == rules.SKIPPED:
            return [_skipped(record, decision, resume)]
        return await self._document(client, record, context.window, resume)

    async def _page(self, client: PoliteClient, query: str) -> SruPage:
        params = {"operation": "searchRetrieve", "version": "2.0", "query": query,
                  "startRecord": "1", "maximumRecords": str(PAGE_SIZE),
                  "httpAccept": "application/xml"}
        response = await client.get(self.base_url, params, conditional=True)
        if response.status in (404, 410):
            raise FeedDrift(ENDPOINT_GONE, f"the SRU endpoint answered HTTP {response.status}",
                            self.base_url)
        if response.status != 200:
            raise RetryLater(f"SRU answered HTTP {response.status}")
        return parse_page(response.body, response.url or self.base_url)

    async def _document(self, client: PoliteClient, record: SruRecord, window: Window | None,
                        resume: str | None) -> list[Item]:
        def failed(reason: str, detail: str, url: str | None) -> Failed:
            return Failed(record.identifier, reason, detail, url, record.version, record.text,
                          resume)

        if record.xml_url is None:
            return [failed("no-xml-manifestation", "the SRU record names no XML URL", None)]
        try:
            response = await client.get(record.xml_url)
            if response.status != 200:
                return [failed(f"http-{response.status}",
                               f"{record.xml_url} answered HTTP {response.status}", record.xml_url)]
            root = check_xml(response.body, record.xml_url)
            related = await self._related(client, record, root)
        except Unprocessable as exc:
            return [failed(exc.reason, exc.detail, record.xml_url)]
        if record.kamerstuk_type is None:  # only then does the document decide
            decision = rules.by_type(_document_type(root, related, record.xml_url), "kst document")
            if decision.decision == rules.SKIPPED:
                return _undeclared(record, decision, resume)
        document = RawDocument(
            feed=NAME, upstream_id=record.identifier, url=record.xml_url,
            fetched_at=datetime.now(UTC), upstream_time=record.upstream_time,
            content_type=response.content_type, format="kst-xml", body=response.body,
            replay=window is not None,
            metadata=FeedRecord(kind="sru-record", content=record.text, related=related),
        )
        return [Found(document, record.version, resume)]

    async def _related(self, client: PoliteClient, record: SruRecord,
                       root: etree._Element) -> dict[str, str]:
        """The metadata manifestation, when the XML only points at it."""
        extern = rules.extern_url(root)
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
    """The metadata URL if the kst XML only points at its metadata; ``Unprocessable`` if not XML."""
    return rules.extern_url(check_xml(body, url))


def _document_type(root: etree._Element, related: dict[str, str], url: str) -> str | None:
    declared = rules.declared_type(root)
    if declared is None and "metadata.xml" in related:
        declared = rules.declared_type(check_xml(related["metadata.xml"].encode(), url))
    return declared


def _skipped(record: SruRecord, decision: rules.Decision, resume: str | None) -> Skipped:
    return Skipped(record.identifier, decision.reason or rules.NOT_A_LETTER, resume,
                   record.version, decision.detail)


def _undeclared(record: SruRecord, decision: rules.Decision, resume: str | None) -> list[Item]:
    """A Kamerstuk skipped on its document; one that names no type anywhere is also drift."""
    items: list[Item] = [_skipped(record, decision, resume)]
    if decision.reason == rules.NO_KAMERSTUK_TYPE:
        items.insert(0, Drift(NO_TYPE, f"{record.identifier}: neither the SRU record nor the "
                                       "document names its Kamerstuk type", record.xml_url))
    return items


def _inspection(record: SruRecord | None, drift: list[Drift]) -> Inspection:
    if record is None:
        return Inspection(None, rules.SKIPPED, drift[0].kind if drift else None, drift=drift)
    decision = rules.decide(record)
    fields: dict[str, object] = {
        "identifier": record.identifier, **record.fields, "modified": record.modified,
        "timestamp": record.timestamp, "chamber": record.chamber, "xml_url": record.xml_url}
    return Inspection(record.identifier, decision.decision, decision.reason, fields, drift)


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
