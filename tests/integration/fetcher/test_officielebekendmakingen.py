"""The SRU source against the replayed KOOP feed and the real broker."""

from __future__ import annotations

import pytest

from shared.errors import RetryLater
from tests.integration.fetcher.conftest import Harness

SOURCE = "officielebekendmakingen"


async def test_a_kamerstuk_of_unknown_type_is_queued_and_moties_are_skipped(
        harness: Harness) -> None:
    """The recorded kst XML declaring "Motie" is skipped as not-a-letter; the undeclared one is queued."""
    tally = await harness.poll(SOURCE)
    queued = await harness.raw()

    assert (1, {"not-a-letter": 2}) == (tally.queued, tally.skipped)
    assert ["kst-24515-782"] == [m.json()["upstream_id"] for m in queued]
    assert {SOURCE} == {m.routing_key for m in queued}
    assert {"kst-xml"} == {m.json()["format"] for m in queued}
    assert {"sru-record"} == {m.json()["metadata"]["kind"] for m in queued}


async def test_metadata_manifestation_is_fetched_when_the_xml_only_points_to_it(
        harness: Harness) -> None:
    """The kst XML with only an externMetadataRecord gets its metadata.xml in ``related``."""
    await harness.poll(SOURCE)
    by_id = {m.json()["upstream_id"]: m.json() for m in await harness.raw()}

    related = by_id["kst-24515-782"]["metadata"]["related"]
    assert ["metadata.xml"] == list(related)
    assert 'content="kst-24515-782"' in related["metadata.xml"]


async def test_restart_resumes_from_the_watermark_with_one_day_of_overlap(harness: Harness) -> None:
    """After a restart the query starts a day before the newest modified date, and nothing repeats."""
    await harness.poll(SOURCE)
    harness.server.faults.requests.clear()
    second = await harness.poll(SOURCE)

    assert (0, {}) == (second.queued, second.skipped)  # the skipped moties are remembered
    assert 1 == len(await harness.raw())
    queries = [r for r in harness.server.faults.requests if r.startswith("/sru")]
    assert 1 == len(queries)
    assert "dt.modified%3E%3D2025-10-02" in queries[0]  # watermark 2025-10-03 minus one day
    assert not any("/frbr/" in r for r in harness.server.faults.requests)


async def test_sru_diagnostic_with_http_200_is_an_error(harness: Harness) -> None:
    """The real recorded diagnostic fails the poll with its message and queues nothing."""
    harness.server.faults.add("/sru", "diagnostic")
    with pytest.raises(RetryLater, match="Query syntax error"):
        await harness.poll(SOURCE)
    assert [] == await harness.raw()


async def test_a_byte_order_mark_on_the_page_is_read(harness: Harness) -> None:
    """An SRU page starting with a UTF-8 BOM is parsed like any other."""
    harness.server.faults.add("/sru", "bom")
    tally = await harness.poll(SOURCE)
    assert (1, 2) == (tally.queued, tally.skipped_total)


async def test_invalid_xml_document_is_dead_lettered_and_the_walk_goes_on(harness: Harness) -> None:
    """A document that is not XML goes to the dead-letter queue with its reason; the rest is queued."""
    harness.server.faults.add("/frbr/officielepublicaties/kst/kst-31839-1105/", "invalid-xml")
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()

    assert (1, 1, 1) == (tally.queued, tally.dead_lettered, tally.skipped_total)
    assert 1 == len(dead)
    assert "malformed-xml" == dead[0].headers["x-kamerstroom-reason"]
    assert SOURCE == dead[0].headers["x-kamerstroom-queue"]
    assert "kst-31839-1105" == dead[0].headers["x-kamerstroom-upstream-id"]
    assert "kst-31839-1105" in dead[0].headers["x-kamerstroom-error"]


async def test_a_dead_lettered_document_is_not_dead_lettered_again(harness: Harness) -> None:
    """The next poll (with its day of overlap) does not repeat the dead-letter entry."""
    harness.server.faults.add("/frbr/officielepublicaties/kst/kst-33009-173/", "invalid-xml")
    await harness.poll(SOURCE)
    again = await harness.poll(SOURCE)

    assert (0, 0) == (again.queued, again.dead_lettered)
    assert 1 == len(await harness.dead())


@pytest.mark.parametrize("fault", ["500", "reset", "slow", "truncated"])
async def test_a_passing_fault_on_a_document_is_retried_and_nothing_is_lost(
        harness: Harness, fault: str) -> None:
    """A 500, reset, too-slow or cut-off answer once is retried; the document is queued."""
    harness.server.faults.add("/frbr/officielepublicaties/kst/kst-24515-782/", fault)
    tally = await harness.poll(SOURCE)
    assert (1, 0) == (tally.queued, tally.dead_lettered)


async def test_an_oversize_document_is_dead_lettered(harness: Harness) -> None:
    """A document over the size limit is dead-lettered as too-large, not retried."""
    harness.server.faults.add("/frbr/officielepublicaties/kst/kst-24515-782/", "oversize")
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()
    assert (0, ["too-large"]) == (tally.queued, [d.headers["x-kamerstroom-reason"] for d in dead])

