"""Endpoint filters by chamber: tk or ek, validated where the admin API reads a filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.publisher.admin.api import CreateEndpoint, PatchEndpoint
from services.publisher.webhooks.filters import EndpointFilter
from shared.schema import CloudEvent, EventKind, Kamerbrief
from tests.unit.publisher.letters import kst, tweedekamer


def event(record: Kamerbrief) -> CloudEvent:
    return CloudEvent(id="e", source="s", type=EventKind.PUBLISHED.event_type, subject=record.id,
                      time=datetime.now(UTC), data=record)


@pytest.mark.parametrize(("chambers", "record_chamber", "expected"), [
    (["tk"], "tk", True), (["ek"], "tk", False), (["EK "], "ek", True),
    (["tk", "ek"], "ek", True), (["tk"], None, False), ([], None, True),
])
def test_a_chamber_filter_matches_the_records_chamber(chambers: list[str],
                                                      record_chamber: str | None,
                                                      expected: bool) -> None:
    """Case-insensitive; a record whose chamber is unknown matches no chamber filter."""
    for letter in (kst(), tweedekamer()):
        record = letter.model_copy(update={"chamber": record_chamber})
        assert expected == EndpointFilter.model_validate({"chambers": chambers}).matches(event(record))


def test_chambers_combine_with_the_other_lists() -> None:
    record = kst().model_copy(update={"chamber": "ek"})
    flt = EndpointFilter(chambers=["ek"], dossiers=["99"])
    assert not flt.matches(event(record))


@pytest.mark.parametrize("model", [CreateEndpoint, PatchEndpoint])
def test_the_admin_api_refuses_an_unknown_chamber(model: type[CreateEndpoint] | type[PatchEndpoint]) -> None:
    with pytest.raises(ValidationError, match="chambers"):
        model.model_validate({"url": "https://example.org/h", "filter": {"chambers": ["senaat"]}})
    body = model.model_validate({"url": "https://example.org/h", "filter": {"chambers": ["TK"]}})
    assert body.filter is not None and ["tk"] == body.filter.chambers
