"""A real Kamerstuk from the (replayed) SRU feed to a webhook and a queue subscriber."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import QueueSubscriber, WebhookReceiver, wait_for
from kamerstroom.runtime import Runtime
from shared.config import Settings
from shared.messaging import Topology

LETTER = "kst-99999-1"
SERVICES = ("fetcher", "parser", "publisher")


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_sru_letters_reach_webhook_and_queue(
    settings: Settings, namespace: str, feed_server: FeedServer, webhook_receiver: WebhookReceiver,
    database_url: str | None,
) -> None:
    """The real SRU page's letter (kst-22112-3185, its XML the marked constructed letter)
    becomes one published event on both channels; moties and non-Kamerstukken are skipped."""
    config = settings.model_copy(update={
        "namespace": namespace, "sources": ["officielebekendmakingen"],
        "ob_sru_url": feed_server.sru_url, "webhook_urls": [webhook_receiver.url],
        "database_url": database_url,  # the whole pipeline on each state backend
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
                                 and {"not-a-letter": 3, "not-a-kamerstuk": 9} == skipped(),
                                 timeout=30)
    finally:
        await runtime.stop()
        await subscriber.stop()
    assert arrived, (len(webhook_receiver.received), len(subscriber.received))

    by_subject = {r.body["subject"]: r for r in subscriber.received}
    # The record's id is the one the served document declares (the constructed letter's
    # placeholder kst-99999-1); its source is the real SRU record.
    assert [LETTER] == sorted(by_subject)
    event = by_subject[LETTER]
    assert "kamerbrief.published.def" == event.routing_key
    assert "nl.kamerstroom.kamerbrief.published" == event.body["type"]
    assert "1.0" == event.body["specversion"]
    assert str(uuid.UUID(event.body["id"])) == event.body["id"]
    record = event.body["data"]
    assert LETTER == record["id"]
    assert ("tk", "2021-10-13T12:30:16.366356Z") == (record["chamber"],
                                                     record["sources"][0]["upstream_time"])
    assert ("officielebekendmakingen", "kst-22112-3185") == (
        record["sources"][0]["feed"], record["sources"][0]["upstream_id"])
    assert any("upstream_kst_id differs" in w for w in record["warnings"])  # the pairing shows
    assert record["urls"]["xml"].startswith(feed_server.url)

    hooks = {r.body["subject"]: r for r in webhook_receiver.received}
    assert event.body == hooks[LETTER].body
    assert event.body["id"] == hooks[LETTER].headers["webhook-id"]

    # One trace follows the letter from the fetcher's publish to the webhook POST.
    trace_id = event.headers["traceparent"].split("-")[1]
    assert trace_id == hooks[LETTER].headers["traceparent"].split("-")[1]
    assert LETTER == event.headers["x-kamerstroom-correlation-id"]
    assert published + 1 == _metric("kamerstroom_events_total", type="published")
    assert delivered + 1 == _metric("kamerstroom_deliveries_total", outcome="delivered")
