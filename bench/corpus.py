"""Benchmark inputs built from the real fixtures: distinct kst-XML letters and raw documents.

Each copy of a real kst document gets its own ondernummer (in the body and the metadata),
so it has its own record id and the publisher treats it as a new letter, not a duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from shared.schema import FeedRecord, RawDocument

ROOT = Path(__file__).resolve().parent.parent
# Where the real kst fixtures live; the first folder that holds any is used.
KST_FOLDERS = (
    ROOT / "kamerstroom" / "feedserver" / "recordings" / "officielebekendmakingen",
    ROOT / "tests" / "fixtures" / "real" / "koop-officiele-publicaties-xml",
)
# The project's constructed kst letter (real letter text in the kst letter structure): the
# real recordings are moties, which the fetcher rightly skips as not letters.
CONSTRUCTED_LETTERS = ROOT / "tests" / "fixtures" / "constructed"
FEED = "officielebekendmakingen"
SRU_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"

_ONDERNUMMER = re.compile(rb"(<ondernummer\b[^>]*>)\s*[^<]*(</ondernummer>)")
_META_NUMBER = re.compile(rb'(<meta name="OVERHEIDop\.ondernummer" content=")[^"]*(")')
_META_ID = re.compile(rb'(<meta name="DC\.identifier"[^>]*content=")[^"]*(")')
_DOSSIER = re.compile(rb"<dossiernr>([^<]*)</dossiernr>")
_META_DOSSIER = re.compile(rb'<meta name="OVERHEIDop\.dossiernummer" content="([^"]*)"')
_TYPE = re.compile(rb'scheme="OVERHEIDop\.KamerstukTypen" content="([^"]*)"')
_EXTERN = re.compile(rb'(<meta name="OVERHEIDop\.externMetadataRecord"[^>]*content=")[^"]*(")')
# Every URL inside a benchmark document points here (a closed port on loopback); the local
# feed replaces it with its own address when it serves the document. Nothing a benchmark
# document names can lead off this machine.
PLACEHOLDER_BASE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Letter:
    """One distinct kst-XML letter: its upstream id (``kst-<dossier>-<nr>``) and bytes."""

    identifier: str
    body: bytes


def kst_documents() -> list[bytes]:
    """The kst XML fixtures that are letters, in a stable order; raises if there are none.

    The real recordings come first; only documents that declare the Kamerstuk type Brief
    are kept, as the fetcher keeps only those.
    """
    paths: list[Path] = []
    for folder in KST_FOLDERS:
        paths = sorted(p for p in folder.glob("kst-*.xml") if "CONSTRUCTED" not in p.name)
        if paths:
            break
    paths += sorted(CONSTRUCTED_LETTERS.glob("kst-letter-*.xml"))
    documents = [body for body in (p.read_bytes() for p in paths) if is_letter(body)]
    if not documents:
        raise FileNotFoundError(f"no kst letters in {', '.join(map(str, KST_FOLDERS))} "
                                f"or {CONSTRUCTED_LETTERS}")
    return documents


def is_letter(body: bytes) -> bool:
    """True only for a declared Kamerstuk type ``Brief``, the fetcher's positive rule (a
    document that declares no type, such as the motie pointing at its metadata.xml, is out)."""
    declared = _TYPE.search(body)
    return declared is not None and declared.group(1).decode().strip().lower() == "brief"


def letters(count: int, *, offset: int = 0) -> list[Letter]:
    """``count`` distinct letters cycling through the fixtures (``offset`` shifts numbers)."""
    originals = kst_documents()
    return [vary(originals[i % len(originals)], 900_000 + offset + i) for i in range(count)]


def vary(body: bytes, number: int) -> Letter:
    """The document with ondernummer ``number`` everywhere it names its own number."""
    dossier_match = _DOSSIER.search(body) or _META_DOSSIER.search(body)
    dossier = re.sub(rb"\s+", b"", dossier_match.group(1)).decode() if dossier_match else "0"
    identifier = f"kst-{dossier}-{number}"
    nr = str(number).encode()
    body = _ONDERNUMMER.sub(rb"\g<1>" + nr + rb"\g<2>", body)
    body = _META_NUMBER.sub(rb"\g<1>" + nr + rb"\g<2>", body)
    body = _META_ID.sub(rb"\g<1>" + identifier.encode() + rb"\g<2>", body)
    extern = f"{PLACEHOLDER_BASE}/doc/{identifier}/metadata.xml".encode()
    body = _EXTERN.sub(rb"\g<1>" + extern + rb"\g<2>", body)
    return Letter(identifier, body)


def raw_document(letter: Letter, fetched_at: datetime | None = None) -> RawDocument:
    """The raw document the fetcher would publish for ``letter`` (with its SRU record)."""
    base_url = PLACEHOLDER_BASE
    return RawDocument(
        feed=FEED, upstream_id=letter.identifier, url=f"{base_url}/doc/{letter.identifier}.xml",
        fetched_at=fetched_at or datetime.now(UTC), content_type="application/xml",
        format="kst-xml", body=letter.body,
        metadata=FeedRecord(kind="sru-record", content=record_xml(letter, base_url, 1)),
    )


def raw_bodies(count: int, *, offset: int = 0) -> list[bytes]:
    """``count`` serialised raw documents, ready to publish to ``<ns>.raw``."""
    return [raw_document(letter).model_dump_json().encode() for letter in letters(count, offset=offset)]


def record_xml(letter: Letter, base_url: str, position: int, *, modified: str = "2024-01-01",
               timestamp: str = "2024-01-01T00:00:00+01:00") -> str:
    """The letter's SRU 2.0 ``<record>`` (gzd schema) as repository.overheid.nl shapes it,
    typed as a letter (``subrubriek`` ``Brief`` in the KamerstukTypen scheme, as in the real
    2021 page)."""
    ident = escape(letter.identifier)
    _, dossier, number = letter.identifier.split("-", 2)
    url = f"{base_url}/doc/{ident}.xml"
    return (
        f'<sru:record xmlns:sru="{SRU_NS}"><sru:recordSchema>gzd</sru:recordSchema>'
        "<sru:recordPacking>xml</sru:recordPacking><sru:recordData>"
        '<gzd:gzd xmlns:gzd="http://standaarden.overheid.nl/sru" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:overheidwetgeving="http://standaarden.overheid.nl/wetgeving/" '
        'xmlns:c="http://standaarden.overheid.nl/collectie/">'
        "<gzd:originalData><overheidwetgeving:meta><overheidwetgeving:owmskern>"
        f"<dcterms:identifier>{ident}</dcterms:identifier>"
        "<dcterms:type>Kamerstuk</dcterms:type>"
        f"<dcterms:modified>{modified}</dcterms:modified>"
        "</overheidwetgeving:owmskern><overheidwetgeving:owmsmantel>"
        '<overheidwetgeving:subrubriek scheme="OVERHEIDop.KamerstukTypen">Brief'
        "</overheidwetgeving:subrubriek></overheidwetgeving:owmsmantel><overheidwetgeving:tpmeta>"
        "<c:product-area>officielepublicaties</c:product-area>"
        f"<overheidwetgeving:dossiernummer>{dossier}</overheidwetgeving:dossiernummer>"
        f"<overheidwetgeving:ondernummer>{number}</overheidwetgeving:ondernummer>"
        "<overheidwetgeving:publicatienaam>Kamerstuk</overheidwetgeving:publicatienaam>"
        "</overheidwetgeving:tpmeta></overheidwetgeving:meta></gzd:originalData>"
        f"<gzd:enrichedData><gzd:url>{url}</gzd:url>"
        f'<gzd:itemUrl manifestation="xml">{url}</gzd:itemUrl>'
        f'<gzd:itemUrl manifestation="metadata">{base_url}/doc/{ident}/metadata.xml</gzd:itemUrl>'
        f"<gzd:timestamp>{timestamp}</gzd:timestamp>"
        "</gzd:enrichedData></gzd:gzd></sru:recordData>"
        f"<sru:recordPosition>{position}</sru:recordPosition></sru:record>"
    )


def metadata_xml(letter: Letter) -> str:
    """The letter's ``metadata.xml`` manifestation (``metadata_gegevens``, the real format)."""
    _, dossier, number = letter.identifier.split("-", 2)
    rows = (("DC.identifier", letter.identifier), ("DC.type", "Kamerstuk"),
            ("DCTERMS.available", "2024-01-01"), ("OVERHEIDop.dossiernummer", dossier),
            ("OVERHEIDop.ondernummer", number), ("OVERHEIDop.publicationName", "Kamerstuk"))
    body = "".join(f'<metadata name="{name}" scheme="" content="{escape(value)}" />' for name, value in rows)
    return f'<?xml version="1.0" encoding="UTF-8"?><metadata_gegevens>{body}</metadata_gegevens>'
