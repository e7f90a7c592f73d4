"""The parser's interface: raw document in, one canonical ``Kamerbrief`` out.

``parse_raw`` is what the pipeline calls for each raw message; ``parse_bytes`` is what the
command line calls. Both raise ``shared.errors.Unprocessable(reason, detail)`` when nothing
usable can be extracted — reasons: ``too-large``, ``empty-body``, ``bad-encoding``,
``malformed-xml``, ``malformed-pdf``, ``malformed-docx``, ``malformed-html``,
``malformed-metadata``, ``unsupported-format``, ``parse-failed`` — and no other exception
for bad input. A partly parsed document comes back with ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

from services.parser import detect as detection
from services.parser import identity
from services.parser.decode import to_text
from services.parser.draft import Draft, merge
from services.parser.formats import docx, html, kst_xml, pdf, text
from services.parser.metadata import odata, rijksoverheid, sru, syncfeed
from shared.errors import Unprocessable
from shared.schema import FeedRecord, Kamerbrief, RawDocument, SourceRef

MAX_BYTES = 20 * 1024 * 1024

_READERS: dict[str, Callable[[bytes], Draft]] = {
    "html": html.parse_html,
    "pdf": pdf.parse_pdf,
    "docx": docx.parse_docx,
    "text": lambda body: text.parse_text(to_text(body)),
}
_METADATA: dict[str, Callable[[FeedRecord], Draft]] = {
    "odata-document": lambda m: odata.to_draft(m.content),  # queued before the 2026 upgrade
    "syncfeed-document": syncfeed.document_draft,
    "syncfeed-entry": lambda m: syncfeed.to_draft(m.content),
    "sru-record": lambda m: sru.to_draft(m.content),
    "rijksoverheid-item": lambda m: rijksoverheid.to_draft(m.content),
}


# Which ``urls`` field the fetched document's own URL fills, per format.
_URL_FIELD = {"kst-xml": "xml", "html": "html", "pdf": "pdf", "docx": "docx"}


def parse_raw(raw: RawDocument, *, max_bytes: int = MAX_BYTES) -> Kamerbrief:
    """The record for one fetched document, with provenance from ``raw``.

    The URL the document was fetched from is its URL for that format, over any derived one.
    """
    chosen = raw.format or detection.detect(raw.body[:2048], raw.content_type)
    record, _ = _unhashed(raw.body, format=chosen, metadata=raw.metadata, source=raw.source,
                          content_type=raw.content_type, max_bytes=max_bytes)
    urls = record.urls
    if raw.url and chosen in _URL_FIELD:
        urls = urls.model_copy(update={_URL_FIELD[chosen]: raw.url})
    update = {"fetched_at": raw.fetched_at, "urls": urls}
    return record.model_copy(update=update).with_content_hash()


def parse_bytes(
    body: bytes,
    *,
    format: str | None = None,
    metadata: FeedRecord | None = None,
    source: SourceRef | None = None,
    content_type: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Kamerbrief:
    """The record for ``body`` in ``format`` (``None``: detect), merged with feed ``metadata``."""
    return parse_explained(body, format=format, metadata=metadata, source=source,
                           content_type=content_type, max_bytes=max_bytes)[0]


def parse_explained(
    body: bytes,
    *,
    format: str | None = None,
    metadata: FeedRecord | None = None,
    source: SourceRef | None = None,
    content_type: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> tuple[Kamerbrief, dict[str, str]]:
    """As :func:`parse_bytes`, and for each field filled where its value came from."""
    record, origins = _unhashed(body, format=format, metadata=metadata, source=source,
                                content_type=content_type, max_bytes=max_bytes)
    return record.with_content_hash(), origins


def _unhashed(body: bytes, *, format: str | None, metadata: FeedRecord | None,
              source: SourceRef | None, content_type: str | None,
              max_bytes: int) -> tuple[Kamerbrief, dict[str, str]]:
    """``parse_explained`` before the content hash: ``parse_raw`` changes the URLs first,
    so hashing here as well would hash every fetched letter twice."""
    _check_size(body, max_bytes)
    chosen = format or detection.detect(body, content_type)
    draft = _read(body, chosen, metadata)
    if metadata is not None:
        own = _filled(draft)
        merge(draft, _metadata_draft(metadata), metadata.kind)
        _note_feed_origins(draft, own, metadata.kind)
    if draft.is_empty():
        raise Unprocessable("empty-body", f"nothing usable found in the {chosen} input")
    if chosen in _LETTER_FORMATS:
        draft.warnings.extend(_unread(draft))
    return _record(draft, body, source), draft.origins


def _note_feed_origins(draft: Draft, own: set[str], kind: str) -> None:
    """Fields the document left empty and the feed record filled came from the feed."""
    for name in _filled(draft) - own:
        draft.origins[name] = f"the feed record ({kind})"


_RECORD_FIELDS = tuple(f.name for f in fields(Draft) if f.name not in (
    "urls", "warnings", "origins", "upstream_kst_id", "tk_guid"))


def _filled(draft: Draft) -> set[str]:
    """The names of the record fields ``draft`` has a value for."""
    return {name for name in _RECORD_FIELDS if getattr(draft, name)}


# Formats read by the letter reader, and why each of its main fields can stay empty.
_LETTER_FORMATS = frozenset({"html", "pdf", "docx", "text"})
_UNREAD = {
    "document_date": "no date line was found ('Datum …', a place and date, 'Voorgesteld …')",
    "subject": "no 'Betreft' or 'Onderwerp' line was found",
    "ministry": "no 'Ministerie van …' letterhead, ministry web address or signer's role "
                "was found",
}


def _unread(draft: Draft) -> list[str]:
    """A warning for each main field the document and its feed record left empty."""
    return [f"{name}: not read: {why}" for name, why in _UNREAD.items()
            if getattr(draft, name) is None]


def _check_size(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise Unprocessable("too-large", f"{len(body)} bytes is over the {max_bytes} byte cap")
    if not body.strip():
        raise Unprocessable("empty-body", "the document is empty")


def _read(body: bytes, chosen: str, metadata: FeedRecord | None) -> Draft:
    """Run the format's reader, turning any failure on bad input into ``Unprocessable``."""
    try:
        if chosen == "kst-xml":
            return kst_xml.parse_kst_xml(body, metadata.related if metadata else None)
        reader = _READERS.get(chosen)
        if reader is None:
            raise Unprocessable("unsupported-format", f"unknown format {chosen!r}")
        return reader(body)
    except Unprocessable:
        raise
    except Exception as exc:  # a reader that trips on hostile input must not crash the consumer
        raise Unprocessable("parse-failed", f"{chosen}: {type(exc).__name__}: {exc}") from exc


def _metadata_draft(metadata: FeedRecord) -> Draft:
    try:
        return _METADATA[metadata.kind](metadata)
    except Unprocessable:
        raise
    except Exception as exc:  # same reason as in _read
        raise Unprocessable("malformed-metadata", f"{metadata.kind}: {exc}") from exc


def _record(draft: Draft, body: bytes, source: SourceRef | None) -> Kamerbrief:
    """The record ``draft`` describes, without its content hash (see ``_unhashed``)."""
    record_id = identity.record_id(draft, body, source)
    return Kamerbrief(
        id=record_id,
        same_as=identity.aliases(draft, record_id, source),
        sources=[source] if source is not None else [],
        **draft.record_fields(),
    )
