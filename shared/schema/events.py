"""Public events: CloudEvents 1.0 in structured JSON mode, as queue messages and webhooks.

Wire format 2 (``dataschema`` ``…/schema/v2/kamerbrief.json``): the extension attributes
are ``changedfields`` (a comma-separated string, absent when nothing changed) and
``replay`` (a boolean). Format 1 had ``changed_fields`` as a JSON list, which is not a
legal CloudEvents extension (names are ``[a-z0-9]+``, and there is no array type): every
official SDK refused those events. Events stored in format 1 are read and re-sent as
format 2 (``upgrade_event_json``). See docs/events.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.schema.record import Kamerbrief

EVENT_TYPE_PREFIX = "nl.kamerstroom.kamerbrief."
CONTENT_TYPE = "application/cloudevents+json"
# Where docs/schema/ is published: each file's $id is SCHEMA_BASE + its name.
SCHEMA_BASE = "https://kamerstroom.nl/schema/v2/"
DATA_SCHEMA = SCHEMA_BASE + "kamerbrief.json"
LEGACY_DATA_SCHEMA = "https://kamerstroom.nl/schema/event-data.json"
CHANGED_FIELDS_PATTERN = r"^[a-z0-9_]+(,[a-z0-9_]+)*$"


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

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="Stable per record version: a retried publish keeps it.")
    source: str = Field(json_schema_extra={"format": "uri-reference"})
    type: str = Field(json_schema_extra={"enum": [EVENT_TYPE_PREFIX + kind for kind in EventKind]})
    subject: str = Field(description="The record id, e.g. 'kst-36124-3'.")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str = Field(default=DATA_SCHEMA, json_schema_extra={"format": "uri"},
                            description="The JSON Schema of data (versioned).")
    data: Kamerbrief = Field(description="The record, as of this version.")
    # kamerstroom's own extension attributes, documented in docs/events.md.
    changedfields: str = Field(
        default="", exclude_if=lambda value: not value,
        json_schema_extra={"pattern": CHANGED_FIELDS_PATTERN},
        description="For 'updated': the record fields that changed, comma-separated "
                    "(e.g. 'same_as,reference,urls'). Absent when none changed.",
    )
    replay: bool = Field(default=False, description="True for events from a backfill.")

    @property
    def changed_fields(self) -> list[str]:
        """``changedfields`` as a list (empty when absent)."""
        return self.changedfields.split(",") if self.changedfields else []

    @model_validator(mode="before")
    @classmethod
    def _upgrade_format_1(cls, value: Any) -> Any:
        """Read an event stored in wire format 1 (``changed_fields`` list) as format 2."""
        if isinstance(value, dict) and ("changed_fields" in value
                                        or value.get("dataschema") == LEGACY_DATA_SCHEMA):
            value = dict(value)
            value["changedfields"] = ",".join(value.pop("changed_fields", None) or [])
            if value.get("dataschema") == LEGACY_DATA_SCHEMA:
                value["dataschema"] = DATA_SCHEMA
        return value


def upgrade_event_json(event_json: str) -> str:
    """``event_json`` in the current wire format: a stored format-1 event is re-serialised."""
    if '"changed_fields"' in event_json or LEGACY_DATA_SCHEMA in event_json:
        return CloudEvent.model_validate_json(event_json).model_dump_json()
    return event_json
