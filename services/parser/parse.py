"""The parser's entry points: raw document (pipeline) or bytes (CLI) -> ``Kamerbrief``."""

from __future__ import annotations

from services.parser.formats import kst_xml
from shared.errors import Unprocessable
from shared.schema import FeedRecord, Kamerbrief, RawDocument, SourceRef


def parse_raw(raw: RawDocument) -> Kamerbrief:
    """Parse one raw document; raises ``Unprocessable`` when nothing usable can be read."""
    return parse_bytes(raw.body, format=raw.format, metadata=raw.metadata, source=raw.source)


def parse_bytes(body: bytes, *, format: str | None = None, metadata: FeedRecord | None = None,
                source: SourceRef | None = None) -> Kamerbrief:
    """Parse a document in ``format`` (``None``: detect)."""
    if not body:
        raise Unprocessable("empty-body", "the document is empty")
    if format in (None, "kst-xml"):
        return kst_xml.parse(body, source)
    raise Unprocessable("unsupported-format", f"format {format!r} is not supported yet")
