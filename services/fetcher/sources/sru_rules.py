"""What the SRU source fetches: a positive rule for a letter, decided from the record.

A record is a letter when it is a Kamerstuk (identifier ``kst-…``) whose Kamerstuk type
(``scheme="OVERHEIDop.KamerstukTypen"``, on the real 2021 page the record's
``overheidwetgeving:subrubriek``) is ``Brief``. Everything else is skipped *before* any
document is fetched:

    not-a-kamerstuk   the identifier is not ``kst-…`` (h-tk, h-ek, blg, ah-tk, stb, gmb, …)
    not-a-letter      a Kamerstuk of another type (Motie, Amendement, Voorstel van wet, …)

Only a Kamerstuk whose record names no type is ``undecided``: the poll fetches its XML and
applies the same rule to the document's ``DC.type`` (kst ``meta`` or its metadata.xml);
when that names no type either, the document is skipped as ``no-kamerstuk-type``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from services.fetcher.sources.sru_page import KAMERSTUK_TYPES, SruRecord

LETTER_TYPE = "brief"  # the value KOOP uses for letters (casefolded), seen on the real page
LETTER = "letter"
SKIPPED = "skipped"
UNDECIDED = "undecided"
NOT_A_KAMERSTUK = "not-a-kamerstuk"
NOT_A_LETTER = "not-a-letter"
NO_KAMERSTUK_TYPE = "no-kamerstuk-type"
TYPE_IN_DOCUMENT = "type-in-document"
EXTERN_METADATA = "OVERHEIDop.externMetadataRecord"


@dataclass(frozen=True)
class Decision:
    """``letter``, ``skipped`` (with a reason code) or ``undecided`` (type in the document)."""

    decision: str
    reason: str | None = None
    detail: str = ""


def decide(record: SruRecord) -> Decision:
    """The decision the record alone allows."""
    if not is_kamerstuk(record.identifier):
        return Decision(SKIPPED, NOT_A_KAMERSTUK,
                        f"{record.identifier} is not a Kamerstuk ({record.fields.get('type')!r})")
    if record.kamerstuk_type is None:
        return Decision(UNDECIDED, TYPE_IN_DOCUMENT, "the SRU record names no Kamerstuk type")
    return by_type(record.kamerstuk_type, "SRU record")


def by_type(kamerstuk_type: str | None, where: str) -> Decision:
    """The decision a stated Kamerstuk type allows (``None``: no type was stated)."""
    if kamerstuk_type is None:
        return Decision(SKIPPED, NO_KAMERSTUK_TYPE, f"{where} names no Kamerstuk type")
    if kamerstuk_type.strip().casefold() == LETTER_TYPE:
        return Decision(LETTER)
    return Decision(SKIPPED, NOT_A_LETTER, f"{where} type {kamerstuk_type!r}")


def is_kamerstuk(identifier: str) -> bool:
    """Kamerstukken are identified ``kst-<dossier>[-<toevoeging>]-<nr>``."""
    return identifier.startswith("kst-")


def declared_type(root: etree._Element) -> str | None:
    """The Kamerstuk type a kst XML (``meta``) or metadata.xml (``metadata``) declares."""
    for element in root.iter("{*}meta", "{*}metadata"):
        if element.get("scheme") == KAMERSTUK_TYPES and (element.get("content") or "").strip():
            return str(element.get("content")).strip()
    return None


def extern_url(root: etree._Element) -> str | None:
    """The metadata URL when a kst XML holds no metadata of its own, only a pointer to it."""
    metas = list(root.iter("{*}meta"))
    if {m.get("name") for m in metas} != {EXTERN_METADATA}:
        return None
    return next((m.get("content") for m in metas if m.get("content")), None)
