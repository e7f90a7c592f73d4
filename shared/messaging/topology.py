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

Stream ``<ns>.events.log`` (``x-queue-type: stream``, bound to ``<ns>.events`` with ``#``)
keeps every public event for its retention (``event_log_max_age``, ``event_log_max_bytes``):
a subscriber replays it from an offset or a moment, then follows it live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.config import Settings

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


# RabbitMQ's ``x-max-age`` syntax: a whole number and one unit (years, months, days,
# hours, minutes, seconds), e.g. ``365D`` or ``12h``.
MAX_AGE_PATTERN = re.compile(r"^[1-9][0-9]*[YMDhms]$")
DEFAULT_EVENT_LOG_MAX_AGE = "365D"


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more words.

    The broker's own rule, for the places that filter without the broker: the in-memory
    backend's routing and the client-side bindings of a stream replay.
    """
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head in ("*", words[0])) and _match(rest, words[1:])


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
    ``event_log_max_age`` (``x-max-age`` syntax) and ``event_log_max_bytes`` (``None``: no
    size limit) are the event log's retention, fixed when the stream is first declared.
    ``delivery_limit`` is the work queues' ``x-delivery-limit``, also fixed at the first
    declare (tests use a small one to see the limit reached in a few deliveries).
    """

    namespace: str = "kamerstroom"
    retry_delays: tuple[float, ...] = (1, 5, 300, 1800, 7200, 18000, 36000)
    event_log_max_age: str = DEFAULT_EVENT_LOG_MAX_AGE
    event_log_max_bytes: int | None = None
    delivery_limit: int = DELIVERY_LIMIT

    @classmethod
    def of(cls, settings: Settings) -> Topology:
        """The topology a process declares: namespace and event-log retention from settings."""
        return cls(settings.namespace, event_log_max_age=settings.event_log_max_age,
                   event_log_max_bytes=settings.event_log_max_bytes)

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
    def event_log(self) -> str:
        """``<ns>.events.log``: the stream that keeps every event of ``<ns>.events``."""
        return f"{self.events}.log"

    @property
    def event_log_binding(self) -> Binding:
        """The stream takes everything; subscribers filter on their own side."""
        return Binding(self.event_log, self.events, "#")

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
