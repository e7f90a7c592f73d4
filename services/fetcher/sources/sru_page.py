"""Reading one KOOP SRU response: the page, its records, and how each deviates.

``parse_page(body, url)`` returns the page or raises ``FeedDrift`` when the response as a
whole is spoiled: not XML (``not-xml``), an SRU diagnostic (``sru-diagnostic``, which KOOP
sends with HTTP 200), or a root that is not ``searchRetrieveResponse`` in the SRU 2.0
namespace or the legacy SRU 1.2 one (``not-sru-response``). A page is never read as empty
because it could not be read.

Inside a good page each ``<record>`` becomes an ``Entry``: the ``SruRecord`` (or ``None``
when the record cannot be used) and the ``Drift`` it showed: ``record-without-identifier``
and ``unknown-record-schema`` make the record unusable; ``record-without-timestamp`` is
noted and the record is used with ``modified`` as its version. Elements inside a record are
matched by local name: prefixes and namespaces vary between records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lxml import etree

from services.fetcher.sources.base import Drift
from services.fetcher.xml import SAFE_PARSER, first_text
from shared import chamber
from shared.errors import FeedDrift
from shared.schema import Chamber

SRU_2_0 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
SRU_1_2 = "http://www.loc.gov/zing/srw/"
# The gzd record schema, as the service names it (the real page adds a trailing slash).
RECORD_SCHEMAS = frozenset({"gzd", "http://standaarden.overheid.nl/sru",
                            "http://standaarden.overheid.nl/sru/"})
KAMERSTUK_TYPES = "OVERHEIDop.KamerstukTypen"

# Drift kinds: closed, short codes (metric labels). docs/feeds.md says what to do about each.
NOT_XML = "not-xml"
DIAGNOSTIC = "sru-diagnostic"
NOT_SRU = "not-sru-response"
ENDPOINT_GONE = "endpoint-gone"
KEY_IGNORED = "key-paging-ignored"
NO_IDENTIFIER = "record-without-identifier"
NO_TIMESTAMP = "record-without-timestamp"
UNKNOWN_SCHEMA = "unknown-record-schema"
NO_TYPE = "kamerstuk-without-type"
DRIFT_KINDS = (NOT_XML, DIAGNOSTIC, NOT_SRU, ENDPOINT_GONE, KEY_IGNORED, NO_IDENTIFIER,
               NO_TIMESTAMP, UNKNOWN_SCHEMA, NO_TYPE)


@dataclass(frozen=True)
class SruRecord:
    """What the fetcher reads from one SRU record (before any document is fetched)."""

    identifier: str
    timestamp: str | None
    modified: str | None
    xml_url: str | None
    metadata_url: str | None
    text: str
    kamerstuk_type: str | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    chamber: Chamber | None = None

    @property
    def version(self) -> str | None:
        return self.timestamp or self.modified

    @property
    def upstream_time(self) -> datetime | None:
        """``gzd:timestamp`` in UTC; else the start of the ``modified`` day in UTC."""
        stamp = _aware(self.timestamp)
        if stamp is not None:
            return stamp.astimezone(UTC)
        day = _day(self.modified)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


@dataclass(frozen=True)
class Entry:
    """One ``<record>`` of a page: the record when usable, and its deviations."""

    record: SruRecord | None
    drift: list[Drift]


@dataclass(frozen=True)
class SruPage:
    entries: list[Entry]
    next_position: int | None
    total: int | None

    @property
    def records(self) -> list[SruRecord]:
        return [e.record for e in self.entries if e.record is not None]

    @property
    def last_identifier(self) -> str | None:
        """The identifier to page on from (the page's last usable record)."""
        records = self.records
        return records[-1].identifier if records else None


def parse_page(body: bytes, url: str) -> SruPage:
    """The records, next position and total of one SRU response; ``FeedDrift`` if spoiled."""
    root = _root(body, url)
    _raise_diagnostic(root, url)
    name = etree.QName(root)
    if name.localname != "searchRetrieveResponse" or name.namespace not in (SRU_2_0, SRU_1_2):
        raise FeedDrift(NOT_SRU, f"the response is <{root.tag}>, not an SRU "
                                 f"searchRetrieveResponse ({SRU_2_0})", url)
    next_text = _child_text(root, "nextRecordPosition")
    total_text = _child_text(root, "numberOfRecords")
    return SruPage(
        entries=[read_record(el, url) for el in root.iter(f"{{{name.namespace}}}record")],
        next_position=int(next_text) if next_text and next_text.isdigit() else None,
        total=int(total_text) if total_text and total_text.isdigit() else None,
    )


def _root(body: bytes, url: str) -> etree._Element:
    try:
        return etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        start = body[:40].decode("utf-8", errors="replace").strip().splitlines()
        raise FeedDrift(NOT_XML, f"the response is not XML ({exc}); it starts with "
                                 f"{start[0] if start else ''!r}", url) from exc


def _raise_diagnostic(root: etree._Element, url: str) -> None:
    """SRU reports errors as diagnostics with HTTP 200 (1.2: a bare ``<diagnostics>``)."""
    diagnostics = [root] if etree.QName(root).localname == "diagnostics" else \
        [el for el in root if isinstance(el.tag, str) and etree.QName(el).localname == "diagnostics"]
    if diagnostics:
        words = " ".join(str(t) for t in diagnostics[0].itertext()).split()
        raise FeedDrift(DIAGNOSTIC, "SRU diagnostic: " + " ".join(words), url)


def _child_text(root: etree._Element, local_name: str) -> str | None:
    """Text of a direct child (so a record's own elements are never taken for the page's)."""
    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname == local_name:
            return (child.text or "").strip() or None
    return None


def read_record(element: etree._Element, url: str) -> Entry:
    """One record, or ``None`` with the drift that makes it unusable."""
    identifier = first_text(element, "identifier")
    schema = _child_text(element, "recordSchema")
    if schema not in RECORD_SCHEMAS:
        return Entry(None, [Drift(UNKNOWN_SCHEMA, f"record {identifier or '?'} has recordSchema "
                                                  f"{schema!r}", url)])
    if not identifier:
        return Entry(None, [Drift(NO_IDENTIFIER, "an SRU record without dcterms:identifier", url)])
    record = _record(element, identifier)
    drift = [] if record.timestamp else [
        Drift(NO_TIMESTAMP, f"record {identifier} has no gzd:timestamp", url)]
    return Entry(record, drift)


def _record(element: etree._Element, identifier: str) -> SruRecord:
    urls = {item.get("manifestation"): (item.text or "").strip()
            for item in element.iter("{*}itemUrl") if item.text}
    modified = first_text(element, "modified")
    kamerstuk_type = _record_type(element)
    fields = {name: first_text(element, name) for name in
              ("title", "type", "dossiernummer", "ondernummer", "vergaderjaar", "creator")}
    fields["subrubriek"] = kamerstuk_type
    return SruRecord(
        identifier=identifier, timestamp=first_text(element, "timestamp"),
        modified=modified[:10] if modified else None,
        # Only the XML manifestation is a document the parser reads: never fall back to
        # gzd:url, which for a bijlage is its PDF.
        xml_url=urls.get("xml") or None, metadata_url=urls.get("metadata") or None,
        text=etree.tostring(element, encoding="unicode"), kamerstuk_type=kamerstuk_type,
        fields=fields, chamber=record_chamber(fields, identifier),
    )


def record_chamber(fields: dict[str, str | None], identifier: str) -> Chamber | None:
    """The chamber the record's creator and ondernummer show (see ``shared.chamber``)."""
    numbered = (chamber.from_ondernummer(fields.get("ondernummer")) if fields.get("ondernummer")
                else chamber.from_identifier(identifier))
    return chamber.decide(chamber.from_creator(fields.get("creator")), numbered)


def _record_type(element: etree._Element) -> str | None:
    """The Kamerstuk type a record states: the element with the KamerstukTypen scheme
    (``overheidwetgeving:subrubriek``, in some records ``dcterms:type``)."""
    for child in element.iter():
        if isinstance(child.tag, str) and child.get("scheme") == KAMERSTUK_TYPES:
            text = (child.text or "").strip()
            if text:
                return text
    return None


def _aware(text: str | None) -> datetime | None:
    """An ISO timestamp with its offset; a naive or unreadable one is no evidence."""
    try:
        stamp = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return stamp if stamp is not None and stamp.tzinfo is not None else None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
