"""``kamerstroom run``'s parser hands documents to the publisher in the same process.

The letter skips ``<ns>.normalised``; the raw message is acked only after the publisher
has stored and announced the version, so a failure there redelivers the raw message and
the letter is still announced once. Real broker, real kst XML.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import pytest

from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from services.publisher.records import Version
from services.publisher.service import PublisherService
from shared.config import Settings
from shared.errors import RetryLater
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from shared.schema import Kamerbrief, RawDocument

pytestmark = pytest.mark.broker

KST = Path(__file__).parents[2] / "fixtures/real/koop-officiele-publicaties-xml"
LETTERS = ("kst-31839-1105-motie-full-metadata.xml", "kst-33009-173-gewijzigde-motie.xml")


class Taps:
    """Exclusive queues on ``<ns>.events`` and ``<ns>.normalised``: what each received."""

    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []
        self.normalised: list[bytes] = []

    async def start(self, amqp_url: str, topology: Topology) -> aio_pika.abc.AbstractConnection:
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        for exchange, sink in ((topology.events, self._event), (topology.normalised, self._normalised)):
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(exchange, routing_key="#")
            await queue.consume(sink, no_ack=True)
        return connection

    async def _event(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.events.append(json.loads(message.body))

    async def _normalised(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.normalised.append(message.body)


@pytest.fixture
async def run(settings: Settings, namespace: str, amqp_url: str) -> AsyncIterator[Runtime]:
    """The parser and the publisher in one runtime, as ``kamerstroom run`` has them."""
    # The handoff is between services of one process: the parser must not be a child.
    config = settings.model_copy(update={"namespace": namespace, "prefetch": 4,
                                         "run_parser_process": "off"})
    runtime = Runtime.create(config, ("parser", "publisher"))
    await runtime.start()
    yield runtime
    await runtime.stop()
    await delete_topology(amqp_url, Topology.of(config))


async def _feed(runtime: Runtime, amqp_url: str, name: str) -> None:
    feeder = RabbitMQBroker(amqp_url, Topology(runtime.settings.namespace))
    await feeder.connect()
    raw = RawDocument(feed="officielebekendmakingen", upstream_id=_kst_id(name),
                      fetched_at=datetime(2025, 10, 2, tzinfo=UTC), format="kst-xml",
                      body=(KST / name).read_bytes())
    await feeder.publish(feeder.topology.raw, OutgoingMessage(
        raw.model_dump_json().encode(), "officielebekendmakingen", message_id=f"raw-{name}"))
    await feeder.close()


def _kst_id(name: str) -> str:
    match = re.match(r"kst-\d+-\d+", name)
    assert match is not None
    return match.group(0)


def _publisher(runtime: Runtime) -> PublisherService:
    return next(s for s in runtime.services if isinstance(s, PublisherService))


@pytest.mark.parametrize("name", LETTERS)
async def test_a_letter_goes_from_raw_to_event_without_the_normalised_exchange(
        run: Runtime, amqp_url: str, name: str) -> None:
    taps = Taps()
    connection = await taps.start(amqp_url, Topology(run.settings.namespace))
    try:
        await _feed(run, amqp_url, name)
        assert await wait_for(lambda: len(taps.events) == 1, timeout=20)
        event = taps.events[0]
        assert "nl.kamerstroom.kamerbrief.published" == event["type"]
        assert _kst_id(name) == event["subject"]
        assert Kamerbrief.model_validate(event["data"]).content_hash
        assert [] == taps.normalised
        assert [] != _publisher(run).records.versions(str(event["subject"]))
    finally:
        await connection.close()


async def test_a_failure_in_the_publisher_redelivers_the_raw_message_and_announces_once(
        run: Runtime, amqp_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first ingest fails after nothing was stored: the raw message goes back, is parsed
    again, and its letter is announced exactly once."""
    records = _publisher(run).records
    real_ingest, calls = records.ingest, []

    def flaky_ingest(record: Kamerbrief, *, replay: bool = False) -> Version | None:
        calls.append(record.id)
        if len(calls) == 1:
            raise RetryLater("the store is busy")
        return real_ingest(record, replay=replay)

    monkeypatch.setattr(records, "ingest", flaky_ingest)
    taps = Taps()
    connection = await taps.start(amqp_url, Topology(run.settings.namespace))
    try:
        await _feed(run, amqp_url, LETTERS[0])
        assert await wait_for(lambda: len(taps.events) >= 1, timeout=20)
        # A second announcement would follow within moments: give it the time to show.
        assert not await wait_for(lambda: len(taps.events) > 1, timeout=1.5)
    finally:
        await connection.close()
    assert 2 == len(calls)
    assert 1 == len(taps.events)
    assert 1 == len(records.versions(str(taps.events[0]["subject"])))
