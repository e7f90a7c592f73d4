"""Tweede Kamer SyncFeed records: an Atom ``entry`` whose ``content`` holds a tkData entity.

Two kinds:

    syncfeed-document  the letter's ``document`` entry, with ``related["dossier"]`` (its
                       Kamerstukdossier entity) and ``related["actor:<id>"]`` (each of its
                       DocumentActor entities), as the fetcher joined them
    syncfeed-entry     a bare entry (withdrawals; envelopes queued by older fetchers)

Field meanings (tkData v1-0): ``onderwerp`` is the letter's subject, ``titel`` the *dossier*
title (so not the letter's title), ``volgnummer`` the ondernummer within the dossier (-1 or
absent: none), ``documentNummer`` the Kamer's number (``2025D41348``). The ministry is not
in the Document (its ``organisatie`` is the Kamer): it comes from the first signer's
``functie`` (a DocumentActor whose ``relatie`` names an ondertekenaar). Attribute prefixes
vary (``tk:``, ``ns1:``), so everything is matched by local name.
"""

from __future__ import annotations

from lxml import etree

from services.parser.draft import Draft
from services.parser.fields import dates, ministries
from shared.schema import Dossier, FeedRecord, Ministry, Signatory
from shared.xml import local_name, parse_record

NO_SIGNER = ("no signer or ministry stated: the SyncFeed named no DocumentActor for this "
             "letter when it was queued")


def to_draft(content: str) -> Draft:
    """The record fields a bare SyncFeed entry states (no actors, no dossier)."""
    document = _entity(parse_record(content, "SyncFeed entry"), "document")
    return _document_draft(document) if document is not None else Draft()


def document_draft(record: FeedRecord) -> Draft:
    """The record fields of a joined ``syncfeed-document``."""
    root = parse_record(record.content, "SyncFeed entry")
    document = _entity(root, "document")
    if document is None:
        return Draft()
    draft = _document_draft(document)
    entity_url = (root.findtext("{*}id") or "").strip() or None
    draft.tk_url = entity_url
    dossier = record.related.get("dossier")
    if dossier is not None:
        draft.dossier = _dossier(parse_record(dossier, "Kamerstukdossier"))
    actors = [parse_record(xml, "DocumentActor") for key, xml in sorted(record.related.items())
              if key.startswith("actor:")]
    if not actors:
        draft.warnings.append(NO_SIGNER)
    draft.signatories, draft.ministry = _signers(actors)
    return draft


def _document_draft(document: etree._Element) -> Draft:
    values = _values(document)
    draft = Draft(
        subject=values.get("onderwerp"),
        document_type=values.get("soort"),
        document_date=dates.parse_iso_date(values.get("datum")),
        document_number=values.get("documentNummer"),
        vergaderjaar=values.get("vergaderjaar"),
        reference=values.get("kenmerkAfzender"),
        tk_guid=document.get("id"),
        chamber="tk",
    )
    volgnummer = values.get("volgnummer") or ""
    if volgnummer.isdigit() and int(volgnummer) > 0:
        draft.ondernummer = volgnummer
    return draft


def _entity(root: etree._Element, name: str) -> etree._Element | None:
    if local_name(root.tag) == name:
        return root
    return next((e for e in root.iter() if local_name(e.tag) == name), None)


def _values(element: etree._Element) -> dict[str, str | None]:
    """Child text by local name; empty or ``xsi:nil`` is ``None``."""
    return {local_name(child.tag): (child.text or "").strip() or None
            for child in element if isinstance(child.tag, str)}


def _dossier(element: etree._Element) -> Dossier | None:
    values = _values(element)
    number = values.get("nummer")
    return Dossier(number=number, toevoeging=values.get("toevoeging")) if number else None


def _signers(actors: list[etree._Element]) -> tuple[list[Signatory], Ministry | None]:
    """Signers in feed order with the first ondertekenaar first; the ministry from its functie."""
    signing = [_values(a) for a in actors]
    signing = [v for v in signing if "ondertekenaar" in (v.get("relatie") or "").lower()]
    signing.sort(key=lambda v: not (v.get("relatie") or "").lower().startswith("eerste"))
    signers = [Signatory(name=v.get("actorNaam"), role=v.get("functie")) for v in signing]
    ministry = next((m for m in (ministries.from_portfolio(v.get("functie") or "") for v in signing)
                     if m is not None), None)
    return signers, ministry
