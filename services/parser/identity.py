"""The record id: stable across fetches and feeds, derived from what the letter says.

Rule, first that applies:

1. a Kamerstuk (dossier and ondernummer known): ``kst-<dossier>[-<toevoeging>]-<nr>``;
2. an officielebekendmakingen identifier: that identifier (``stcrt-2015-47076``);
3. a Tweede Kamer document number: ``tk-<DocumentNummer>`` (``tk-2022D26123``);
4. a rijksoverheid.nl item: ``ro-<upstream id>``;
5. otherwise ``doc-<first 16 hex of the SHA-256 of the body>``.
"""

from __future__ import annotations

import hashlib

from services.parser.draft import Draft
from shared.schema import SameAs, SourceRef


def record_id(draft: Draft, body: bytes, source: SourceRef | None) -> str:
    """The id for ``draft`` by the rule above."""
    if draft.dossier is not None and draft.ondernummer:
        toevoeging = f"-{draft.dossier.toevoeging}" if draft.dossier.toevoeging else ""
        return f"kst-{draft.dossier.number}{toevoeging}-{draft.ondernummer}"
    if draft.upstream_kst_id:
        return draft.upstream_kst_id
    if draft.document_number:
        return f"tk-{draft.document_number}"
    if source is not None and source.feed == "rijksoverheid":
        return f"ro-{source.upstream_id}"
    return "doc-" + hashlib.sha256(body).hexdigest()[:16]


def aliases(draft: Draft, record_id: str, source: SourceRef | None) -> list[SameAs]:
    """The letter's identities in the other feeds that this input names.

    A kst id (from the document, its metadata or a TK dossier + volgnummer) is the
    officielebekendmakingen identity; a TK GUID is the tweedekamer one. The source's own
    identity is left out: ``sources`` already carries it.
    """
    found: list[SameAs] = []
    kst_id = draft.upstream_kst_id or (record_id if record_id.startswith("kst-") else None)
    if kst_id:
        found.append(SameAs(feed="officielebekendmakingen", id=kst_id, url=draft.urls.get("html")))
    if draft.tk_guid:
        found.append(SameAs(feed="tweedekamer", id=draft.tk_guid, url=draft.tk_url))
    own = (source.feed, source.upstream_id) if source is not None else None
    return [alias for alias in found if (alias.feed, alias.id) != own]
