"""``kamerstroom demo``: the whole pipeline on replayed real feed responses, on this machine.

Starts the local feed server, a webhook receiver and a queue subscriber, runs all three
services against the broker under a fresh namespace, prints every event as both
receivers get it, prints a summary, cleans the namespace up, and exits 0 on success.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import QueueSubscriber, Received, WebhookReceiver, wait_for
from kamerstroom.runtime import Runtime, connect_with_retry
from shared.config import Settings
from shared.errors import RetryLater
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology

SERVICES = ("fetcher", "parser", "publisher")
WAIT_SECONDS = 60.0


def describe(channel: str, item: Received) -> str:
    """One line for an event as ``channel`` received it."""
    event = item.body
    data = event.get("data") or {}
    key = f" [{item.routing_key}]" if item.routing_key else ""
    title = (data.get("title") or data.get("subject") or "")[:70]
    return f"{channel:<8} <- {event.get('type', '?').rsplit('.', 1)[-1]} {event.get('subject')}{key} {title}"


async def run_demo(base: Settings) -> int:
    """Run the demo; returns the exit status."""
    namespace = f"{base.namespace}-demo-{uuid.uuid4().hex[:8]}"
    feeds, webhook = FeedServer(), WebhookReceiver(on_event=lambda r: print(describe("webhook", r)))
    await feeds.start()
    await webhook.start()
    with tempfile.TemporaryDirectory(prefix="kamerstroom-demo-") as data_dir:
        settings = base.model_copy(update={
            "namespace": namespace, "data_dir": Path(data_dir), "http_port": 0,
            "http_host": "127.0.0.1", "sources": ["officielebekendmakingen"],
            "ob_sru_url": feeds.sru_url, "webhook_urls": [webhook.url],
            "webhook_allow_private": True, "request_interval": 0.0, "poll_interval": 3600.0,
        })
        try:
            return await _pipeline(settings, webhook, expected=_expected(feeds))
        finally:
            await webhook.stop()
            await feeds.stop()


def _expected(feeds: FeedServer) -> int:
    from kamerstroom.feedserver.app import DOCS_KEY

    return len(feeds.app[DOCS_KEY])


async def _pipeline(settings: Settings, webhook: WebhookReceiver, expected: int) -> int:
    topology = Topology(settings.namespace)
    probe = RabbitMQBroker(settings.amqp_url, topology)
    try:
        await connect_with_retry(probe, attempts=3)
    except RetryLater as exc:
        print(f"demo: {exc}. Start RabbitMQ (e.g. `rabbitmq-server -detached`) or set "
              "KAMERSTROOM_AMQP_URL.")
        return 1
    await probe.close()
    subscriber = QueueSubscriber(settings.amqp_url, topology.events,
                                 on_event=lambda r: print(describe("queue", r)))
    await subscriber.start()
    runtime = Runtime.create(settings, SERVICES)
    try:
        await runtime.start()
        print(f"demo: pipeline running (namespace {settings.namespace}); "
              f"replaying {expected} recorded documents")
        await wait_for(lambda: len(webhook.received) >= expected
                       and len(subscriber.received) >= expected, WAIT_SECONDS)
    finally:
        await runtime.stop()
        await subscriber.stop()
        await delete_topology(settings.amqp_url, topology)
    return _summary(expected, webhook.received, subscriber.received)


def _summary(expected: int, hooks: list[Received], queue: list[Received]) -> int:
    ok = len(hooks) == expected and len(queue) == expected
    print(f"demo: {expected} letters in the feed, {len(hooks)} events by webhook, "
          f"{len(queue)} by queue subscriber: {'ok' if ok else 'INCOMPLETE'}")
    return 0 if ok else 1
