"""Queue subscribers see one record per letter: published, then updated with changed fields."""

from __future__ import annotations

from kamerstroom.receivers import QueueSubscriber, wait_for
from shared.messaging import Topology
from shared.schema import NormalisedDocument
from shared.schema.record import SourceRef
from tests.integration.publisher.conftest import Publisher
from tests.support.contracts import assert_subscriber_can_read
from tests.unit.publisher.letters import document, kst, other_letter, rijksoverheid, tweedekamer


async def test_three_sources_one_published_then_updates(publisher: Publisher, amqp_url: str) -> None:
    """kst, TK, rijksoverheid of one letter: published, updated, updated; a redelivery adds nothing."""
    subscriber = QueueSubscriber(amqp_url, Topology(publisher.feeder.topology.namespace).events,
                                 ("kamerbrief.*.*",))
    await subscriber.start()
    try:
        for record in (kst(), tweedekamer(), rijksoverheid(), tweedekamer(), other_letter()):
            await publisher.feed(document(record))
        # the unrelated letter comes last: once it is here, the redelivered TK record was handled
        arrived = await wait_for(lambda: any(r.body["subject"] == "kst-31839-7"
                                             for r in subscriber.received), timeout=20)
    finally:
        await subscriber.stop()
    assert arrived
    events = [r for r in subscriber.received if r.body["subject"] == "kst-36124-3"]
    assert ["kamerbrief.published.unknown", "kamerbrief.updated.def", "kamerbrief.updated.def"] == [
        e.routing_key for e in events]
    assert [None, "same_as,subject,ministry,document_number,urls",
            "same_as,reference,urls"] == [e.body.get("changedfields") for e in events]
    assert [1, 2, 3] == [e.body["data"]["version"] for e in events]
    assert 3 == len({e.body["id"] for e in events})
    assert 3 == len(events[-1].body["data"]["same_as"])
    for event in subscriber.received:  # the official SDK reads what a subscriber receives
        assert_subscriber_can_read(event, via="amqp")


async def test_withdrawal_and_replay(publisher: Publisher, amqp_url: str) -> None:
    """A backfilled letter carries ``replay: true``; withdrawing its only source emits ``withdrawn``."""
    subscriber = QueueSubscriber(amqp_url, publisher.feeder.topology.events, ("kamerbrief.#",))
    await subscriber.start()
    try:
        await publisher.feed(document(kst(), replay=True))
        await publisher.feed(NormalisedDocument(withdrawn_source=SourceRef(
            feed="officielebekendmakingen", upstream_id="kst-36124-3")))
        arrived = await wait_for(lambda: len(subscriber.received) >= 2, timeout=20)
    finally:
        await subscriber.stop()
    assert arrived
    assert ["nl.kamerstroom.kamerbrief.published", "nl.kamerstroom.kamerbrief.withdrawn"] == [
        r.body["type"] for r in subscriber.received]
    assert [True, False] == [r.body["replay"] for r in subscriber.received]
    assert "kamerbrief.withdrawn.unknown" == subscriber.received[1].routing_key
    for event in subscriber.received:
        assert_subscriber_can_read(event, via="amqp")
