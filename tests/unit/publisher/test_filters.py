"""Endpoint filters: event types, ministries, dossiers, citations and keywords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.publisher.webhooks.filters import EndpointFilter
from shared.schema import CloudEvent, EventKind
from shared.schema.record import Citation
from tests.unit.publisher.letters import kst, tweedekamer


def event(kind: EventKind = EventKind.PUBLISHED, record=None) -> CloudEvent:
    record = record or tweedekamer()
    return CloudEvent(id="e", source="s", type=kind.event_type, subject=record.id,
                      time=datetime.now(UTC), data=record)


def test_empty_filter_matches_everything() -> None:
    """No lists: every event."""
    assert EndpointFilter().matches(event(EventKind.WITHDRAWN))


@pytest.mark.parametrize(("flt", "expected"), [
    ({"event_types": ["published"]}, True),
    ({"event_types": ["nl.kamerstroom.kamerbrief.updated"]}, False),
    ({"ministries": ["DEF"]}, True),
    ({"ministries": ["bzk"]}, False),
    ({"dossiers": ["36124"]}, True),
    ({"dossiers": ["31839"]}, False),
    ({"keywords": ["MATERIEEL"]}, True),
    ({"keywords": ["stikstof"]}, False),
    ({"ministries": ["def"], "keywords": ["stikstof"]}, False),
])
def test_each_list_must_match(flt: dict[str, list[str]], expected: bool) -> None:
    """Lists combine with AND, entries within one list with OR, case-insensitively."""
    assert expected == EndpointFilter.model_validate(flt).matches(event())


def test_ministry_filter_skips_records_without_ministry() -> None:
    """A record whose ministry is unknown does not pass a ministry filter."""
    assert not EndpointFilter(ministries=["def"]).matches(event(record=kst()))


def test_unknown_event_type_is_refused() -> None:
    """A typo in an event type is a validation error naming the known types."""
    with pytest.raises(ValidationError, match="unknown event type 'publised'"):
        EndpointFilter(event_types=["publised"])


@pytest.mark.parametrize(("cites", "expected"), [
    (["36124"], True), (["36 124"], True), (["31839", "36124"], True), (["31839"], False),
])
def test_cites_matches_letters_that_cite_a_dossier(cites: list[str], expected: bool) -> None:
    """``cites`` is about the dossiers a letter cites, not its own dossier."""
    citing = kst(id="kst-31839-9", cites=[Citation(dossier="36124", ondernummer="3")])
    assert expected == EndpointFilter(cites=cites).matches(event(record=citing))
    assert not EndpointFilter(cites=cites).matches(event(record=kst()))  # its own dossier is 36124
