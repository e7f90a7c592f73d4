"""Public events: CloudEvents 1.0 in structured JSON mode, as queue messages and webhooks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schema.record import Kamerbrief

EVENT_TYPE_PREFIX = "nl.kamerstroom.kamerbrief."
CONTENT_TYPE = "application/cloudevents+json"
DATA_SCHEMA = "https://kamerstroom.nl/schema/event-data.json"


class EventKind(StrEnum):
    """What happened to a letter; the last word of the event type and routing key."""

    PUBLISHED = "published"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"

    @property
    def event_type(self) -> str:
        """The CloudEvents ``type``, e.g. ``nl.kamerstroom.kamerbrief.published``."""
        return EVENT_TYPE_PREFIX + self.value


EVENT_TYPES = tuple(kind.event_type for kind in EventKind)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope (structured mode)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = "1.0"
    id: str = Field(description="Stable per record version: a retried publish keeps it.")
    source: str
    type: str
    subject: str = Field(description="The record id, e.g. 'kst-36124-3'.")
    time: datetime
    datacontenttype: str = "application/json"
    dataschema: str = DATA_SCHEMA
    data: Kamerbrief = Field(description="The record, as of this version.")
    # kamerstroom's own extension members, documented in docs/events.md.
    changed_fields: list[str] = Field(
        default_factory=list, description="For 'updated': the record fields that changed."
    )
    replay: bool = Field(default=False, description="True for events from a backfill.")
