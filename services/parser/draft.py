"""A record under construction: the fields a format or feed record could fill, all optional.

Formats and metadata readers each return a ``Draft``; :func:`merge` combines them so that the
document's own content wins and every disagreement becomes a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from shared.schema import (
    Attachment,
    Chamber,
    Citation,
    Dossier,
    Footnote,
    Ministry,
    Section,
    Signatory,
    Urls,
)

# Scalars compared for disagreement; lists are taken from the metadata only when empty.
_SCALARS = (
    "title", "subject", "document_type", "language", "document_date", "published_at",
    "ministry", "addressee", "reference", "dossier", "ondernummer", "document_number",
    "vergaderjaar", "chamber", "upstream_kst_id",
)


@dataclass
class Draft:
    """Mutable bag of record fields; ``None`` or empty means 'this input does not say'."""

    title: str | None = None
    subject: str | None = None
    document_type: str | None = None
    language: str | None = None
    document_date: date | None = None
    published_at: datetime | None = None
    ministry: Ministry | None = None
    addressee: str | None = None
    reference: str | None = None
    dossier: Dossier | None = None
    ondernummer: str | None = None
    document_number: str | None = None
    vergaderjaar: str | None = None
    chamber: Chamber | None = None
    signatories: list[Signatory] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    body_text: str | None = None
    footnotes: list[Footnote] = field(default_factory=list)
    cites: list[Citation] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The officielebekendmakingen identifier when the input names it (e.g. 'kst-31839-1105').
    upstream_kst_id: str | None = None
    # The Tweede Kamer's own GUID, when the input is a TK Document, and its entity's URL.
    tk_guid: str | None = None
    tk_url: str | None = None
    # Field name -> where its value came from (rule and place), for ``parse --explain``.
    origins: dict[str, str] = field(default_factory=dict)

    def record_fields(self) -> dict[str, Any]:
        """The fields as ``Kamerbrief`` keyword arguments (without identity and provenance)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for private in ("upstream_kst_id", "tk_guid", "tk_url", "origins"):
            out.pop(private)
        out["urls"] = Urls(**self.urls)
        return out

    def is_empty(self) -> bool:
        """True when nothing at all was found."""
        return not any(
            getattr(self, f.name) for f in fields(self)
            if f.name not in ("warnings", "urls", "chamber", "origins")
        )


def merge(document: Draft, feed: Draft, feed_kind: str) -> Draft:
    """Fill ``document``'s gaps from ``feed``; where both speak and differ, keep the document's.

    Each disagreement is recorded in ``warnings`` as ``"<field> differs: document <a!r>,
    <feed_kind> <b!r>"``. Returns ``document`` (mutated).
    """
    for name in _SCALARS:
        mine, theirs = getattr(document, name), getattr(feed, name)
        if mine is None:
            setattr(document, name, theirs)
        elif theirs is not None and not _same(mine, theirs):
            document.warnings.append(
                f"{name} differs: document {_show(mine)}, {feed_kind} {_show(theirs)}"
            )
    for name in ("signatories", "sections", "footnotes", "cites", "attachments"):
        if not getattr(document, name):
            setattr(document, name, getattr(feed, name))
    if document.body_text is None:
        document.body_text = feed.body_text
    document.tk_guid = document.tk_guid or feed.tk_guid
    document.tk_url = document.tk_url or feed.tk_url
    document.urls = {**feed.urls, **document.urls}
    document.warnings.extend(feed.warnings)
    return document


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    if isinstance(a, Ministry) and isinstance(b, Ministry):
        return a.code == b.code
    return a == b


def _show(value: object) -> str:
    if isinstance(value, Ministry):
        return repr(value.code)
    if isinstance(value, Dossier):
        return repr(value.number + (f"-{value.toevoeging}" if value.toevoeging else ""))
    return repr(str(value))
