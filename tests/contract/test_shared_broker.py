"""Services sharing one broker (``kamerstroom run``): stopping one leaves the others consuming."""

from __future__ import annotations

import services.parser
import services.publisher
from shared.config import Settings
from shared.messaging import OutgoingMessage
from shared.messaging.topology import DELIVER_ROUTING_KEY, ORIGIN_QUEUE_HEADER, REASON_HEADER
from tests.contract.conftest import RETRY_DELAYS, BrokerKit, wait


async def test_stopping_the_parser_leaves_the_publisher_consuming(
        kit: BrokerKit, settings: Settings) -> None:
    """After the parser stopped, its queue fills up, while the publisher still takes
    letters and its dispatcher still takes delivery jobs (two bad ones here, so each
    shows up in the dead letters with the queue it came from)."""
    t = kit.topology
    # The kit's retry queues, so that its clean-up deletes the ones the dispatcher declares.
    settings = settings.model_copy(update={"webhook_retry_schedule": list(RETRY_DELAYS)})
    publisher = services.publisher.build(settings, kit.broker)
    parser = services.parser.build(settings, kit.broker)
    await publisher.start()
    try:
        await parser.start()
        dead = await kit.collect(t.dead_queue)
        await parser.stop()
        await kit.broker.publish(t.raw, OutgoingMessage(b"{}", "officielebekendmakingen"))
        await kit.broker.publish(t.normalised, OutgoingMessage(b"{}", "officielebekendmakingen"))
        await kit.broker.publish(t.webhooks, OutgoingMessage(b"{}", DELIVER_ROUTING_KEY))
        assert await wait(lambda: len(dead) == 2)
    finally:
        await publisher.stop()

    assert {(t.publisher_queue, "bad-envelope"), (t.deliveries_queue, "bad-delivery-job")} == {
        (d.headers[ORIGIN_QUEUE_HEADER], d.headers[REASON_HEADER]) for d in dead}
    assert 1 == await kit.depth(t.parser_queue)
