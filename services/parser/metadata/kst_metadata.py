"""Officielebekendmakingen metadata: ``<meta>`` in the document or the separate metadata.xml."""

from __future__ import annotations

from lxml import etree

from services.parser.draft import Draft
from services.parser.fields import dates, ministries
from shared import chamber
from shared.errors import Unprocessable
from shared.schema import Chamber, Dossier, Ministry, Signatory
from shared.xml import safe_parser

# Names that may repeat (DC.type) are kept by name + scheme.
_KST_TYPE = "OVERHEIDop.KamerstukTypen"


def _collect(elements: list[etree._Element]) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in elements:
        name, content = element.get("name"), element.get("content")
        if not name or content is None:
            continue
        scheme = element.get("scheme") or ""
        key = f"{name}@{scheme}" if name == "DC.type" else name
        found.setdefault(key, content.strip())
    return found


def read_embedded(root: etree._Element) -> dict[str, str]:
    """The ``metadata/meta`` name → content pairs of a publication document."""
    metas = list(root.iter("{*}meta"))
    return _collect(metas)


def read_metadata_xml(text: str) -> dict[str, str]:
    """The pairs of a metadata.xml (``metadata_gegevens/metadata``, nested ones included)."""
    try:
        root = etree.fromstring(text.lstrip("\ufeff").encode("utf-8"), parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-xml", f"metadata.xml: {exc}") from exc
    metas = list(root.iter("{*}metadata", "{*}meta"))
    return _collect(metas)


def to_draft(meta: dict[str, str]) -> Draft:
    """The record fields the metadata states."""
    identifier = meta.get("DC.identifier")
    number = meta.get("OVERHEIDop.dossiernummer")
    draft = Draft(
        title=meta.get("OVERHEIDop.documenttitel") or meta.get("DC.title") or None,
        document_type=meta.get(f"DC.type@{_KST_TYPE}") or None,
        language=meta.get("DCTERMS.language") or None,
        document_date=dates.parse_iso_date(meta.get("DCTERMS.issued")),
        published_at=dates.parse_datetime(meta.get("DCTERMS.available")),
        ondernummer=meta.get("OVERHEIDop.ondernummer") or None,
        vergaderjaar=meta.get("OVERHEIDop.vergaderjaar") or None,
        dossier=_dossier(number),
        chamber=_chamber(meta, identifier),
        upstream_kst_id=identifier,
    )
    draft.ministry = _ministry(meta)
    if meta.get("OVERHEIDop.indiener"):
        draft.signatories = [Signatory(name=meta["OVERHEIDop.indiener"])]
    if identifier:
        draft.urls = publication_urls(identifier)
    return draft


def _dossier(number: str | None) -> Dossier | None:
    if not number:
        return None
    head, _, toevoeging = number.replace(" ", "").partition("-")
    return Dossier(number=head, toevoeging=toevoeging or None)


def _chamber(meta: dict[str, str], identifier: str | None) -> Chamber | None:
    """From ``DC.creator`` (a chamber's name for Kamerstukken) and a lettered ondernummer."""
    number = meta.get("OVERHEIDop.ondernummer")
    numbered = chamber.from_ondernummer(number) if number else chamber.from_identifier(identifier)
    return chamber.decide(chamber.from_creator(meta.get("DC.creator")), numbered)


def _ministry(meta: dict[str, str]) -> Ministry | None:
    """From 'OVERHEID.authority'/'DC.creator' when it names a ministry: for a Kamerstuk
    ``DC.creator`` is the chamber, which never starts with "ministerie" (a Staatscourant
    names its ministry there)."""
    for key in ("OVERHEID.authority", "DC.creator", "DCTERMS.publisher"):
        value = meta.get(key, "")
        if value.lower().startswith("ministerie"):
            return ministries.from_portfolio(value)
    return None


def publication_urls(identifier: str) -> dict[str, str]:
    """Where officielebekendmakingen serves each manifestation of ``identifier``."""
    base = f"https://zoek.officielebekendmakingen.nl/{identifier}"
    return {"xml": f"{base}.xml", "html": f"{base}.html", "pdf": f"{base}.pdf",
            "metadata": f"{base}/metadata.xml"}
