"""A dead letter from each producer goes back where it came from and is processed there.

One release is "broken": each consumer's first message fails as unprocessable, and the
SRU's one letter answers 404. That leaves one dead letter made by the fetcher, the parser,
the publisher and the webhook delivery worker. After the "fix", ``kamerstroom dead requeue
--all`` sends each back (one line each, exit 0), and each is processed: the letter is
fetched again, every event is published, every webhook is delivered; nothing stays dead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bench import corpus
from kamerstroom.cli import main
from kamerstroom.commands.dead import list_dead
from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from services.publisher.webhooks.schedule import RetryPolicy
from shared.config import Settings
from shared.errors import Unprocessable
from shared.messaging import Delivery, OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from tests.integration.publisher.conftest import ScriptedReceiver

SCHEDULE = [0.0, 0.2, 0.4]
LETTER_XML = "/frbr/officielepublicaties/kst/22112/"  # the replayed SRU letter's document
Handler = Callable[[Delivery], Awaitable[None]]


def break_first_message_of(queues: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every consumer of ``queues`` refuses the first message it gets (a broken release)."""
    original = RabbitMQBroker.consume
    broken = set(queues)

    async def consume(self: RabbitMQBroker, queue: str, handler: Handler, *, prefetch: int) -> None:
        async def first_fails(delivery: Delivery) -> None:
            if queue in broken:
                broken.discard(queue)
                raise Unprocessable("broken-release", f"the {queue} handler of a broken release")
            await handler(delivery)

        await original(self, queue, first_fails, prefetch=prefetch)

    monkeypatch.setattr(RabbitMQBroker, "consume", consume)


async def dead(settings: Settings) -> dict[str, Any]:
    letters = await list_dead(settings.amqp_url, Topology(settings.namespace), limit=50)
    return {str(letter.origin_queue): letter for letter in letters}


@pytest.mark.timeout(120)
async def test_a_dead_letter_of_each_producer_is_requeued_and_processed(
        settings: Settings, namespace: str, feed_server: FeedServer,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Four dead letters, one per producer; requeued with one command; all four processed."""
    topology = Topology(namespace)
    receiver = ScriptedReceiver(script=lambda n: 500 if n == 1 else 204)
    await receiver.start()
    config = settings.model_copy(update={
        "namespace": namespace, "sources": ["officielebekendmakingen"],
        "ob_sru_url": feed_server.sru_url, "start_date": feed_server.earliest_day(),
        "webhook_urls": [receiver.url], "webhook_allow_private": True,
        "webhook_retry_schedule": SCHEDULE, "poll_interval": 3600.0, "request_interval": 0.0})
    feed_server.faults.add(LETTER_XML, "404", times=None)
    break_first_message_of({topology.parser_queue, topology.publisher_queue,
                            topology.deliveries_queue}, monkeypatch)
    # The parser in a process of its own: in one with the publisher it would hand its
    # documents over in memory, and <ns>.publisher would see none of them.
    runtime = Runtime.create(config, ("fetcher", "publisher"))
    parser = Runtime.create(config, ("parser",))
    feeder = RabbitMQBroker(config.amqp_url, topology)
    await runtime.start()
    await parser.start()
    await feeder.connect()
    try:
        letters = corpus.letters(3, offset=70_000)
        for letter, origin in zip(letters, (topology.parser_queue, topology.publisher_queue,
                                            topology.deliveries_queue), strict=True):
            await feeder.publish(topology.raw, OutgoingMessage(
                body=corpus.raw_document(letter).model_dump_json().encode(), routing_key="file",
                message_id=letter.identifier))
            assert await _eventually(config, origin), f"no dead letter from {origin}"
        assert await _eventually(config, topology.refetch_queue), "none from the fetcher"

        feed_server.faults.clear()  # the fix
        monkeypatch.setenv("KAMERSTROOM_AMQP_URL", config.amqp_url)
        monkeypatch.setenv("KAMERSTROOM_NAMESPACE", namespace)
        status = await asyncio.to_thread(main, ["dead", "requeue", "--all"])  # a command of its own
        out, err = capsys.readouterr()
        delivered = await wait_for(lambda: len(_succeeded(receiver)) >= 4, timeout=40)
        remaining = await dead(config)
    finally:
        await feeder.close()
        await parser.stop()
        await runtime.stop()
        await receiver.stop()
        ladder = RetryPolicy(tuple(SCHEDULE)).ladder
        await delete_topology(config.amqp_url, Topology(namespace, retry_delays=ladder))

    assert 0 == status, err
    assert sorted([topology.refetch_queue, topology.parser_queue, topology.publisher_queue,
                   topology.deliveries_queue]) == sorted(
        line.rsplit(" -> ", 1)[1] for line in out.splitlines() if line.startswith("requeued "))
    assert "4 requeued, 0 not" in err
    assert delivered, f"{len(_succeeded(receiver))} of 4 events delivered"
    assert {"kst-99999-1", *(letter.identifier for letter in letters)} == _succeeded(receiver)
    assert {} == remaining


def _succeeded(receiver: ScriptedReceiver) -> set[str]:
    """Subjects of the events the receiver answered 204 (every request but the first)."""
    return {str(r.body.get("subject")) for r in receiver.requests[1:]}


async def _eventually(settings: Settings, origin: str, timeout: float = 30.0) -> bool:
    """Whether a dead letter from ``origin`` shows up within ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if origin in await dead(settings):
            return True
        await asyncio.sleep(0.2)
    return False
