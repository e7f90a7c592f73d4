"""Officiële-publicatie XML (kst, stcrt, …) with embedded or external metadata.

Parsed without network access or entity expansion. A letter adds ``brief`` with
``ontvanger``, a place-and-date line and ``ondertekening`` (``functie``, ``naam``).
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date

from lxml import etree

from services.parser.draft import Draft
from services.parser.fields import citations, dates, ministries, signatories
from services.parser.fields.sections import body_text
from services.parser.metadata import kst_metadata
from shared.errors import Unprocessable
from shared.schema import Dossier, Footnote, Ministry, Section, Signatory
from shared.xml import safe_parser

_BODY_SKIP = {"noot", "ondertekening", "kamerstukkop", "dossier", "stuknr", "titel", "meta",
              "metadata", "datumtekst", "ontvanger", "aanhef", "slotformule", "plaats-datum",
              "dagtekening"}
_BODY_SKIP_TAGS = tuple("{*}" + name for name in sorted(_BODY_SKIP))
_DOSSIER = re.compile(r"^\s*(\d[\d ]{0,8}\d)\s*-?\s*([A-Za-z0-9]{1,8})?\s*$")


def read_root(body: bytes) -> tuple[etree._Element, list[str]]:
    """The document element, and warnings when the XML had to be recovered or re-decoded.

    Raises ``Unprocessable('malformed-xml', …)`` when nothing usable can be read.
    """
    try:
        return etree.fromstring(body, parser=safe_parser()), []
    except (etree.XMLSyntaxError, ValueError) as first:
        root = _second_try(body)
        if root is None:
            raise Unprocessable("malformed-xml", str(first)) from first
        return root, [f"xml recovered from an error: {first}"]


def _second_try(body: bytes) -> etree._Element | None:
    """A lying encoding declaration, then a truncated body: read what can be read."""
    text = body.decode("utf-8", errors="replace")
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]{0,200}\?>", "", text)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=safe_parser(recover=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if root is not None and len(root) else None


def local(element: etree._Element) -> str:
    """The element's name without namespace ('' for comments and processing instructions)."""
    tag = element.tag
    # Plain string work: QName objects cost too much on a million elements.
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def text_of(element: etree._Element | None) -> str:
    """All text inside ``element``, whitespace collapsed, notes and comments left out.

    The text after a note (its tail) is the sentence going on, so it stays.
    """
    if element is None:
        return ""
    parts: list[str] = []
    _gather(element, parts)
    return " ".join("".join(parts).split())


def _gather(node: etree._Element, parts: list[str]) -> None:
    # Recursion is bounded: without huge_tree, libxml2 stops nesting at 256 levels.
    if node.text:
        parts.append(node.text)
    for child in node:
        if isinstance(child.tag, str) and local(child) != "noot":
            _gather(child, parts)
        if child.tail:
            parts.append(child.tail)


def find(root: etree._Element, name: str) -> etree._Element | None:
    """The first element with local name ``name``: ``root`` itself or a descendant."""
    # lxml filters by tag in C ("{*}" matches any namespace or none): the walks of this
    # module were most of a kst document's parse time when done node by node in Python.
    return next(root.iter("{*}" + name), None)


def parse_kst_xml(body: bytes, related: dict[str, str] | None = None) -> Draft:
    """Read a publication's fields; ``related['metadata.xml']`` supplies external metadata."""
    root, warnings = read_root(body)
    if local(root) != "officiele-publicatie":
        raise Unprocessable("unsupported-format", f"XML root is <{local(root)}>, "
                            "not an officiele-publicatie")
    meta = kst_metadata.read_embedded(root)
    external = (related or {}).get("metadata.xml")
    if external:
        meta = {**kst_metadata.read_metadata_xml(external), **meta}
    elif "OVERHEIDop.externMetadataRecord" in meta and len(meta) == 1:
        warnings.append("metadata is external (metadata.xml) and was not supplied")
    draft = kst_metadata.to_draft(meta)
    draft.warnings.extend(warnings)
    from_metadata = _filled(draft)
    _read_document(root, draft)
    _note_origins(draft, from_metadata, "metadata.xml" if external else "embedded <meta>")
    return draft


_RECORD_FIELDS = tuple(f.name for f in fields(Draft) if f.name not in (
    "urls", "warnings", "origins", "upstream_kst_id", "tk_guid"))
# Where in the publication each field is read (for ``parse --explain``).
_ELEMENTS = {
    "vergaderjaar": "<tekstregel inhoud='vergaderjaar'>", "dossier": "<dossiernr>",
    "ondernummer": "<ondernummer>", "document_date": "<datum>/<dagtekening> @isodatum",
    "addressee": "<ontvanger>", "document_type": "<brief>",
    "ministry": "the stuk's <titel> or the signer's <functie>",
    "signatories": "<ondertekening>", "sections": "<tussenkop> and <al>",
    "body_text": "<tussenkop> and <al>", "footnotes": "<noot>",
    "cites": "Kamerstuk citations in <al> and <noot>", "title": "<stuk>/<titel>",
}


def _filled(draft: Draft) -> set[str]:
    """The names of the record fields ``draft`` has a value for."""
    return {name for name in _RECORD_FIELDS if getattr(draft, name)}


def _note_origins(draft: Draft, from_metadata: set[str], metadata: str) -> None:
    for name in _filled(draft):
        element = _ELEMENTS.get(name)
        own = element is not None and (name not in from_metadata or name in draft.origins)
        draft.origins[name] = (f"kst XML {element}" if own and element
                               else f"kst metadata ({metadata})")


def _read_document(root: etree._Element, draft: Draft) -> None:
    """The publication's own content; it overrides what metadata said, noting disagreements."""
    own = Draft()
    own.vergaderjaar = _vergaderjaar(root)
    own.dossier = _dossier(find(root, "dossiernr"))
    ondernummer = find(root, "ondernummer")
    own.ondernummer = text_of(ondernummer) or None
    stuk_title = _stuk_title(root)
    own.document_date = _date(root)
    brief = find(root, "brief")
    if brief is not None:
        own.addressee = text_of(find(brief, "ontvanger")) or None
        own.document_type = "Brief"
    own.signatories = _signatories(root)
    own.ministry = ministries.from_portfolio(stuk_title or "") or _from_signers(own.signatories)
    notes = _footnotes(root)
    own.sections = _sections(root)
    own.footnotes = notes
    own.body_text = body_text(own.sections)
    own.cites = citations.find_citations(
        "\n".join([own.body_text or ""] + [note.text for note in notes]))
    if draft.title is None:
        draft.title = stuk_title or _first_title(root)
    if own.body_text is None:
        draft.warnings.append("body_text: not read: the publication has no text "
                              "(no <al> or <tussenkop> outside its head and signature)")
    _override(draft, own)


def _override(draft: Draft, own: Draft) -> None:
    for name in ("vergaderjaar", "dossier", "ondernummer", "document_date", "addressee",
                 "document_type", "ministry"):
        mine, theirs = getattr(own, name), getattr(draft, name)
        if mine is None:
            continue
        draft.origins[name] = f"kst XML {_ELEMENTS[name]}"
        if theirs is not None and theirs != mine and name not in ("document_type",):
            draft.warnings.append(f"{name} differs: document {mine!s}, metadata {theirs!s}")
        if name != "document_type" or theirs is None:
            setattr(draft, name, mine)
    for name in ("signatories", "sections", "footnotes", "cites", "body_text"):
        if getattr(own, name):
            setattr(draft, name, getattr(own, name))
            draft.origins[name] = f"kst XML {_ELEMENTS[name]}"


def _first_title(root: etree._Element) -> str | None:
    """The first ``titel`` that is not the publication's masthead ('STAATSCOURANT')."""
    for node in root.iter("{*}titel"):
        parent = node.getparent()
        masthead = parent is not None and parent.getparent() is root and local(parent) == "kop"
        if not masthead:
            return text_of(node) or None
    return None


def _vergaderjaar(root: etree._Element) -> str | None:
    for node in root.iter("{*}tekstregel"):
        if node.get("inhoud") == "vergaderjaar":
            match = re.search(r"\d{4}-\d{4}", text_of(node))
            return match[0] if match else None
    return None


def _dossier(node: etree._Element | None) -> Dossier | None:
    match = _DOSSIER.match(text_of(node)) if node is not None else None
    if match is None:
        return None
    return Dossier(number=match[1].replace(" ", ""), toevoeging=match[2] or None)


def _stuk_title(root: etree._Element) -> str | None:
    stuk = find(root, "stuk")
    if stuk is None:
        return None
    for child in stuk:
        if local(child) == "titel":
            return text_of(child) or None
    return None


def _date(root: etree._Element) -> date | None:
    """The letter's date: the place-and-date line of ``brief``, else the first dated element."""
    scope = find(root, "brief")
    for node in (scope if scope is not None else root).iter("{*}datum", "{*}dagtekening"):
        if node.get("isodatum"):
            return dates.parse_iso_date(node.get("isodatum"))
    return None


def _signatories(root: etree._Element) -> list[Signatory]:
    found: list[Signatory] = []
    for node in root.iter("{*}ondertekening"):
        role = text_of(find(node, "functie")) or None
        name = text_of(find(node, "naam")) or None
        if role or name:
            found.append(Signatory(name=name, role=signatories.normalise_role(role)
                                   if role else None))
    return found


def _from_signers(signers: list[Signatory]) -> Ministry | None:
    for signer in signers:
        found = ministries.from_portfolio(signer.role or "")
        if found is not None:
            return found
    return None


def _footnotes(root: etree._Element) -> list[Footnote]:
    notes: list[Footnote] = []
    for node in root.iter("{*}noot"):
        number = text_of(find(node, "noot.nr")) or node.get("id") or str(len(notes) + 1)
        texts = [text_of(child) for child in node if local(child) != "noot.nr"]
        notes.append(Footnote(number=number, text=" ".join(t for t in texts if t)))
    return notes


def _sections(root: etree._Element) -> list[Section]:
    """Paragraphs (``al``) grouped under the ``tussenkop`` before them, in document order."""
    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    for node in root.iter("{*}al", "{*}tussenkop"):
        name = local(node)
        if _skipped(node):
            continue
        text = text_of(node)
        if name == "tussenkop":
            if paragraphs or heading is not None:
                sections.append(Section(heading=heading, text="\n\n".join(paragraphs)))
            heading, paragraphs = text or None, []
        elif text:
            paragraphs.append(text)
    if paragraphs or heading is not None:
        sections.append(Section(heading=heading, text="\n\n".join(paragraphs)))
    return sections


def _skipped(node: etree._Element) -> bool:
    return next(node.iterancestors(*_BODY_SKIP_TAGS), None) is not None
