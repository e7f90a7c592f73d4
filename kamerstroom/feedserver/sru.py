"""SRU 2.0 responses built from real kst documents (see recordings/PROVENANCE.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

SRU_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class KstDocument:
    """A recorded kst document and the metadata values an SRU record shows for it."""

    identifier: str
    path: Path
    values: dict[str, str]


def load_documents(folder: Path) -> list[KstDocument]:
    """Every ``kst-*.xml`` in ``folder``, sorted by identifier."""
    return [_load(path) for path in sorted(folder.glob("kst-*.xml"))]


def _load(path: Path) -> KstDocument:
    root = etree.fromstring(path.read_bytes(), _PARSER)
    meta = {str(m.get("name")): m.get("content") or "" for m in root.iter("meta")}
    dossier = re.sub(r"\s+", "", "".join(root.findtext(".//dossiernr") or ""))
    nummer = (root.findtext(".//ondernummer") or "").strip()
    kop = root.findtext(".//tekstregel[@inhoud='vergaderjaar']") or ""
    date = root.find(".//datum[@isodatum]")
    values: dict[str, str] = {
        "identifier": meta.get("DC.identifier") or f"kst-{dossier}-{nummer}",
        "title": meta.get("DC.title") or (root.findtext(".//stuk/titel") or "").strip(),
        "type": "Kamerstuk",
        "creator": meta.get("DC.creator") or "Tweede Kamer der Staten-Generaal",
        "date": meta.get("DCTERMS.issued") or (str(date.get("isodatum", "")) if date is not None else ""),
        "available": meta.get("DCTERMS.available") or "",
        "dossiernummer": dossier,
        "ondernummer": nummer,
        "vergaderjaar": meta.get("OVERHEIDop.vergaderjaar") or kop.replace("Vergaderjaar", "").strip(),
        "documenttitel": meta.get("OVERHEIDop.documenttitel") or "",
    }
    values["modified"] = values["available"] or values["date"]
    return KstDocument(values["identifier"], path, values)


def record_xml(doc: KstDocument, base_url: str, position: int) -> str:
    """One ``<record>`` in the gzd schema, its manifestation URLs pointing at ``base_url``."""
    v = {k: escape(val) for k, val in doc.values.items()}
    frbr = f"{base_url}/frbr/officielepublicaties/kst/{doc.identifier}/1"
    return (
        "<sru:record><sru:recordSchema>gzd</sru:recordSchema>"
        "<sru:recordPacking>xml</sru:recordPacking><sru:recordData>"
        '<gzd:gzd xmlns:gzd="http://standaarden.overheid.nl/sru" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:overheidwetgeving="http://standaarden.overheid.nl/wetgeving/" '
        'xmlns:c="http://standaarden.overheid.nl/collectie/">'
        "<gzd:originalData><overheidwetgeving:meta><overheidwetgeving:owmskern>"
        f"<dcterms:identifier>{v['identifier']}</dcterms:identifier>"
        f"<dcterms:title>{v['title']}</dcterms:title>"
        f"<dcterms:type>{v['type']}</dcterms:type>"
        f"<dcterms:creator>{v['creator']}</dcterms:creator>"
        f"<dcterms:modified>{v['modified']}</dcterms:modified>"
        "</overheidwetgeving:owmskern><overheidwetgeving:owmsmantel>"
        f"<dcterms:available>{v['available']}</dcterms:available>"
        f"<dcterms:date>{v['date']}</dcterms:date>"
        "</overheidwetgeving:owmsmantel><overheidwetgeving:tpmeta>"
        "<c:product-area>officielepublicaties</c:product-area>"
        f"<overheidwetgeving:dossiernummer>{v['dossiernummer']}</overheidwetgeving:dossiernummer>"
        f"<overheidwetgeving:ondernummer>{v['ondernummer']}</overheidwetgeving:ondernummer>"
        f"<overheidwetgeving:vergaderjaar>{v['vergaderjaar']}</overheidwetgeving:vergaderjaar>"
        f"<overheidwetgeving:documenttitel>{v['documenttitel']}</overheidwetgeving:documenttitel>"
        "<overheidwetgeving:publicatienaam>Kamerstuk</overheidwetgeving:publicatienaam>"
        "</overheidwetgeving:tpmeta></overheidwetgeving:meta></gzd:originalData>"
        "<gzd:enrichedData>"
        f"<gzd:url>{frbr}/xml/{doc.identifier}.xml</gzd:url>"
        f"<gzd:preferredUrl>{base_url}/{doc.identifier}.html</gzd:preferredUrl>"
        f'<gzd:itemUrl manifestation="xml">{frbr}/xml/{doc.identifier}.xml</gzd:itemUrl>'
        f'<gzd:itemUrl manifestation="metadata">{frbr}/metadata/metadata.xml</gzd:itemUrl>'
        f"<gzd:timestamp>{v['modified']}T00:00:00+02:00</gzd:timestamp>"
        "</gzd:enrichedData></gzd:gzd></sru:recordData>"
        f"<sru:recordPosition>{position}</sru:recordPosition></sru:record>"
    )


def response_xml(docs: list[KstDocument], base_url: str, start: int, maximum: int) -> str:
    """A ``searchRetrieveResponse`` page (1-based ``start``) with ``nextRecordPosition``."""
    page = docs[start - 1:start - 1 + maximum]
    records = "".join(record_xml(d, base_url, start + i) for i, d in enumerate(page))
    following = start + len(page)
    nxt = (f"<sru:nextRecordPosition>{following}</sru:nextRecordPosition>"
           if following <= len(docs) else "")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sru:searchRetrieveResponse xmlns:sru="{SRU_NS}">'
        f"<sru:version>2.0</sru:version><sru:numberOfRecords>{len(docs)}</sru:numberOfRecords>"
        f"<sru:records>{records}</sru:records>{nxt}</sru:searchRetrieveResponse>"
    )


def metadata_xml(doc: KstDocument) -> str:
    """A constructed ``metadata.xml`` manifestation in the real format (``metadata_gegevens``)."""
    v = doc.values
    rows = (("DC.identifier", v["identifier"]), ("DC.title", v["title"]), ("DC.type", v["type"]),
            ("DC.creator", v["creator"]), ("DCTERMS.available", v["available"] or v["date"]),
            ("OVERHEIDop.dossiernummer", v["dossiernummer"]),
            ("OVERHEIDop.ondernummer", v["ondernummer"]),
            ("OVERHEIDop.vergaderjaar", v["vergaderjaar"]),
            ("OVERHEIDop.publicationName", "Kamerstuk"))
    body = "".join(f'<metadata name="{name}" scheme="" content="{escape(value, {chr(34): "&quot;"})}" />'
                   for name, value in rows)
    return f'<?xml version="1.0" encoding="UTF-8"?><metadata_gegevens>{body}</metadata_gegevens>'
