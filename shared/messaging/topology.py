"""Exchange and queue names, all under one namespace so deployments can share a broker.

    <ns>.raw         fetcher -> parser         (topic; routing key: <feed>)
    <ns>.normalised  parser -> publisher       (topic; routing key: <feed>)
    <ns>.events      publisher -> subscribers  (topic; kamerbrief.<kind>.<ministry-code>)
    <ns>.dlx         dead letters              (topic; routing key: the queue that gave up)
    <ns>.webhooks    webhook deliveries        (topic; ``deliver`` or ``retry.<seconds>``)
    <ns>.fetch       documents to fetch again  (topic; routing key: <feed>)

Quorum queue ``<ns>.refetch`` (bound to ``<ns>.fetch``) is the fetcher's: a document the
fetcher dead-lettered (missing, too large, not XML) names it as its origin, so ``kamerstroom
dead requeue`` sends it there and the fetcher fetches it again from its feed record.

Quorum queues ``<ns>.parser`` and ``<ns>.publisher`` dead-letter into ``<ns>.dlx``;
``<ns>.dead`` holds everything that ends there.

Webhook retries wait in RabbitMQ: ``<ns>.retry.<seconds>`` queues hold a message for their
TTL, then dead-letter it back to ``<ns>.webhooks`` with routing key ``deliver``, which
routes to ``<ns>.deliveries`` (the publisher's delivery worker).
"""

from __future__ import annotations

from dataclasses import dataclass

# A message redelivered this many times (a crash loop, a bug on one input) is dead-lettered
# by the broker instead of blocking its queue forever.
DELIVERY_LIMIT = 20

# Header names on the wire (see docs/events.md).
ERROR_HEADER = "x-kamerstroom-error"
REASON_HEADER = "x-kamerstroom-reason"
ORIGIN_QUEUE_HEADER = "x-kamerstroom-queue"
CORRELATION_HEADER = "x-kamerstroom-correlation-id"
FEED_HEADER = "x-kamerstroom-feed"
UPSTREAM_ID_HEADER = "x-kamerstroom-upstream-id"


@dataclass(frozen=True)
class Binding:
    """A queue bound to an exchange with a routing-key pattern."""

    queue: str
    exchange: str
    pattern: str


# Routing key on ``<ns>.webhooks`` that reaches the delivery queue.
DELIVER_ROUTING_KEY = "deliver"


def seconds_label(seconds: float) -> str:
    """``5`` for 5.0, ``0.25`` for 0.25: the ``<seconds>`` in retry queue names."""
    return f"{seconds:g}"


@dataclass(frozen=True)
class Topology:
    """All names of one deployment, derived from its namespace.

    ``retry_delays`` are the webhook retry queues' delays in seconds (the publisher's
    ``KAMERSTROOM_WEBHOOK_RETRY_SCHEDULE`` without zeros); ``delete_topology`` uses them.
    """

    namespace: str = "kamerstroom"
    retry_delays: tuple[float, ...] = (1, 5, 300, 1800, 7200, 18000, 36000)

    @property
    def raw(self) -> str:
        return f"{self.namespace}.raw"

    @property
    def normalised(self) -> str:
        return f"{self.namespace}.normalised"

    @property
    def events(self) -> str:
        return f"{self.namespace}.events"

    @property
    def dlx(self) -> str:
        return f"{self.namespace}.dlx"

    @property
    def parser_queue(self) -> str:
        return f"{self.namespace}.parser"

    @property
    def publisher_queue(self) -> str:
        return f"{self.namespace}.publisher"

    @property
    def dead_queue(self) -> str:
        return f"{self.namespace}.dead"

    @property
    def webhooks(self) -> str:
        return f"{self.namespace}.webhooks"

    @property
    def deliveries_queue(self) -> str:
        return f"{self.namespace}.deliveries"

    def retry_queue(self, seconds: float) -> str:
        """``<ns>.retry.<seconds>``: holds a webhook delivery for ``seconds``."""
        return f"{self.namespace}.retry.{seconds_label(seconds)}"

    @staticmethod
    def retry_routing_key(seconds: float) -> str:
        """The routing key on ``<ns>.webhooks`` that reaches ``retry_queue(seconds)``."""
        return f"retry.{seconds_label(seconds)}"

    @property
    def fetch(self) -> str:
        return f"{self.namespace}.fetch"

    @property
    def refetch_queue(self) -> str:
        return f"{self.namespace}.refetch"

    @property
    def exchanges(self) -> tuple[str, ...]:
        return (self.raw, self.normalised, self.events, self.dlx, self.webhooks, self.fetch)

    @property
    def work_queues(self) -> tuple[str, ...]:
        """Queues that dead-letter into ``dlx`` (consumed by our own services)."""
        return (self.parser_queue, self.publisher_queue, self.deliveries_queue,
                self.refetch_queue)

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return (
            Binding(self.parser_queue, self.raw, "#"),
            Binding(self.publisher_queue, self.normalised, "#"),
            Binding(self.dead_queue, self.dlx, "#"),
            Binding(self.deliveries_queue, self.webhooks, DELIVER_ROUTING_KEY),
            Binding(self.refetch_queue, self.fetch, "#"),
        )
