"""Publishing and the connection: confirms, persistence, routing, health, retry queues."""

from __future__ import annotations

import pytest

from shared.errors import RetryLater
from shared.messaging import Delivery, OutgoingMessage
from shared.messaging.topology import DELIVER_ROUTING_KEY
from tests.contract.conftest import BrokerKit, wait

FEED = "officielebekendmakingen"


def _raw(message_id: str = "m-1") -> OutgoingMessage:
    return OutgoingMessage(body=b"<brief/>", routing_key=FEED, message_id=message_id,
                           content_type="application/xml", headers={"x-kamerstroom-feed": FEED})


async def test_round_trip_keeps_what_was_published(kit: BrokerKit) -> None:
    """A consumer gets body, routing key, exchange, message id, content type and headers
    as published; a first delivery is not marked redelivered."""
    t = kit.topology
    got = await kit.collect(t.parser_queue)
    await kit.broker.publish(t.raw, _raw())
    assert await wait(lambda: len(got) == 1)

    d = got[0]
    assert (b"<brief/>", FEED, t.raw, "m-1", "application/xml", False) == (
        d.body, d.routing_key, d.exchange, d.message_id, d.content_type, d.redelivered)
    assert FEED == d.headers["x-kamerstroom-feed"]


async def test_publish_returns_once_the_broker_holds_the_message(kit: BrokerKit) -> None:
    """A returned publish is confirmed: the message is in its queue, persistently."""
    t = kit.topology
    await kit.broker.publish(t.raw, _raw())

    assert {t.parser_queue: 1, t.publisher_queue: 0, t.dead_queue: 0} == {
        q: n for q, n in (await kit.broker.queue_depths()).items()
        if q in (t.parser_queue, t.publisher_queue, t.dead_queue)}
    assert await kit.persistent(t.parser_queue)


async def test_messages_wait_in_their_queue_across_a_reconnect(kit: BrokerKit) -> None:
    """Published and not consumed: the next connection still finds and delivers it."""
    t = kit.topology
    await kit.broker.publish(t.raw, _raw())
    await kit.broker.close()
    again = await kit.reopen()
    got: list[Delivery] = []

    async def keep(delivery: Delivery) -> None:
        got.append(delivery)

    await again.consume(t.parser_queue, keep, prefetch=1)
    assert await wait(lambda: len(got) == 1)
    assert "m-1" == got[0].message_id


async def test_unroutable_mandatory_publish_is_refused(kit: BrokerKit) -> None:
    """``mandatory``: a message no queue takes raises ``RetryLater``, it is not dropped.

    (Not on ``<ns>.events``: its event log takes everything.)
    """
    unroutable = OutgoingMessage(body=b"{}", routing_key="nobody.listens")
    with pytest.raises(RetryLater):
        await kit.broker.publish(kit.topology.webhooks, unroutable)


async def test_unroutable_publish_without_mandatory_is_fine(kit: BrokerKit) -> None:
    """An event with no subscriber is normal: without ``mandatory`` the publish returns."""
    await kit.broker.publish(kit.topology.events,
                             OutgoingMessage(body=b"{}", routing_key="nobody.listens"),
                             mandatory=False)


async def test_connect_twice_declares_the_topology_once(kit: BrokerKit) -> None:
    """``connect`` is idempotent: connecting again does not route a message twice."""
    t = kit.topology
    await kit.broker.connect()
    await kit.broker.publish(t.raw, _raw())
    assert 1 == await kit.depth(t.parser_queue)


async def test_not_connected_refuses_with_retry_later(kit: BrokerKit) -> None:
    """Before ``connect``: publish, consume and queue depths raise ``RetryLater``, and
    health says why."""
    t = kit.topology
    broker = kit.unconnected()
    with pytest.raises(RetryLater):
        await broker.publish(t.raw, _raw())

    async def never(_: Delivery) -> None:
        raise AssertionError("no delivery without a connection")

    with pytest.raises(RetryLater):
        await broker.consume(t.parser_queue, never, prefetch=1)
    with pytest.raises(RetryLater):
        await broker.queue_depths()
    healthy, reason = broker.health()
    assert (False, True) == (healthy, bool(reason))


async def test_health_follows_the_connection(kit: BrokerKit) -> None:
    """Healthy while connected, not after ``close``."""
    assert kit.broker.health()[0]
    await kit.broker.close()
    assert not kit.broker.health()[0]


async def test_retry_queue_returns_the_message_to_deliveries(kit: BrokerKit) -> None:
    """``retry.<seconds>`` on ``<ns>.webhooks``: the message comes back on
    ``<ns>.deliveries`` with routing key ``deliver`` after the queue's delay."""
    t = kit.topology
    await kit.broker.declare_retry_queues([0.2])
    got = await kit.collect(t.deliveries_queue)
    await kit.broker.publish(t.webhooks, OutgoingMessage(
        body=b"job", routing_key=t.retry_routing_key(0.2), message_id="job-1"))
    assert await wait(lambda: len(got) == 1)
    assert (b"job", "job-1", DELIVER_ROUTING_KEY) == (
        got[0].body, got[0].message_id, got[0].routing_key)


async def test_retry_message_expiration_shorter_than_the_queue_wins(kit: BrokerKit) -> None:
    """A message's own ``expiration`` shorter than its retry queue's delay (300 s here)
    brings it back after the expiration."""
    t = kit.topology
    await kit.broker.declare_retry_queues([300])
    got = await kit.collect(t.deliveries_queue)
    await kit.broker.publish(t.webhooks, OutgoingMessage(
        body=b"job", routing_key=t.retry_routing_key(300), message_id="job-2", expiration=0.1))
    assert await wait(lambda: len(got) == 1)
    assert "job-2" == got[0].message_id


async def test_queue_depths_follow_the_queue(kit: BrokerKit) -> None:
    """Each sample of ``queue_depths`` is today's count, not the first one's."""
    t = kit.topology
    for i in range(2):
        await kit.broker.publish(t.raw, _raw(f"m-{i}"))
    assert 2 == await kit.depth(t.parser_queue)
    got = await kit.collect(t.parser_queue)
    assert await wait(lambda: len(got) == 2)
    assert await kit.wait_depth(t.parser_queue, 0)
