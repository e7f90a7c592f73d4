"""Exchange and queue names, all under one namespace so deployments can share a broker.

    <ns>.raw         fetcher -> parser         (topic; routing key: <feed>)
    <ns>.normalised  parser -> publisher       (topic; routing key: <feed>)
    <ns>.events      publisher -> subscribers  (topic; kamerbrief.<kind>.<ministry-code>)
    <ns>.dlx         dead letters              (topic; routing key: the queue that gave up)

Quorum queues ``<ns>.parser`` and ``<ns>.publisher`` dead-letter into ``<ns>.dlx``;
``<ns>.dead`` holds everything that ends there.
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


@dataclass(frozen=True)
class Binding:
    """A queue bound to an exchange with a routing-key pattern."""

    queue: str
    exchange: str
    pattern: str


@dataclass(frozen=True)
class Topology:
    """All names of one deployment, derived from its namespace."""

    namespace: str = "kamerstroom"

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
    def exchanges(self) -> tuple[str, ...]:
        return (self.raw, self.normalised, self.events, self.dlx)

    @property
    def work_queues(self) -> tuple[str, ...]:
        """Queues that dead-letter into ``dlx`` (consumed by our own services)."""
        return (self.parser_queue, self.publisher_queue)

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return (
            Binding(self.parser_queue, self.raw, "#"),
            Binding(self.publisher_queue, self.normalised, "#"),
            Binding(self.dead_queue, self.dlx, "#"),
        )
