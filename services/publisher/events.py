"""Building CloudEvents and their routing keys from records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.ids import uuid5_text
from shared.schema import CloudEvent, EventKind, Kamerbrief

# Namespace for event ids: uuid5(kind + record id + version + content hash) is the same on
# every retry of one version, and differs between versions (even a withdrawal's).
EVENT_ID_NAMESPACE = uuid.UUID("6f1d2c3e-9a7b-5e48-8c1d-4b2a7e0f9d31")


def event_id(record: Kamerbrief, kind: EventKind) -> str:
    """Stable per record version and kind, so a redelivered or retried publish keeps it."""
    key = f"{kind.value}:{record.id}:{record.version}:{record.content_hash}"
    return uuid5_text(EVENT_ID_NAMESPACE, key)


def kind_of(event: CloudEvent) -> EventKind:
    """The kind of a kamerbrief event, from the last word of its type."""
    return EventKind(event.type.rsplit(".", 1)[1])


def routing_key(kind: EventKind, record: Kamerbrief) -> str:
    """``kamerbrief.<kind>.<ministry-code>``, ``unknown`` when the ministry is not known."""
    code = record.ministry.code if record.ministry else "unknown"
    return f"kamerbrief.{kind.value}.{code}"


def build_event(record: Kamerbrief, kind: EventKind, *, source: str,
                changed_fields: list[str] | None = None, replay: bool = False) -> CloudEvent:
    """The CloudEvent announcing ``record`` (as ``kind``)."""
    return CloudEvent(
        id=event_id(record, kind), source=source, type=kind.event_type, subject=record.id,
        time=datetime.now(UTC), data=record, changedfields=",".join(changed_fields or []), replay=replay,
    )
