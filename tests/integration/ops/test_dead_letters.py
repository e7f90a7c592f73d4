"""Poison messages end in ``<ns>.dead`` with their reason; ``kamerstroom dead`` shows and retries them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from kamerstroom.commands.dead import REQUEUED_HEADER, list_dead, requeue_dead
from kamerstroom.receivers import wait_for
from shared.errors import Unprocessable
from shared.messaging import Delivery, OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.topology import ORIGIN_QUEUE_HEADER, REASON_HEADER


@pytest.fixture
async def broker(namespace: str, amqp_url: str) -> AsyncIterator[RabbitMQBroker]:
    """A connected broker on the test's namespace."""
    b = RabbitMQBroker(amqp_url, Topology(namespace))
    await b.connect()
    yield b
    await b.close()


async def _poison_one(broker: RabbitMQBroker) -> list[bytes]:
    """Run a parser-queue consumer that rejects ``poison``; return what it accepted."""
    accepted: list[bytes] = []

    async def handler(delivery: Delivery) -> None:
        if delivery.body == b"poison":
            raise Unprocessable("malformed-xml", "line 1: not XML")
        accepted.append(delivery.body)

    consumer = await broker.consume(broker.topology.parser_queue, handler, prefetch=4)
    for i, body in enumerate([b"good-1", b"poison", b"good-2"]):
        await broker.publish(broker.topology.raw, OutgoingMessage(
            body=body, routing_key="officielebekendmakingen", message_id=f"m-{i}",
            headers={"x-kamerstroom-feed": "officielebekendmakingen"}))
    await wait_for(lambda: len(accepted) == 2, timeout=10)
    await consumer.cancel()
    return accepted


async def test_poison_is_dead_lettered_with_reason_and_original_headers(
        broker: RabbitMQBroker, amqp_url: str) -> None:
    """The poison message lands in the dead queue with reason, origin and its own headers."""
    accepted = await _poison_one(broker)
    letters = await list_dead(amqp_url, broker.topology, limit=10)

    assert [b"good-1", b"good-2"] == sorted(accepted)
    assert ["m-1"] == [letter.id for letter in letters]
    letter = letters[0]
    assert "malformed-xml" == letter.reason
    assert broker.topology.parser_queue == letter.origin_queue
    assert "officielebekendmakingen" == letter.headers["x-kamerstroom-feed"]
    assert "malformed-xml" == letter.headers[REASON_HEADER]
    assert broker.topology.parser_queue == letter.headers[ORIGIN_QUEUE_HEADER]


async def test_listing_does_not_remove_dead_letters(broker: RabbitMQBroker, amqp_url: str) -> None:
    """Listing twice shows the same letter: a peek, not a take."""
    await _poison_one(broker)
    first = await list_dead(amqp_url, broker.topology, limit=10)
    second = await list_dead(amqp_url, broker.topology, limit=10)
    assert [x.id for x in first] == [x.id for x in second] == ["m-1"]


async def test_requeue_moves_the_letter_back_to_its_queue(broker: RabbitMQBroker, amqp_url: str) -> None:
    """Requeue by id puts the message back on its origin queue and empties the dead queue."""
    await _poison_one(broker)
    moved = await requeue_dead(amqp_url, broker.topology, {"m-1"})
    back: list[Delivery] = []

    async def handler(delivery: Delivery) -> None:
        back.append(delivery)

    await broker.consume(broker.topology.parser_queue, handler, prefetch=4)
    await wait_for(lambda: len(back) == 1, timeout=10)
    remaining = await list_dead(amqp_url, broker.topology, limit=10)

    assert [("m-1", None)] == [(o.letter.id, o.problem) for o in moved]
    assert [b"poison"] == [d.body for d in back]
    assert 1 == back[0].headers[REQUEUED_HEADER]
    assert REASON_HEADER not in back[0].headers
    assert [] == remaining


async def test_requeue_of_unknown_id_keeps_everything(broker: RabbitMQBroker, amqp_url: str) -> None:
    """Asking for an id that is not there moves nothing and loses nothing."""
    await _poison_one(broker)
    moved = await requeue_dead(amqp_url, broker.topology, {"no-such-id"})
    remaining = await list_dead(amqp_url, broker.topology, limit=10)
    assert [] == moved
    assert ["m-1"] == [x.id for x in remaining]


async def test_dead_list_command_prints_json(broker: RabbitMQBroker, amqp_url: str, namespace: str) -> None:
    """``kamerstroom dead list --json`` prints one object per dead letter with its reason."""
    await _poison_one(broker)
    env = {"KAMERSTROOM_AMQP_URL": amqp_url, "KAMERSTROOM_NAMESPACE": namespace, "PATH": ""}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "kamerstroom", "dead", "list", "--json"],
        env=env, capture_output=True, text=True, timeout=30)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert 0 == done.returncode, done.stderr
    assert [("m-1", "malformed-xml", broker.topology.parser_queue)] == [
        (r["id"], r["reason"], r["origin_queue"]) for r in rows]


async def test_unknown_namespace_gives_one_clear_line(amqp_url: str, namespace: str) -> None:
    """``dead list`` on a namespace without a dead queue says so in one line, exit status 2."""
    env = {"KAMERSTROOM_AMQP_URL": amqp_url, "KAMERSTROOM_NAMESPACE": namespace, "PATH": ""}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "kamerstroom", "dead", "list"],
        env=env, capture_output=True, text=True, timeout=30)
    assert 2 == done.returncode
    assert [f"kamerstroom: there is no queue {namespace}.dead: is KAMERSTROOM_NAMESPACE right, "
            "and has a service of it run?"] == done.stderr.strip().splitlines()
