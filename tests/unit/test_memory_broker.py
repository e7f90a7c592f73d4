"""The in-memory broker routes like a topic exchange and dead-letters like the real one."""

from __future__ import annotations

import pytest

from shared.errors import Unprocessable
from shared.messaging import Delivery, OutgoingMessage
from shared.messaging.memory import MemoryBroker
from shared.messaging.topology import ERROR_HEADER, REASON_HEADER, topic_matches


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("#", "kamerbrief.published.def", True),
        ("kamerbrief.published.#", "kamerbrief.published.def", True),
        ("kamerbrief.*.def", "kamerbrief.updated.def", True),
        ("kamerbrief.*.def", "kamerbrief.updated.ezk", False),
        ("kamerbrief.#", "kamerbrief", True),
        ("*.published", "kamerbrief.published.def", False),
    ],
)
def test_topic_matching(pattern: str, key: str, expected: bool) -> None:
    """``*`` matches one word and ``#`` zero or more, as in RabbitMQ."""
    assert expected == topic_matches(pattern, key)


async def test_unprocessable_goes_to_dead_letters_with_reason() -> None:
    """A handler raising Unprocessable puts the message on the dead queue with its reason."""
    broker = MemoryBroker()
    await broker.connect()

    async def refuse(_: Delivery) -> None:
        raise Unprocessable("malformed-xml", "line 1")

    await broker.consume(broker.topology.parser_queue, refuse, prefetch=1)
    await broker.publish(broker.topology.raw, OutgoingMessage(b"<x", "officielebekendmakingen",
                                                              headers={"a": "b"}))
    await broker.drain()
    await broker.close()
    dead = broker.queues[broker.topology.dead_queue]
    assert 1 == dead.qsize()
    _, message = dead.get_nowait()
    assert b"<x" == message.body
    assert "malformed-xml" == message.headers[REASON_HEADER]
    assert "malformed-xml: line 1" == message.headers[ERROR_HEADER]
    assert "b" == message.headers["a"]
