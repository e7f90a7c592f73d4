"""A Tweede Kamer SyncFeed Atom ``entry`` whose ``content`` holds a tkData ``document``.

Attribute prefixes vary ('tk:' or 'ns1:'), so elements and attributes are matched by local
name only.
"""

from __future__ import annotations

from lxml import etree

from services.parser.draft import Draft
from services.parser.fields import dates
from shared.errors import Unprocessable


def _local(name: object) -> str:
    return etree.QName(name).localname if isinstance(name, str) else ""


def to_draft(content: str) -> Draft:
    """The record fields a SyncFeed entry states."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        root = etree.fromstring(content.lstrip("\ufeff").encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-metadata", f"SyncFeed entry: {exc}") from exc
    document = next((e for e in root.iter() if _local(e.tag) == "document"), None)
    if document is None:
        return Draft()
    values = {_local(child.tag): (child.text or "").strip() for child in document}
    draft = Draft(
        subject=values.get("onderwerp") or None,
        document_type=values.get("soort") or None,
        document_date=dates.parse_iso_date(values.get("datum")),
        document_number=values.get("documentNummer") or None,
        vergaderjaar=values.get("vergaderjaar") or None,
        tk_guid=document.get("id"),
    )
    volgnummer = values.get("volgnummer", "")
    if volgnummer.isdigit() and int(volgnummer) > 0:
        draft.ondernummer = volgnummer
    return draft
