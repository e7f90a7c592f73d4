"""KOOP SRU 2.0 (repository.overheid.nl/sru): Kamerstukken that are letters.

Elements are matched by local name: prefixes and namespaces vary between records.
An SRU diagnostic arrives with HTTP 200 and is raised as ``RetryLater`` with its message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from services.fetcher.http import PoliteClient
from services.fetcher.xml import SAFE_PARSER, first_text, local_children
from shared.errors import RetryLater
from shared.schema import FeedRecord, RawDocument

NAME = "officielebekendmakingen"
QUERY = "c.product-area==officielepublicaties AND w.publicatienaam=Kamerstuk"
PAGE_SIZE = 100
MAX_PAGES = 1000  # a bound on one poll, far above any real day's volume


@dataclass(frozen=True)
class SruRecord:
    """What the fetcher needs from one SRU record."""

    identifier: str
    timestamp: str | None
    xml_url: str | None
    text: str


class OfficieleBekendmakingen:
    """The SRU source. See ``Source`` for the contract."""

    name = NAME

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def poll(self, client: PoliteClient) -> AsyncIterator[RawDocument]:
        start = 1
        for _ in range(MAX_PAGES):
            records, next_position = await self._page(client, start)
            for record in records:
                if record.xml_url is None:
                    continue
                yield await self._document(client, record)
            if next_position is None:
                return
            start = next_position

    async def _page(self, client: PoliteClient, start: int) -> tuple[list[SruRecord], int | None]:
        params = {"operation": "searchRetrieve", "version": "2.0", "query": QUERY,
                  "startRecord": str(start), "maximumRecords": str(PAGE_SIZE),
                  "httpAccept": "application/xml"}
        response = await client.get(self.base_url, params)
        if response.status != 200:
            raise RetryLater(f"SRU answered HTTP {response.status}")
        return parse_page(response.body)

    async def _document(self, client: PoliteClient, record: SruRecord) -> RawDocument:
        assert record.xml_url is not None
        response = await client.get(record.xml_url)
        if response.status != 200:
            raise RetryLater(f"{record.xml_url} answered HTTP {response.status}")
        return RawDocument(
            feed=NAME, upstream_id=record.identifier, url=record.xml_url,
            fetched_at=datetime.now(UTC), content_type=response.content_type,
            format="kst-xml", body=response.body,
            metadata=FeedRecord(kind="sru-record", content=record.text),
        )


def parse_page(body: bytes) -> tuple[list[SruRecord], int | None]:
    """Records and the next start position of one SRU response; raises on a diagnostic."""
    try:
        root = etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise RetryLater(f"SRU response is not XML: {exc}") from exc
    diagnostic = root if etree.QName(root).localname == "diagnostics" else None
    if diagnostic is None:
        diagnostic = next(iter(local_children(root, "diagnostics")), None)
    if diagnostic is not None:
        message = " ".join(str(t) for t in diagnostic.itertext()).split()
        raise RetryLater("SRU diagnostic: " + " ".join(message))
    records = [_record(el) for el in root.iter("{*}record")]
    next_text = first_text(root, "nextRecordPosition")
    next_position = int(next_text) if next_text and next_text.isdigit() else None
    return [r for r in records if r is not None], next_position


def _record(element: etree._Element) -> SruRecord | None:
    identifier = first_text(element, "identifier")
    if not identifier:
        return None
    xml_url = None
    for item in element.iter("{*}itemUrl"):
        if item.get("manifestation") == "xml" and item.text:
            xml_url = item.text.strip()
    if xml_url is None:
        xml_url = first_text(element, "url")
    return SruRecord(identifier=identifier, timestamp=first_text(element, "timestamp"),
                     xml_url=xml_url, text=etree.tostring(element, encoding="unicode"))
