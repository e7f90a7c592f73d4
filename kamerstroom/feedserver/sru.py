"""The KOOP SRU 2.0 replay: real recorded records, plus constructed ones that say so.

Served pages hold the ``<sru:record>`` elements of the real recorded SRU 2.0 pages in
``recordings/officielebekendmakingen/sru-*.xml`` as recorded (namespaces intact), and one
constructed record (``<!-- CONSTRUCTED … -->`` inside it) for each recorded kst XML that
has no real record. Every page starts with a comment saying what the replay changed: the
host ``https://repository.overheid.nl`` in URLs becomes this server, ``recordPosition`` is
the served position, and the envelope (``numberOfRecords``, ``nextRecordPosition``) is
built for the query.

The query is read as the fetcher writes it: ``dt.modified>=`` / ``<=`` (day-granular),
``dt.identifier>"<id>"`` and ``sortBy dt.identifier/sort.ascending``. As upstream, a
``startRecord`` of 10,000 or more answers HTTP 504 and a ``dcterms.`` index answers the
real "unknown prefix" diagnostic.

Documents: ``SUBSTITUTES`` names the constructed XML served for a real record whose own XML
was not recorded (a letter: no real kst XML of a letter exists). Constructed records point
at the real kst XML they were built from and at a constructed ``metadata.xml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

SRU_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
UPSTREAM = "https://repository.overheid.nl"
KEY_PAGING_LIMIT = 10_000  # upstream answers 504 from this startRecord on
KAMERSTUK_TYPES = "OVERHEIDop.KamerstukTypen"
# Real records whose XML manifestation the replay serves from a constructed file.
SUBSTITUTES = {"kst-22112-3185": "kst-letter-defensie-navo-CONSTRUCTED.xml"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_NAMESPACES = (  # the real page's declarations, so served pages read like it
    'xmlns:sru="http://docs.oasis-open.org/ns/search-ws/sruResponse" '
    'xmlns:gzd="http://standaarden.overheid.nl/sru" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:overheidwetgeving="http://standaarden.overheid.nl/wetgeving/" '
    'xmlns:c="http://standaarden.overheid.nl/collectie/" '
    'xmlns:cd="http://standaarden.overheid.nl/cup/data" '
    'xmlns:diag="http://docs.oasis-open.org/ns/search-ws/diagnostic" '
    'xmlns:facet="http://docs.oasis-open.org/ns/search-ws/facetedResults"')
_NOTE = ("<!-- kamerstroom replay (kamerstroom/feedserver/sru.py): the records are real "
         "recorded SRU records except those marked CONSTRUCTED; the replay rewrote the host "
         f"{UPSTREAM} to its own, recordPosition, numberOfRecords and nextRecordPosition. -->")
_MODIFIED = re.compile(r"dt\.modified\s*(>=|<=)\s*(\d{4}-\d{2}-\d{2})")
_AFTER = re.compile(r'dt\.identifier\s*>\s*"((?:[^"\\]|\\.)*)"')
_POSITION = re.compile(r"(<(?:\w+:)?recordPosition>)\d*(</)")


@dataclass(frozen=True)
class ReplayRecord:
    """One record the replay serves, and the documents behind its URLs."""

    identifier: str
    modified: str
    xml: str  # the <sru:record> element, URLs on UPSTREAM
    kamerstuk_type: str | None = None
    documents: tuple[tuple[str, Path | str], ...] = ()  # (path, file or constructed text)


def load(folder: Path) -> list[ReplayRecord]:
    """The real pages' records and a constructed record per unrecorded kst XML, by id."""
    records: dict[str, ReplayRecord] = {}
    for page in sorted(folder.glob("sru-*.xml")):
        for record in load_page(page, folder):
            records.setdefault(record.identifier, record)
    for path in sorted(folder.glob("kst-*.xml")):
        if "CONSTRUCTED" not in path.name:
            constructed = constructed_record(path)
            records.setdefault(constructed.identifier, constructed)
    return sorted(records.values(), key=lambda r: r.identifier)


def load_page(path: Path, folder: Path | None = None) -> list[ReplayRecord]:
    """Every record of a real SRU page, as recorded (URL hosts unified on ``UPSTREAM``)."""
    root = etree.fromstring(path.read_bytes(), _PARSER)
    return [_real(element, folder or path.parent) for element in root.iter(f"{{{SRU_NS}}}record")]


def _real(element: etree._Element, folder: Path) -> ReplayRecord:
    identifier = _text(element, "identifier")
    xml = etree.tostring(element, encoding="unicode")
    xml = xml.replace("http://__MOCK_SERVICE__/repository.overheid.nl", UPSTREAM)
    documents: tuple[tuple[str, Path | str], ...] = ()
    substitute = SUBSTITUTES.get(identifier)
    url = next((i.text or "" for i in element.iter("{*}itemUrl") if i.get("manifestation") == "xml"), "")
    if substitute and url.startswith(UPSTREAM):
        documents = ((url[len(UPSTREAM):], folder / substitute),)
    return ReplayRecord(identifier, _text(element, "modified")[:10], xml, _stated_type(element),
                        documents)


def constructed_record(path: Path) -> ReplayRecord:
    """A CONSTRUCTED record for a real kst XML, typed as the document types itself."""
    root = etree.fromstring(path.read_bytes(), _PARSER)
    meta = {str(m.get("name")): m.get("content") or "" for m in root.iter("meta")}
    dossier = re.sub(r"\s+", "", root.findtext(".//dossiernr") or "")
    nummer = (root.findtext(".//ondernummer") or "").strip()
    identifier = meta.get("DC.identifier") or f"kst-{dossier}-{nummer}"
    kind, evidence = _document_type(root)
    kop = root.findtext(".//tekstregel[@inhoud='vergaderjaar']") or ""
    day = root.find(".//datum[@isodatum]")
    values = {
        "identifier": identifier, "dossiernummer": dossier, "ondernummer": nummer,
        "title": meta.get("DC.title") or (root.findtext(".//stuk/titel") or "").strip(),
        "creator": meta.get("DC.creator")
        or (root.findtext(".//tekstregel[@inhoud='kameraanduiding']") or ""),
        "date": meta.get("DCTERMS.issued") or (str(day.get("isodatum", "")) if day is not None else ""),
        "available": meta.get("DCTERMS.available") or "",
        "vergaderjaar": meta.get("OVERHEIDop.vergaderjaar") or kop.replace("Vergaderjaar", "").strip(),
        "type": kind or "",
    }
    values["modified"] = values["available"] or values["date"]
    frbr = f"/frbr/officielepublicaties/kst/{dossier}/{identifier}/1"
    documents = ((f"{frbr}/xml/{identifier}.xml", path),
                 (f"{frbr}/metadata/metadata.xml", metadata_xml(values)))
    return ReplayRecord(identifier, values["modified"], _record_xml(values, UPSTREAM + frbr, evidence),
                        kind, documents)


def _document_type(root: etree._Element) -> tuple[str | None, str]:
    """The Kamerstuk type the kst XML declares, else the one its printed title names."""
    for meta in root.iter("meta"):
        if meta.get("scheme") == KAMERSTUK_TYPES and meta.get("content"):
            return str(meta.get("content")), "the document's DC.type"
    title = (root.findtext(".//stuk/titel") or "").strip().upper()
    if re.match(r"(GEWIJZIGDE )?MOTIE\b", title):
        return "Motie", f"the document's printed title {title[:40]!r}"
    return None, "nothing (the document names no type)"


def _record_xml(values: dict[str, str], frbr: str, evidence: str) -> str:
    v = {k: escape(val) for k, val in values.items()}
    subrubriek = (f'<overheidwetgeving:subrubriek scheme="{KAMERSTUK_TYPES}">{v["type"]}'
                  "</overheidwetgeving:subrubriek>" if v["type"] else "")
    return (
        f'<sru:record xmlns:sru="{SRU_NS}"><!-- CONSTRUCTED record: no SRU record of '
        f"{v['identifier']} was recorded; built by the replay from the real kst XML's values, "
        f"its subrubriek from {escape(evidence)}. -->"
        "<sru:recordSchema>http://standaarden.overheid.nl/sru/</sru:recordSchema>"
        "<sru:recordPacking>xml</sru:recordPacking><sru:recordData>"
        '<gzd:gzd xmlns:gzd="http://standaarden.overheid.nl/sru" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:overheidwetgeving="http://standaarden.overheid.nl/wetgeving/" '
        'xmlns:c="http://standaarden.overheid.nl/collectie/">'
        "<gzd:originalData><overheidwetgeving:meta><overheidwetgeving:owmskern>"
        f"<dcterms:identifier>{v['identifier']}</dcterms:identifier>"
        f"<dcterms:title>{v['title']}</dcterms:title>"
        '<dcterms:type scheme="OVERHEIDop.Parlementair">Kamerstuk</dcterms:type>'
        f'<dcterms:creator scheme="OVERHEID.StatenGeneraal">{v["creator"]}</dcterms:creator>'
        f"<dcterms:modified>{v['modified']}</dcterms:modified>"
        "</overheidwetgeving:owmskern><overheidwetgeving:owmsmantel>"
        f"<dcterms:available>{v['available']}</dcterms:available>"
        f"<dcterms:date>{v['date']}</dcterms:date>"
        "</overheidwetgeving:owmsmantel><overheidwetgeving:tpmeta>"
        "<c:product-area>officielepublicaties</c:product-area>"
        f"<overheidwetgeving:dossiernummer>{v['dossiernummer']}</overheidwetgeving:dossiernummer>"
        f"<overheidwetgeving:ondernummer>{v['ondernummer']}</overheidwetgeving:ondernummer>"
        "<overheidwetgeving:publicatienaam>Kamerstuk</overheidwetgeving:publicatienaam>"
        f"<overheidwetgeving:vergaderjaar>{v['vergaderjaar']}</overheidwetgeving:vergaderjaar>"
        f"{subrubriek}</overheidwetgeving:tpmeta></overheidwetgeving:meta></gzd:originalData>"
        f"<gzd:enrichedData><gzd:url>{frbr}/xml/{v['identifier']}.xml</gzd:url>"
        f'<gzd:itemUrl manifestation="xml">{frbr}/xml/{v["identifier"]}.xml</gzd:itemUrl>'
        f'<gzd:itemUrl manifestation="metadata">{frbr}/metadata/metadata.xml</gzd:itemUrl>'
        f"<gzd:timestamp>{v['modified']}T00:00:00+02:00</gzd:timestamp>"
        "</gzd:enrichedData></gzd:gzd></sru:recordData>"
        "<sru:recordPosition>0</sru:recordPosition></sru:record>"
    )


def metadata_xml(values: dict[str, str]) -> str:
    """A CONSTRUCTED ``metadata.xml`` in the real format (``metadata_gegevens``)."""
    rows = (("DC.identifier", values["identifier"]), ("DC.title", values["title"]),
            ("DC.type", "Kamerstuk"), ("DC.creator", values["creator"]),
            ("DCTERMS.available", values["available"] or values["date"]),
            ("OVERHEIDop.dossiernummer", values["dossiernummer"]),
            ("OVERHEIDop.ondernummer", values["ondernummer"]),
            ("OVERHEIDop.vergaderjaar", values["vergaderjaar"]),
            ("OVERHEIDop.publicationName", "Kamerstuk"))
    body = "".join(f'<metadata name="{name}" scheme="" content="{escape(value, {chr(34): "&quot;"})}" />'
                   for name, value in rows)
    return ('<?xml version="1.0" encoding="UTF-8"?><!-- CONSTRUCTED metadata.xml: built by the '
            f"kamerstroom replay from the real kst XML -->\n<metadata_gegevens>{body}</metadata_gegevens>")


def matching(records: list[ReplayRecord], query: str) -> list[ReplayRecord]:
    """The records the query selects, in the order it asks for."""
    for operator, day in _MODIFIED.findall(query):
        records = [r for r in records if (r.modified >= day if operator == ">=" else r.modified <= day)]
    after = _AFTER.search(query)
    if after is not None:
        key = re.sub(r"\\(.)", r"\1", after.group(1))
        records = [r for r in records if r.identifier > key]
    if "sortBy dt.identifier" in query:
        records = sorted(records, key=lambda r: r.identifier,
                         reverse="sort.descending" in query)
    return records


def response_xml(records: list[ReplayRecord], base_url: str, start: int, maximum: int) -> str:
    """A ``searchRetrieveResponse`` page (1-based ``start``) with ``nextRecordPosition``."""
    page = records[start - 1:start - 1 + maximum]
    served = "".join(_POSITION.sub(rf"\g<1>{start + i}\g<2>", r.xml).replace(UPSTREAM, base_url)
                     for i, r in enumerate(page))
    following = start + len(page)
    nxt = (f"<sru:nextRecordPosition>{following}</sru:nextRecordPosition>"
           if following <= len(records) else "")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{_NOTE}\n<sru:searchRetrieveResponse {_NAMESPACES}>'
            f"<sru:version>2.0</sru:version><sru:numberOfRecords>{len(records)}</sru:numberOfRecords>"
            f"<sru:records>{served}</sru:records>{nxt}</sru:searchRetrieveResponse>")


def documents(records: list[ReplayRecord]) -> dict[str, Path | str]:
    """Every document the records' URLs lead to, by URL path."""
    return {path: doc for record in records for path, doc in record.documents}


def _text(element: etree._Element, name: str) -> str:
    found = next(element.iter(f"{{*}}{name}"), None)
    return (found.text or "").strip() if found is not None else ""


def _stated_type(element: etree._Element) -> str | None:
    for child in element.iter():
        if isinstance(child.tag, str) and child.get("scheme") == KAMERSTUK_TYPES:
            return (child.text or "").strip() or None
    return None


class SruReplay:
    """What the SRU replay serves; tests may swap the records (``replace``)."""

    def __init__(self, records: list[ReplayRecord]) -> None:
        self.replace(records)

    def replace(self, records: list[ReplayRecord]) -> None:
        self.records = list(records)
        self.documents = documents(self.records)

    def letters(self) -> list[str]:
        """The identifiers of the served records that state they are letters (``Brief``)."""
        return [r.identifier for r in self.records if (r.kamerstuk_type or "").casefold() == "brief"]


def unknown_prefix(query: str) -> bool:
    """True for a query using ``dcterms.*`` indexes, which upstream answers with a diagnostic."""
    return re.search(r"\bdcterms\.\w+", query) is not None
