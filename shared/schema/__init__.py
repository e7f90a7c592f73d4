"""The canonical Kamerbrief record, the messages between services, and the public events.

Pure pydantic v2 models: no I/O, and nothing here imports anything else of ours.
"""

from shared.schema.envelopes import FeedRecord, NormalisedDocument, RawDocument
from shared.schema.events import EVENT_TYPES, CloudEvent, EventKind
from shared.schema.record import (
    Attachment,
    Chamber,
    Citation,
    Dossier,
    Footnote,
    Kamerbrief,
    Ministry,
    SameAs,
    Section,
    Signatory,
    SourceRef,
    Urls,
)

__all__ = [
    "EVENT_TYPES",
    "Attachment",
    "Chamber",
    "Citation",
    "CloudEvent",
    "Dossier",
    "EventKind",
    "FeedRecord",
    "Footnote",
    "Kamerbrief",
    "Ministry",
    "NormalisedDocument",
    "RawDocument",
    "SameAs",
    "Section",
    "Signatory",
    "SourceRef",
    "Urls",
]
