"""Event ids are stable per record version and routing keys follow the contract."""

from __future__ import annotations

from services.publisher.events import build_event, event_id, routing_key
from shared.schema import EventKind, Kamerbrief, Ministry


def _record(**fields: object) -> Kamerbrief:
    return Kamerbrief(id="kst-36124-3", title="Brief", **fields).with_content_hash()


def test_event_id_is_stable_per_version() -> None:
    """The same version gives the same id; changed content gives another."""
    first, again = _record(), _record()
    changed = _record(subject="Nieuw onderwerp")
    assert event_id(first, EventKind.PUBLISHED) == event_id(again, EventKind.PUBLISHED)
    assert event_id(first, EventKind.PUBLISHED) != event_id(changed, EventKind.PUBLISHED)


def test_routing_key_uses_ministry_code_or_unknown() -> None:
    """``kamerbrief.<kind>.<code>``, with ``unknown`` when no ministry was resolved."""
    defensie = Ministry(name="Ministerie van Defensie", code="def")
    assert "kamerbrief.published.def" == routing_key(EventKind.PUBLISHED, _record(ministry=defensie))
    assert "kamerbrief.withdrawn.unknown" == routing_key(EventKind.WITHDRAWN, _record())


def test_cloud_event_carries_record_as_data() -> None:
    """The event's subject is the record id and its data the record itself."""
    record = _record()
    event = build_event(record, EventKind.PUBLISHED, source="https://kamerstroom.nl", replay=True)
    assert "nl.kamerstroom.kamerbrief.published" == event.type
    assert "kst-36124-3" == event.subject
    assert record == event.data
    assert event.replay is True
