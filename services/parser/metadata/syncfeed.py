"""A Tweede Kamer SyncFeed Atom ``entry`` whose ``content`` holds a tkData ``document``.

Attribute prefixes vary ('tk:' or 'ns1:'), so elements and attributes are matched by local
name only.
"""

from __future__ import annotations

from services.parser.draft import Draft
from services.parser.fields import dates
from shared.xml import local_name, parse_record


def to_draft(content: str) -> Draft:
    """The record fields a SyncFeed entry states."""
    root = parse_record(content, "SyncFeed entry")
    document = next((e for e in root.iter() if local_name(e.tag) == "document"), None)
    if document is None:
        return Draft()
    values = {local_name(child.tag): (child.text or "").strip() for child in document}
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
