"""Consumers: the prefetch bound, cancelling one consumer, stopping deliveries, closing."""

from __future__ import annotations

import asyncio

from shared.messaging import Delivery, OutgoingMessage
from tests.contract.conftest import BrokerKit, wait

FEED = "officielebekendmakingen"
# How long a broker that does not wait for handlers in flight gets to show it: a correct
# one never gets there, however long this is, so it bounds only the failing case.
CHANCE_SECONDS = 0.5


def _message(i: int) -> OutgoingMessage:
    return OutgoingMessage(body=f"{i}".encode(), routing_key=FEED, message_id=f"m-{i}")


class Gate:
    """A handler that records each delivery, then waits until the test opens the gate."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.running = 0
        self.most_running = 0
        self.open = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        self.started.append(str(delivery.message_id))
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await self.open.wait()
        finally:
            self.running -= 1
        self.finished.append(str(delivery.message_id))


async def test_at_most_prefetch_deliveries_are_unsettled_and_run_at_once(kit: BrokerKit) -> None:
    """With prefetch 2 and five messages, two handlers run together and three messages
    wait in the queue; the rest come as those settle."""
    t = kit.topology
    gate = Gate()
    await kit.broker.consume(t.parser_queue, gate, prefetch=2)
    for i in range(5):
        await kit.broker.publish(t.raw, _message(i))

    assert await wait(lambda: len(gate.started) == 2)
    assert await kit.wait_depth(t.parser_queue, 3)
    assert 2 == len(gate.started)
    gate.open.set()
    assert await wait(lambda: len(gate.finished) == 5)
    assert 2 == gate.most_running
    assert await kit.wait_depth(t.parser_queue, 0)


async def test_cancelling_one_consumer_leaves_the_others_consuming(kit: BrokerKit) -> None:
    """Two consumers on one broker (as two services of one process): cancelling the first
    stops it only; the second goes on taking its messages."""
    t = kit.topology
    parsed: list[Delivery] = []
    published: list[Delivery] = []

    async def parser(delivery: Delivery) -> None:
        parsed.append(delivery)

    async def publisher(delivery: Delivery) -> None:
        published.append(delivery)

    first = await kit.broker.consume(t.parser_queue, parser, prefetch=1)
    await kit.broker.consume(t.publisher_queue, publisher, prefetch=1)
    await first.cancel()
    await kit.broker.publish(t.raw, _message(0))
    await kit.broker.publish(t.normalised, _message(1))

    assert await wait(lambda: len(published) == 1)
    assert await kit.wait_depth(t.parser_queue, 1)
    assert [] == parsed
    assert kit.broker.health()[0]


async def test_cancel_lets_the_handler_in_flight_finish_and_ack(kit: BrokerKit) -> None:
    """``cancel`` returns only after the handler in flight has finished; its message is
    acked (gone after a reconnect) and nothing new is delivered meanwhile."""
    t = kit.topology
    gate = Gate()
    consumer = await kit.broker.consume(t.parser_queue, gate, prefetch=1)
    await kit.broker.publish(t.raw, _message(0))
    assert await wait(lambda: len(gate.started) == 1)

    cancelling = asyncio.create_task(consumer.cancel())
    done, _ = await asyncio.wait({cancelling}, timeout=CHANCE_SECONDS)
    assert not done, "cancel returned while its handler was still running"
    await kit.broker.publish(t.raw, _message(1))
    gate.open.set()
    await cancelling

    assert (["m-0"], ["m-0"]) == (gate.started, gate.finished)
    await kit.broker.close()
    again = await kit.reopen()
    assert 1 == (await again.queue_depths())[t.parser_queue]  # only m-1, never delivered


async def test_cancel_twice_is_cancel_once(kit: BrokerKit) -> None:
    """Cancelling a cancelled consumer does nothing more (a service stopped twice)."""
    t = kit.topology
    handled: list[Delivery] = []

    async def keep(delivery: Delivery) -> None:
        handled.append(delivery)

    consumer = await kit.broker.consume(t.parser_queue, keep, prefetch=1)
    await consumer.cancel()
    await consumer.cancel()
    await kit.broker.publish(t.raw, _message(0))

    assert await kit.wait_depth(t.parser_queue, 1)
    assert [] == handled


async def test_stop_deliveries_returns_at_once_and_delivers_nothing_more(kit: BrokerKit) -> None:
    """``stop_deliveries`` does not wait for the handlers in flight, and afterwards no
    consumer gets anything new; the handler in flight still settles on cancel."""
    t = kit.topology
    gate = Gate()
    consumer = await kit.broker.consume(t.parser_queue, gate, prefetch=2)
    await kit.broker.publish(t.raw, _message(0))
    assert await wait(lambda: len(gate.started) == 1)

    async with asyncio.timeout(CHANCE_SECONDS * 10):  # bounds a broker that waits: it fails
        await kit.broker.stop_deliveries()
    assert 1 == gate.running
    await kit.broker.publish(t.raw, _message(1))
    gate.open.set()
    await consumer.cancel()

    assert ["m-0"] == gate.finished
    assert await kit.wait_depth(t.parser_queue, 1)


async def test_close_lets_handlers_in_flight_finish_and_ack(kit: BrokerKit) -> None:
    """``close`` cancels every consumer the same way: handlers finish, messages are acked."""
    t = kit.topology
    gate = Gate()
    await kit.broker.consume(t.parser_queue, gate, prefetch=3)
    for i in range(3):
        await kit.broker.publish(t.raw, _message(i))
    assert await wait(lambda: len(gate.started) == 3)

    closing = asyncio.create_task(kit.broker.close())
    done, _ = await asyncio.wait({closing}, timeout=CHANCE_SECONDS)
    assert not done, "close returned while handlers were still running"
    gate.open.set()
    await closing

    assert ["m-0", "m-1", "m-2"] == sorted(gate.finished)
    again = await kit.reopen()
    assert 0 == (await again.queue_depths())[t.parser_queue]
