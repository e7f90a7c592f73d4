"""The broker interface the services program against; RabbitMQ and in-memory implement it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.messaging.topology import Topology


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to publish. ``message_id`` should be stable for idempotent consumers."""

    body: bytes
    routing_key: str
    message_id: str | None = None
    content_type: str = "application/json"
    headers: Mapping[str, Any] = field(default_factory=dict)
    expiration: float | None = None


@dataclass(frozen=True)
class Delivery:
    """A message handed to a consumer's handler."""

    body: bytes
    routing_key: str
    exchange: str
    message_id: str | None
    headers: Mapping[str, Any]
    redelivered: bool
    content_type: str | None = None


Handler = Callable[[Delivery], Awaitable[None]]


class Consumer(ABC):
    """One consumer, as ``Broker.consume`` started it: cancelling it stops this one only.

    Other consumers on the same broker (other services of the same process) go on.
    """

    queue: str

    @abstractmethod
    async def cancel(self) -> None:
        """Take no new deliveries; return once the handlers in flight have finished and
        their messages are settled (acked, dead-lettered or requeued). Idempotent."""


class Broker(ABC):
    """Publish with confirms; consume with ack after the handler returns.

    Handler outcome -> what the broker does with the delivery:
      returns normally          -> ack
      raises ``Unprocessable``  -> copy to ``<ns>.dlx`` with the reason headers, then ack
      raises ``ShuttingDown``   -> requeue, once this consumer takes no more deliveries
      raises anything else      -> nack with requeue: redelivered (``redelivered`` set,
                                   ``x-delivery-count`` header); a work queue's delivery
                                   that failed more than ``topology.delivery_limit`` times
                                   is dead-lettered by the broker to ``<ns>.dlx`` with its
                                   own routing key and ``x-first-death-reason:
                                   delivery_limit``

    A consumer has at most ``prefetch`` deliveries unsettled; their handlers run
    concurrently.
    """

    topology: Topology

    @abstractmethod
    async def connect(self) -> None:
        """Connect and declare the topology (idempotent). Raises ``RetryLater`` if down."""

    @abstractmethod
    async def close(self) -> None:
        """Cancel every consumer (handlers in flight finish and settle), then close the
        connection."""

    @abstractmethod
    async def publish(self, exchange: str, message: OutgoingMessage, *,
                      mandatory: bool = True) -> None:
        """Publish persistently and return once the broker confirmed it.

        ``mandatory`` makes an unroutable message an error (not for ``<ns>.events``, where
        having no subscriber is normal).

        Raises ``RetryLater`` when the broker is unreachable or refuses the message.
        """

    @abstractmethod
    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> Consumer:
        """Start delivering messages from ``queue`` to ``handler``; returns at once with the
        consumer, whose ``cancel`` stops it. Raises ``RetryLater`` when not connected."""

    @abstractmethod
    async def stop_deliveries(self) -> None:
        """Ask the broker to deliver nothing more to any consumer, at once, without waiting
        for the handlers in flight (shutdown's first step; each service then cancels its
        consumer, and ``close`` cancels any left)."""

    @abstractmethod
    async def declare_retry_queues(self, delays: Sequence[float]) -> None:
        """Declare ``<ns>.retry.<seconds>`` for each delay (idempotent).

        A message published to ``<ns>.webhooks`` with ``retry.<seconds>`` waits there for
        at most ``1.2 * seconds`` (less if its own ``expiration`` is shorter), then goes
        back to ``<ns>.deliveries``.
        """

    @abstractmethod
    def health(self) -> tuple[bool, str]:
        """Whether the connection and channels are open, with a reason when not."""

    async def queue_depths(self) -> dict[str, int]:
        """Messages waiting in each queue of the topology, for metrics and ``/readyz``.

        Backends that cannot tell cheaply return ``{}``; ``RetryLater`` when unreachable.
        """
        return {}
