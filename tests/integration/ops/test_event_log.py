"""The event log on the real broker: replay from the stream, then live, each event once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import aio_pika
import aiormq
import pytest
from structlog.testing import capture_logs
from yarl import URL

from kamerstroom.commands.subscribe import subscribe
from kamerstroom.receivers import Received, wait_for
from kamerstroom.replay import StreamStart, StreamSubscriber
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.broker


@pytest.fixture
async def broker(amqp_url: str, namespace: str) -> AsyncIterator[RabbitMQBroker]:
    """A publisher-side broker of the test's namespace: it declares the event log."""
    b = RabbitMQBroker(amqp_url, Topology(namespace), connection_name="event-log test")
    await b.connect()
    yield b
    await b.close()


def _event(n: int) -> bytes:
    return json.dumps({"specversion": "1.0", "id": f"event-{n}", "subject": f"kst-1-{n}",
                       "type": "nl.kamerstroom.kamerbrief.published", "data": {"n": n}}).encode()


async def _publish(broker: RabbitMQBroker, numbers: Sequence[int],
                   key: str = "kamerbrief.published.def") -> None:
    """One at a time, each confirmed: the log holds them in this order."""
    for n in numbers:
        await broker.publish(broker.topology.events, OutgoingMessage(
            body=_event(n), routing_key=key, message_id=f"event-{n}"), mandatory=False)


async def _publish_fast(broker: RabbitMQBroker, numbers: Sequence[int]) -> None:
    """Many in flight at once (order not asserted on these)."""
    for start in range(0, len(numbers), 100):
        await asyncio.gather(*(_publish(broker, [n]) for n in numbers[start:start + 100]))


def _ids(items: Sequence[Received]) -> list[str]:
    return [item.body["id"] for item in items]


async def test_a_late_subscriber_replays_every_event_then_follows_live(
        broker: RabbitMQBroker, amqp_url: str) -> None:
    """1,000 events before the subscriber starts, 200 while it replays: all 1,200 once each,
    the stored ones first, the live ones after them in publish order."""
    backlog, live = range(1000), range(1000, 1200)
    await _publish_fast(broker, backlog)
    got: list[Received] = []
    subscriber = StreamSubscriber(amqp_url, broker.topology.event_log, StreamStart("first"),
                                  on_event=got.append)
    await subscriber.start()
    try:
        await _publish(broker, live)  # starts before the replay has ended
        assert await wait_for(lambda: len(got) >= 1200, timeout=15), len(got)
        await asyncio.sleep(0.3)  # nothing more comes: no duplicates
    finally:
        await subscriber.stop()
    ids = _ids(got)
    assert 1200 == len(ids) == len(set(ids))
    assert {f"event-{n}" for n in backlog} == set(ids[:1000])
    assert [f"event-{n}" for n in live] == ids[1000:]
    offsets = [item.headers["x-stream-offset"] for item in got]
    assert offsets == sorted(offsets)


async def test_a_lost_connection_resumes_after_the_last_event(
        broker: RabbitMQBroker, amqp_url: str) -> None:
    """The network to the broker goes away mid-stream: on its return the subscriber goes on
    where it was, so nothing is repeated or skipped."""
    target = URL(amqp_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5672)
    port = await proxy.start()
    got: list[Received] = []
    subscriber = StreamSubscriber(str(target.with_port(port)), broker.topology.event_log,
                                  StreamStart("first"), on_event=got.append, prefetch=10)
    await _publish(broker, range(50))
    await subscriber.start()
    try:
        assert await wait_for(lambda: len(got) >= 50, timeout=10)
        await proxy.cut()
        await _publish(broker, range(50, 100))  # while the subscriber is away
        await proxy.restore()
        assert await wait_for(lambda: len(got) >= 100, timeout=15), len(got)
        await asyncio.sleep(0.3)
    finally:
        await subscriber.stop()
        await proxy.cut()
    assert [f"event-{n}" for n in range(100)] == _ids(got)


async def test_subscribe_command_filters_on_the_client_and_stops_at_count(
        broker: RabbitMQBroker, amqp_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``subscribe --offset first --binding …`` prints only the matching events, as JSON lines."""
    await _publish(broker, range(3), "kamerbrief.published.bzk")
    await _publish(broker, range(3, 6), "kamerbrief.updated.def")
    await _publish(broker, range(6, 8), "kamerbrief.withdrawn.ienw")
    status = await subscribe(amqp_url, broker.topology.events,
                             ("kamerbrief.*.def", "kamerbrief.withdrawn.#"), count=5, timeout=10,
                             replay=StreamStart.parse_offset("first"),
                             event_log=broker.topology.event_log)
    out = capsys.readouterr()
    assert 0 == status
    assert [f"event-{n}" for n in (3, 4, 5, 6, 7)] == [
        json.loads(line)["id"] for line in out.out.splitlines()]
    assert f"replaying {broker.topology.event_log} from first" in out.err


async def test_offset_number_and_since_start_where_asked(
        broker: RabbitMQBroker, amqp_url: str) -> None:
    """``--offset 7`` starts at the eighth event; ``--since`` at the first event after it."""
    await _publish(broker, range(10))
    await asyncio.sleep(1.2)  # the log's timestamps are per chunk: keep the batches apart
    moment = datetime.now(UTC)
    await asyncio.sleep(0.2)
    await _publish(broker, range(10, 15))
    for start, expected in ((StreamStart.parse_offset("7"), range(7, 15)),
                            (StreamStart.parse_since(moment.isoformat()), range(10, 15))):
        got: list[Received] = []
        subscriber = StreamSubscriber(amqp_url, broker.topology.event_log, start,
                                      on_event=got.append)
        await subscriber.start()
        try:
            assert await wait_for(lambda: len(got) >= len(expected), timeout=10)  # noqa: B023
            await asyncio.sleep(0.3)
        finally:
            await subscriber.stop()
        assert [f"event-{n}" for n in expected] == _ids(got), start


async def test_changed_retention_warns_once_and_keeps_the_log(
        broker: RabbitMQBroker, amqp_url: str, namespace: str) -> None:
    """A second deployment start with another max age connects, says so in one warning, and
    the stream keeps its events (RabbitMQ cannot change a stream's arguments)."""
    await _publish(broker, range(3))
    changed = RabbitMQBroker(amqp_url, Topology(namespace, event_log_max_age="30D"))
    with capture_logs() as logs:
        await changed.connect()
    try:
        assert (True, "connected, 0 consumer(s)") == changed.health()
        await _publish(changed, range(3, 4))
    finally:
        await changed.close()
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert 1 == len(warnings)
    assert "PRECONDITION_FAILED" in warnings[0]["error"]
    assert "30D" in warnings[0]["error"]
    got: list[Received] = []
    subscriber = StreamSubscriber(amqp_url, broker.topology.event_log, StreamStart("first"),
                                  on_event=got.append)
    await subscriber.start()
    try:
        assert await wait_for(lambda: len(got) >= 4, timeout=10)
    finally:
        await subscriber.stop()


async def test_delete_topology_deletes_the_event_log(amqp_url: str, namespace: str) -> None:
    """Test namespaces leave no stream behind."""
    broker = RabbitMQBroker(amqp_url, Topology(namespace))
    await broker.connect()
    await broker.close()
    await delete_topology(amqp_url, Topology(namespace))
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        with pytest.raises(aiormq.exceptions.ChannelNotFoundEntity):
            await channel.declare_queue(Topology(namespace).event_log, passive=True)
