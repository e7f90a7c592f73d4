"""What the fault tests share: letters to feed, receivers that count, and the tally.

Letters are *constructed* from one real kst XML (``tests/fixtures/real``): each copy only
gets another ondernummer, so each is a distinct record with a distinct event id.
Receivers count events by CloudEvent ``id``. A missing record is a lost letter; a record
announced under two ids is a version published twice; a second arrival of the *same* id is
a redelivery, which at-least-once delivery allows and receivers drop by id (CloudEvents:
same source and id means the same event; Standard Webhooks: dedupe on ``webhook-id``).
Where no process dies, even redeliveries must be 0.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aiohttp import web

from shared.config import Settings
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.schema import RawDocument

FIXTURE = (Path(__file__).parents[1] / "fixtures" / "real" / "koop-officiele-publicaties-xml"
           / "kst-31839-1105-motie-full-metadata.xml")
FEED = "officielebekendmakingen"
# Messages a consumer holds unacked at once (the default KAMERSTROOM_PREFETCH): the most
# that a crash mid-stream can leave confirmed-but-unrecorded, and so re-send.
IN_FLIGHT_BOUND = Settings().prefetch
FIRST_NUMBER = 20000


def letter_id(i: int) -> str:
    """The record id of constructed letter ``i``."""
    return f"kst-31839-{FIRST_NUMBER + i}"


def letter_xml(i: int) -> bytes:
    """The real kst XML with ondernummer ``FIRST_NUMBER + i`` (identifier and number)."""
    number = str(FIRST_NUMBER + i)
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("kst-31839-1105", f"kst-31839-{number}")
    text = text.replace('content="1105"', f'content="{number}"')
    text = text.replace(">1105</ondernummer>", f">{number}</ondernummer>")
    return text.encode("utf-8")


def raw_message(i: int) -> OutgoingMessage:
    """Constructed letter ``i`` as the fetcher would queue it to ``<ns>.raw``."""
    upstream_id = letter_id(i)
    raw = RawDocument(feed=FEED, upstream_id=upstream_id, format="kst-xml",
                      url=f"http://127.0.0.1/frbr/{upstream_id}.xml", content_type="application/xml",
                      fetched_at=datetime.now(UTC), body=letter_xml(i))
    return OutgoingMessage(body=raw.model_dump_json().encode(), routing_key=FEED,
                           message_id=f"{FEED}:{upstream_id}",
                           headers={"x-kamerstroom-feed": FEED,
                                    "x-kamerstroom-upstream-id": upstream_id})


async def feed_letters(broker: RabbitMQBroker, numbers: Iterable[int]) -> int:
    """Publish constructed letters to ``<ns>.raw`` with confirms; return how many."""
    sent = 0
    for i in numbers:
        await broker.publish(broker.topology.raw, raw_message(i))
        sent += 1
    return sent


@dataclass
class Tally:
    """Arrivals per CloudEvent id, and the record id (subject) each id belongs to."""

    counts: Counter[str] = field(default_factory=Counter)
    subjects: dict[str, str] = field(default_factory=dict)

    def add(self, body: dict[str, Any]) -> None:
        event_id = str(body.get("id"))
        self.counts[event_id] += 1
        self.subjects[event_id] = str(body.get("subject"))

    @property
    def distinct_subjects(self) -> set[str]:
        return set(self.subjects.values())

    @property
    def duplicates(self) -> int:
        """Arrivals beyond the first, over all ids."""
        return sum(n - 1 for n in self.counts.values())

    def lost(self, expected: set[str]) -> int:
        """Expected record ids that never arrived."""
        return len(expected - self.distinct_subjects)

    def events_per_subject(self) -> int:
        """The most distinct event ids one record got (1 when no version was announced twice)."""
        per = Counter(self.subjects.values())
        return max(per.values(), default=0)


class FlakyWebhook:
    """A webhook receiver on a fixed loopback port that can go down and come back.

    Down means the port is closed (connection refused), as when the receiver crashed.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.tally = Tally()
        self.attempts_while_up = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.attempts_while_up += 1
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not JSON")
        self.tally.add(body)
        return web.Response(status=204)


class DurableSubscriber:
    """A queue subscriber with a durable quorum queue of its own, acking each event.

    Unlike an exclusive queue, it keeps events published while the broker or the
    subscriber's connection was away, so it sees exactly what a real subscriber would.
    """

    def __init__(self, amqp_url: str, topology: Topology) -> None:
        self._url = amqp_url
        self._exchange = topology.events
        self.queue_name = f"{topology.namespace}.test-subscriber"
        self.tally = Tally()
        self._connection: AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url, timeout=10,
                                                         reconnect_interval=1)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=100)
        exchange = await channel.declare_exchange(self._exchange, aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(self.queue_name, durable=True,
                                            arguments={"x-queue-type": "quorum"})
        await queue.bind(exchange, "#")
        await queue.consume(self._handle)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        self.tally.add(json.loads(message.body))
        await message.ack()

    async def stop(self) -> None:
        """Close the subscription and delete its queue (on a fresh connection: the robust
        one may be between reconnect attempts right after a broker restart)."""
        if self._connection is None:
            return
        await self._connection.close()
        self._connection = None
        async with await aio_pika.connect(self._url, timeout=10) as connection:
            channel = await connection.channel()
            await channel.queue_delete(self.queue_name)


def report(name: str, *, sent: int, expected: set[str], webhook: Tally, queue: Tally,
           dead: int) -> dict[str, int]:
    """Print the test's figures on one line and return them (for the assertions)."""
    figures = {
        "sent": sent,
        "webhook_received": sum(webhook.counts.values()),
        "webhook_lost": webhook.lost(expected),
        "webhook_redelivered": webhook.duplicates,
        "queue_received": sum(queue.counts.values()),
        "queue_lost": queue.lost(expected),
        "queue_redelivered": queue.duplicates,
        "versions_announced_twice": max(webhook.events_per_subject(),
                                        queue.events_per_subject(), 1) - 1,
        "dead_lettered": dead,
    }
    print(f"\n[{name}] " + " ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


def assert_recovered(figures: dict[str, int]) -> None:
    """The promises of a crash or an outage test: nothing lost, nothing dead-lettered, no
    version announced twice, and re-sends within one prefetch window.

    A crash or an outage between a confirmed send and its bookkeeping re-sends that event
    under the same id after recovery; only work in flight at that moment can be re-sent, so
    more than one prefetch window of it would mean replaying finished work.
    """
    assert 0 == figures["webhook_lost"], figures
    assert 0 == figures["queue_lost"], figures
    assert 0 == figures["dead_lettered"], figures
    assert figures["webhook_redelivered"] <= IN_FLIGHT_BOUND, figures
    assert figures["queue_redelivered"] <= IN_FLIGHT_BOUND, figures
    assert 0 == figures["versions_announced_twice"], figures
