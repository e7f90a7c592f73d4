"""A real Kamerstuk from the (replayed) SRU feed to a webhook and a queue subscriber."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import QueueSubscriber, WebhookReceiver, wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.messaging import Topology

SERVICES = ("fetcher", "parser", "publisher")


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_sru_letters_reach_webhook_and_queue(
    settings: Settings, namespace: str, feed_server: FeedServer, webhook_receiver: WebhookReceiver
) -> None:
    """The recorded Kamerstuk not known to be a motie becomes one published event on both
    channels; the two recorded moties are skipped by the fetcher."""
    config = settings.model_copy(update={
        "namespace": namespace, "sources": ["officielebekendmakingen"],
        "ob_sru_url": feed_server.sru_url, "webhook_urls": [webhook_receiver.url],
    })
    published = _metric("kamerstroom_events_total", type="published")
    delivered = _metric("kamerstroom_deliveries_total", outcome="delivered")
    subscriber = QueueSubscriber(config.amqp_url, Topology(namespace).events)
    await subscriber.start()
    runtime = Runtime.create(config, SERVICES)
    await runtime.start()

    def skipped() -> object:
        _, checks = runtime.server.readiness()
        return checks["fetcher.sources"]["detail"]["officielebekendmakingen"]["skipped"]

    try:
        arrived = await wait_for(lambda: len(webhook_receiver.received) >= 1
                                 and len(subscriber.received) >= 1
                                 and {"not-a-letter": 2} == skipped(), timeout=30)
    finally:
        await runtime.stop()
        await subscriber.stop()
    assert arrived, (len(webhook_receiver.received), len(subscriber.received))

    by_subject = {r.body["subject"]: r for r in subscriber.received}
    assert ["kst-24515-782"] == sorted(by_subject)
    event = by_subject["kst-24515-782"]
    assert "kamerbrief.published.unknown" == event.routing_key  # a motie names no ministry
    assert "nl.kamerstroom.kamerbrief.published" == event.body["type"]
    assert "1.0" == event.body["specversion"]
    assert str(uuid.UUID(event.body["id"])) == event.body["id"]
    record = event.body["data"]
    assert "kst-24515-782" == record["id"]
    assert {"number": "24515", "toevoeging": None} == record["dossier"]
    assert "782" == record["ondernummer"]
    assert ("2024-2025", "2025-02-06") == (record["vergaderjaar"], record["document_date"])
    assert record["urls"]["xml"].startswith(feed_server.url)
    assert "officielebekendmakingen" == record["sources"][0]["feed"]

    hooks = {r.body["subject"]: r for r in webhook_receiver.received}
    assert event.body == hooks["kst-24515-782"].body
    assert event.body["id"] == hooks["kst-24515-782"].headers["webhook-id"]

    # One trace follows the letter from the fetcher's publish to the webhook POST.
    trace_id = event.headers["traceparent"].split("-")[1]
    assert trace_id == hooks["kst-24515-782"].headers["traceparent"].split("-")[1]
    assert "kst-24515-782" == event.headers["x-kamerstroom-correlation-id"]
    assert published + 1 == _metric("kamerstroom_events_total", type="published")
    assert delivered + 1 == _metric("kamerstroom_deliveries_total", outcome="delivered")
