"""kst XML (``officiele-publicatie``): the authoritative Kamerstuk manifestation."""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from shared.errors import Unprocessable
from shared.schema import Dossier, Kamerbrief, Section, SourceRef, Urls

SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse(body: bytes, source: SourceRef | None = None) -> Kamerbrief:
    """The record of one kst XML document; ``Unprocessable`` if it is not one."""
    try:
        root = etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-xml", str(exc)) from exc
    if etree.QName(root).localname != "officiele-publicatie":
        raise Unprocessable("unsupported-format", f"root element is <{root.tag}>")
    meta = {m.get("name"): m.get("content") for m in root.iter("meta")}
    dossier_nr = _text(root, ".//dossiernummer/dossiernr")
    number = re.sub(r"\s+", "", dossier_nr) if dossier_nr else meta.get("OVERHEIDop.dossiernummer")
    ondernummer = _text(root, ".//stuk/stuknr/ondernummer") or meta.get("OVERHEIDop.ondernummer")
    identifier = meta.get("DC.identifier") or (
        f"kst-{number}-{ondernummer}" if number and ondernummer else None)
    if identifier is None:
        raise Unprocessable("missing-identity", "no DC.identifier and no dossier/ondernummer")
    paragraphs = [" ".join(_itertext(al).split()) for al in root.iter("al")]
    body_text = "\n\n".join(p for p in paragraphs if p) or None
    iso = root.find(".//datum[@isodatum]")
    return Kamerbrief(
        id=identifier,
        title=meta.get("OVERHEIDop.documenttitel") or _text(root, ".//stuk/titel"),
        document_type=_kamerstuk_type(meta, root),
        document_date=date.fromisoformat(iso.get("isodatum", "")) if iso is not None else None,
        dossier=Dossier(number=number) if number else None,
        ondernummer=ondernummer,
        vergaderjaar=meta.get("OVERHEIDop.vergaderjaar"),
        sections=[Section(text=body_text)] if body_text else [],
        body_text=body_text,
        urls=Urls(xml=source.url if source else None),
        sources=[source] if source else [],
        fetched_at=source.fetched_at if source else None,
    ).with_content_hash()


def _kamerstuk_type(meta: dict[str | None, str | None], root: etree._Element) -> str | None:
    for m in root.iter("meta"):
        if m.get("name") == "DC.type" and m.get("scheme") == "OVERHEIDop.KamerstukTypen":
            return m.get("content")
    return None


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path)
    if found is None:
        return None
    text = " ".join(_itertext(found).split())
    return text or None


def _itertext(element: etree._Element) -> str:
    return "".join(str(t) for t in element.itertext())
