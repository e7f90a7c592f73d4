"""The rijksoverheid.nl source against the constructed replay and the real broker."""

from __future__ import annotations

import json

from services.fetcher.store import FetcherStore
from tests.integration.fetcher.conftest import Harness

SOURCE = "rijksoverheid"


async def test_every_letter_is_queued_as_a_pdf(harness: Harness) -> None:
    """Each listed Kamerstuk is queued with its PDF and the document JSON as metadata."""
    tally = await harness.poll(SOURCE)
    queued = [m.json() for m in await harness.raw()]

    assert 3 == tally.queued
    assert {"pdf"} == {d["format"] for d in queued}
    assert {"rijksoverheid-item"} == {d["metadata"]["kind"] for d in queued}
    titles = {json.loads(d["metadata"]["content"])["title"] for d in queued}
    assert "Water en Bodem sturend" in titles


async def test_the_next_walk_stops_at_the_head_of_the_last_one(harness: Harness) -> None:
    """After a complete walk the checkpoint names the newest id, and a new poll fetches no file."""
    await harness.poll(SOURCE)
    harness.server.faults.requests.clear()
    again = await harness.poll(SOURCE)
    head = json.loads(FetcherStore(harness.settings.db_path).checkpoint(SOURCE) or "{}")

    assert 0 == again.queued
    assert "2023-02-03T10:00:00" == head["available"]
    assert 1 == len(harness.server.faults.requests)  # the first list page only


async def test_a_document_record_that_is_not_json_is_dead_lettered(harness: Harness) -> None:
    """A document record that is not JSON is dead-lettered; the other letters are queued."""
    harness.server.faults.add("/v1/documents/", "invalid-xml")  # the first detail request
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()

    assert (2, 1) == (tally.queued, tally.dead_lettered)
    assert ["malformed-json"] == [d.headers["x-kamerstroom-reason"] for d in dead]
