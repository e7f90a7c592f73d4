"""What the broker does with a delivery after its handler: ack, dead letter or requeue."""

from __future__ import annotations

from shared.errors import ShuttingDown, Unprocessable
from shared.messaging import Delivery, OutgoingMessage
from shared.messaging.topology import ERROR_HEADER, ORIGIN_QUEUE_HEADER, REASON_HEADER
from tests.contract.conftest import DELIVERY_LIMIT, BrokerKit, wait

FEED = "officielebekendmakingen"


def _raw(body: bytes = b"<x/>", message_id: str = "m-1") -> OutgoingMessage:
    return OutgoingMessage(body=body, routing_key=FEED, message_id=message_id,
                           content_type="application/xml", headers={"x-kamerstroom-feed": FEED})


async def test_handler_that_returns_acks_the_message(kit: BrokerKit) -> None:
    """A delivery whose handler returned is gone for good: not redelivered after a reconnect,
    not dead-lettered."""
    t = kit.topology
    handled: list[Delivery] = []

    async def ok(delivery: Delivery) -> None:
        handled.append(delivery)

    consumer = await kit.broker.consume(t.parser_queue, ok, prefetch=1)
    await kit.broker.publish(t.raw, _raw())
    assert await wait(lambda: len(handled) == 1)
    await consumer.cancel()
    await kit.broker.close()
    again = await kit.reopen()
    depths = await again.queue_depths()

    assert (0, 0) == (depths[t.parser_queue], depths[t.dead_queue])


async def test_unprocessable_copies_to_dead_letters_with_reason_then_acks(kit: BrokerKit) -> None:
    """``Unprocessable``: one copy in ``<ns>.dead`` (routing key: the queue) with the reason,
    the error, the origin queue and the message's own headers; the original is acked."""
    t = kit.topology
    calls: list[Delivery] = []

    async def refuse(delivery: Delivery) -> None:
        calls.append(delivery)
        raise Unprocessable("malformed-xml", "line 1: not XML")

    await kit.broker.consume(t.parser_queue, refuse, prefetch=1)
    dead = await kit.collect(t.dead_queue)
    await kit.broker.publish(t.raw, _raw(b"<x"))
    assert await wait(lambda: len(dead) == 1)

    letter = dead[0]
    assert (b"<x", "m-1", t.parser_queue) == (letter.body, letter.message_id, letter.routing_key)
    assert "malformed-xml" == letter.headers[REASON_HEADER]
    assert "malformed-xml: line 1: not XML" == letter.headers[ERROR_HEADER]
    assert t.parser_queue == letter.headers[ORIGIN_QUEUE_HEADER]
    assert FEED == letter.headers["x-kamerstroom-feed"]
    assert await kit.wait_depth(t.parser_queue, 0)
    assert 1 == len(calls)


async def test_other_error_redelivers_then_dead_letters_after_the_delivery_limit(
        kit: BrokerKit) -> None:
    """Any other exception requeues: the message comes back marked redelivered, with its
    count, until the limit; then the broker dead-letters it with its own routing key."""
    t = kit.topology
    calls: list[Delivery] = []

    async def crash(delivery: Delivery) -> None:
        calls.append(delivery)
        raise RuntimeError("a bug on this input")

    await kit.broker.consume(t.parser_queue, crash, prefetch=1)
    dead = await kit.collect(t.dead_queue)
    await kit.broker.publish(t.raw, _raw())
    assert await wait(lambda: len(dead) == 1)

    assert DELIVERY_LIMIT + 1 == len(calls)
    assert [False] + [True] * DELIVERY_LIMIT == [d.redelivered for d in calls]
    assert list(range(1, DELIVERY_LIMIT + 1)) == [d.headers["x-delivery-count"] for d in calls[1:]]
    letter = dead[0]
    assert (b"<x/>", "m-1", FEED) == (letter.body, letter.message_id, letter.routing_key)
    assert "delivery_limit" == letter.headers["x-first-death-reason"]
    assert t.parser_queue == letter.headers["x-first-death-queue"]
    assert await kit.wait_depth(t.parser_queue, 0)


async def test_error_then_success_is_acked_and_not_dead_lettered(kit: BrokerKit) -> None:
    """A failure that heals: the redelivery succeeds and that is the end of it."""
    t = kit.topology
    calls: list[Delivery] = []

    async def flaky(delivery: Delivery) -> None:
        calls.append(delivery)
        if len(calls) == 1:
            raise ConnectionError("the next hop blinked")

    consumer = await kit.broker.consume(t.parser_queue, flaky, prefetch=1)
    await kit.broker.publish(t.raw, _raw())
    assert await wait(lambda: len(calls) == 2)
    await consumer.cancel()

    assert [False, True] == [d.redelivered for d in calls]
    assert await kit.wait_depth(t.parser_queue, 0)
    assert 0 == await kit.depth(t.dead_queue)


async def test_shutting_down_hands_the_message_back_untouched(kit: BrokerKit) -> None:
    """``ShuttingDown``: the message goes back to its queue (once this consumer takes no
    more) for the next consumer; it is not dead-lettered."""
    t = kit.topology
    refused: list[Delivery] = []

    async def closing(delivery: Delivery) -> None:
        refused.append(delivery)
        raise ShuttingDown("stopping")

    consumer = await kit.broker.consume(t.parser_queue, closing, prefetch=1)
    await kit.broker.publish(t.raw, _raw())
    assert await wait(lambda: len(refused) == 1)
    await consumer.cancel()
    assert await kit.wait_depth(t.parser_queue, 1)
    later = await kit.collect(t.parser_queue)
    assert await wait(lambda: len(later) == 1)

    assert (1, b"<x/>", "m-1") == (len(refused), later[0].body, later[0].message_id)
    assert 0 == await kit.depth(t.dead_queue)

