"""Benchmark inputs built from the real fixtures: distinct kst-XML letters and raw documents.

Each copy of a real kst document gets its own ondernummer (in the body and the metadata),
so it has its own record id and the publisher treats it as a new letter, not a duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shared.schema import FeedRecord, RawDocument

ROOT = Path(__file__).resolve().parent.parent
# Where the real kst fixtures live; the first folder that holds any is used.
KST_FOLDERS = (
    ROOT / "kamerstroom" / "feedserver" / "recordings" / "officielebekendmakingen",
    ROOT / "tests" / "fixtures" / "real" / "koop-officiele-publicaties-xml",
)
FEED = "officielebekendmakingen"

_ONDERNUMMER = re.compile(rb"(<ondernummer\b[^>]*>)\s*[^<]*(</ondernummer>)")
_META_NUMBER = re.compile(rb'(<meta name="OVERHEIDop\.ondernummer" content=")[^"]*(")')
_META_ID = re.compile(rb'(<meta name="DC\.identifier"[^>]*content=")[^"]*(")')
_DOSSIER = re.compile(rb"<dossiernr>([^<]*)</dossiernr>")


@dataclass(frozen=True)
class Letter:
    """One distinct kst-XML letter: its upstream id (``kst-<dossier>-<nr>``) and bytes."""

    identifier: str
    body: bytes


def real_kst_documents() -> list[bytes]:
    """The real kst XML fixtures, in a stable order; raises if none are found."""
    for folder in KST_FOLDERS:
        paths = sorted(folder.glob("kst-*.xml"))
        if paths:
            return [p.read_bytes() for p in paths]
    raise FileNotFoundError(f"no kst-*.xml fixtures in {', '.join(map(str, KST_FOLDERS))}")


def letters(count: int, *, offset: int = 0) -> list[Letter]:
    """``count`` distinct letters cycling through the real fixtures (``offset`` shifts numbers)."""
    originals = real_kst_documents()
    return [vary(originals[i % len(originals)], 900_000 + offset + i) for i in range(count)]


def vary(body: bytes, number: int) -> Letter:
    """The document with ondernummer ``number`` everywhere it names its own number."""
    dossier_match = _DOSSIER.search(body)
    dossier = re.sub(rb"\s+", b"", dossier_match.group(1)).decode() if dossier_match else "0"
    identifier = f"kst-{dossier}-{number}"
    nr = str(number).encode()
    body = _ONDERNUMMER.sub(rb"\g<1>" + nr + rb"\g<2>", body)
    body = _META_NUMBER.sub(rb"\g<1>" + nr + rb"\g<2>", body)
    body = _META_ID.sub(rb"\g<1>" + identifier.encode() + rb"\g<2>", body)
    return Letter(identifier, body)


def raw_document(letter: Letter, fetched_at: datetime | None = None) -> RawDocument:
    """The raw document the fetcher would publish for ``letter``."""
    url = f"http://127.0.0.1/frbr/officielepublicaties/kst/{letter.identifier}/1/xml/{letter.identifier}.xml"
    return RawDocument(
        feed=FEED, upstream_id=letter.identifier, url=url,
        fetched_at=fetched_at or datetime.now(UTC), content_type="application/xml",
        format="kst-xml", body=letter.body,
        metadata=FeedRecord(kind="sru-record", content=f"<record><identifier>{letter.identifier}"
                            "</identifier></record>"),
    )


def raw_bodies(count: int, *, offset: int = 0) -> list[bytes]:
    """``count`` serialised raw documents, ready to publish to ``<ns>.raw``."""
    return [raw_document(letter).model_dump_json().encode() for letter in letters(count, offset=offset)]
