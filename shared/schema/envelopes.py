"""Messages between the services: fetcher -> parser (raw), parser -> publisher (normalised)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from shared.schema.record import Feed, Kamerbrief, SourceRef

DocumentFormat = Literal["kst-xml", "html", "pdf", "docx", "text"]
# ``odata-document`` (Tweede Kamer OData v4, switched off 1 October 2026) is still read for
# envelopes queued before the upgrade; the fetcher now sends ``syncfeed-document``.
FeedRecordKind = Literal["sru-record", "syncfeed-entry", "syncfeed-document", "odata-document",
                         "rijksoverheid-item"]


def _from_base64(value: object) -> object:
    """JSON carries bytes as base64 text; Python callers pass the bytes themselves."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"body is not base64: {exc}") from None
    return value


# Bytes in Python, standard base64 in JSON (a document may be a PDF).
Body = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
]


class FeedRecord(BaseModel):
    """The feed's own description of a document, kept verbatim for the parser to merge in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FeedRecordKind
    content: str = Field(description="The record as the feed served it (XML or JSON text).")
    related: dict[str, str] = Field(
        default_factory=dict,
        description="Further records the fetcher looked up, by name (e.g. metadata.xml).",
    )


class RawDocument(BaseModel):
    """A document as fetched, before parsing. Published to ``<ns>.raw``.

    ``withdrawn`` marks a tombstone: the upstream item was deleted; ``body`` is empty.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    feed: Feed
    upstream_id: str
    url: str | None = None
    fetched_at: datetime
    upstream_time: datetime | None = Field(default=None, description=(
        "When the upstream says the item last changed (SRU gzd:timestamp, SyncFeed "
        "bijgewerkt), for the letter-lag metric; None when the feed does not say."))
    content_type: str | None = None
    format: DocumentFormat | None = None
    body: Body = b""
    metadata: FeedRecord | None = None
    replay: bool = False
    withdrawn: bool = False

    @property
    def source(self) -> SourceRef:
        """The provenance entry this document contributes to a record."""
        return SourceRef(feed=self.feed, upstream_id=self.upstream_id, url=self.url,
                         fetched_at=self.fetched_at, upstream_time=self.upstream_time)


class NormalisedDocument(BaseModel):
    """A parsed record (or a withdrawal notice) on its way to the publisher.

    Published to ``<ns>.normalised``. Exactly one of ``record`` / ``withdrawn_source`` is set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: Kamerbrief | None = None
    withdrawn_source: SourceRef | None = None
    replay: bool = False
