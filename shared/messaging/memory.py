"""An in-memory ``Broker`` for unit tests: topic routing, acks, redelivery and dead-lettering
as RabbitMQ's quorum queues do them, no I/O."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from shared.errors import RetryLater, ShuttingDown, Unprocessable
from shared.messaging.broker import Broker, Consumer, Delivery, Handler, OutgoingMessage
from shared.messaging.topology import (
    DELIVER_ROUTING_KEY,
    ERROR_HEADER,
    ORIGIN_QUEUE_HEADER,
    REASON_HEADER,
    Topology,
    topic_matches,
)

log = structlog.get_logger(__name__)

# RabbitMQ's header: how often a quorum queue's message was handed back unsettled.
DELIVERY_COUNT_HEADER = "x-delivery-count"
# Pause before a failed delivery goes back to its queue, so a handler that always fails
# on a queue without a delivery limit does not spin the event loop.
REQUEUE_DELAY_SECONDS = 0.01
# How long a handler refused at shutdown waits for its consumer to stop (as RabbitMQ's).
STOP_WAIT_SECONDS = 5.0


@dataclass
class Entry:
    """A message in a queue, with how often it came back unsettled (``x-delivery-count``)."""

    exchange: str
    message: OutgoingMessage
    returns: int = 0


class MemoryQueue:
    """The ready messages of one queue, oldest first; unsettled ones are not in it."""

    def __init__(self) -> None:
        self._ready: deque[Entry] = deque()
        self._filled = asyncio.Event()

    def put(self, entry: Entry, *, front: bool = False) -> None:
        """Append ``entry``; ``front`` for a returned message, delivered again first."""
        if front:
            self._ready.appendleft(entry)
        else:
            self._ready.append(entry)
        self._filled.set()

    async def take(self) -> Entry:
        """The next ready message, once there is one. Cancelling the wait takes nothing."""
        while not self._ready:
            self._filled.clear()
            await self._filled.wait()
        return self._ready.popleft()

    def qsize(self) -> int:
        return len(self._ready)

    def empty(self) -> bool:
        return not self._ready

    def get_nowait(self) -> tuple[str, OutgoingMessage]:
        """Remove the oldest ready message (tests read the dead queue with it)."""
        entry = self._ready.popleft()
        return entry.exchange, entry.message

    def messages(self) -> list[OutgoingMessage]:
        """The ready messages, oldest first, left in place."""
        return [entry.message for entry in self._ready]


class MemoryBroker(Broker):
    """Routes published messages to bound in-memory queues and runs handlers on them."""

    def __init__(self, topology: Topology | None = None) -> None:
        self.topology = topology or Topology()
        self.queues: dict[str, MemoryQueue] = {}
        self.bindings: list[tuple[str, str, str]] = []  # (exchange, pattern, queue)
        self.published: list[tuple[str, OutgoingMessage]] = []
        self.retry_queues: dict[str, float] = {}
        self._held: set[asyncio.Future[None]] = set()
        self.up = False
        self._consumers: list[MemoryConsumer] = []
        self._consumed: set[str] = set()

    def queue(self, name: str) -> MemoryQueue:
        """The queue called ``name``, made on first use (as the queues tests bind)."""
        return self.queues.setdefault(name, MemoryQueue())

    async def connect(self) -> None:
        self.up = True
        for b in self.topology.bindings:
            self.bind(b.exchange, b.pattern, b.queue)

    def bind(self, exchange: str, pattern: str, queue: str) -> None:
        """Bind ``queue`` to ``exchange`` (tests bind their own subscriber queues); binding
        twice is binding once, as in AMQP."""
        if (exchange, pattern, queue) not in self.bindings:
            self.bindings.append((exchange, pattern, queue))
        self.queue(queue)

    async def declare_retry_queues(self, delays: Sequence[float]) -> None:
        for seconds in delays:
            name = self.topology.retry_queue(seconds)
            self.retry_queues[name] = seconds
            self.bind(self.topology.webhooks, self.topology.retry_routing_key(seconds), name)

    async def close(self) -> None:
        await self.stop_deliveries()
        await asyncio.gather(*(consumer.cancel() for consumer in list(self._consumers)))
        self.up = False

    async def publish(self, exchange: str, message: OutgoingMessage, *,
                      mandatory: bool = True) -> None:
        if not self.up:
            raise RetryLater("memory broker is down")
        self.published.append((exchange, message))
        self._route(exchange, message, mandatory=mandatory)

    def _route(self, exchange: str, message: OutgoingMessage, *, mandatory: bool) -> None:
        targets = [q for ex, pat, q in self.bindings
                   if ex == exchange and topic_matches(pat, message.routing_key)]
        if mandatory and not targets:
            raise RetryLater(f"unroutable: {exchange} {message.routing_key}")
        for queue in targets:
            if queue in self.retry_queues:
                self._hold(queue, message)
            else:
                self.queue(queue).put(Entry(exchange, message))

    def _hold(self, queue: str, message: OutgoingMessage) -> None:
        """A retry queue: dead-letter back to delivery after the (message or queue) TTL."""
        ttl = self.retry_queues[queue] * 1.2
        if message.expiration is not None:
            ttl = min(ttl, message.expiration)
        back = OutgoingMessage(body=message.body, routing_key=DELIVER_ROUTING_KEY,
                               message_id=message.message_id, content_type=message.content_type,
                               headers=message.headers)
        asyncio.get_running_loop().call_later(ttl, self._release, back)

    def _release(self, message: OutgoingMessage) -> None:
        task = asyncio.ensure_future(self.publish(self.topology.webhooks, message))
        self._held.add(task)  # keep a reference until done, or the task may be collected
        task.add_done_callback(self._held.discard)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> Consumer:
        if not self.up:
            raise RetryLater("memory broker is down")
        self._consumed.add(queue)
        consumer = MemoryConsumer(self, queue, handler, prefetch)
        self._consumers.append(consumer)
        return consumer

    def forget(self, consumer: MemoryConsumer) -> None:
        """``consumer`` was cancelled: it no longer counts as one of this broker's."""
        with contextlib.suppress(ValueError):
            self._consumers.remove(consumer)

    async def stop_deliveries(self) -> None:
        for consumer in self._consumers:
            consumer.stop()

    async def dead_letter(self, queue: str, entry: Entry, exc: Unprocessable) -> None:
        """A consumer's ``Unprocessable``: copy to ``<ns>.dlx`` with the reason headers."""
        message = entry.message
        headers = {**message.headers, ERROR_HEADER: str(exc)[:1000], REASON_HEADER: exc.reason,
                   ORIGIN_QUEUE_HEADER: queue}
        await self.publish(self.topology.dlx, OutgoingMessage(
            body=message.body, routing_key=queue, message_id=message.message_id,
            content_type=message.content_type, headers=headers))

    def give_back(self, queue: str, entry: Entry) -> None:
        """A delivery came back unsettled: requeue it in front, or, once a work queue's
        delivery limit is passed, dead-letter it as RabbitMQ does (own routing key,
        ``x-first-death-*`` and ``x-death`` headers)."""
        entry.returns += 1
        if queue not in self.topology.work_queues or entry.returns <= self.topology.delivery_limit:
            self.queue(queue).put(entry, front=True)
            return
        message = entry.message
        death = {"count": 1, "reason": "delivery_limit", "queue": queue,
                 "exchange": entry.exchange, "routing-keys": [message.routing_key]}
        headers = {**message.headers, "x-death": [death], "x-first-death-queue": queue,
                   "x-first-death-reason": "delivery_limit",
                   "x-first-death-exchange": entry.exchange}
        log.warning("delivery limit reached, dead-lettered", queue=queue,
                    message_id=message.message_id)
        self._route(self.topology.dlx, OutgoingMessage(
            body=message.body, routing_key=message.routing_key, message_id=message.message_id,
            content_type=message.content_type, headers=headers), mandatory=False)

    def health(self) -> tuple[bool, str]:
        return (True, "connected") if self.up else (False, "memory broker is down")

    async def queue_depths(self) -> dict[str, int]:
        if not self.up:
            raise RetryLater("memory broker is down")
        return {b.queue: self.queue(b.queue).qsize() for b in self.topology.bindings}

    @property
    def busy(self) -> int:
        """Handlers running now, on every consumer."""
        return sum(consumer.busy for consumer in self._consumers)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until every consumed queue is empty and no handler runs (bounded by ``timeout``)."""
        async with asyncio.timeout(timeout):
            while self.busy or any(not self.queue(name).empty() for name in self._consumed):
                await asyncio.sleep(0.01)


class MemoryConsumer(Consumer):
    """Takes a message whenever fewer than ``prefetch`` are unsettled; each one's handler runs
    in a task of its own and settles it (ack, dead letter or requeue) when it ends."""

    def __init__(self, broker: MemoryBroker, queue: str, handler: Handler, prefetch: int) -> None:
        self.queue = queue
        self._broker = broker
        self._handler = handler
        self._slots = asyncio.Semaphore(max(1, prefetch))
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self._taking = asyncio.create_task(self._take(), name=f"consume {queue}")

    @property
    def busy(self) -> int:
        return len(self._handlers)

    async def _take(self) -> None:
        source = self._broker.queue(self.queue)
        while True:
            await self._slots.acquire()
            try:
                entry = await source.take()
            except asyncio.CancelledError:
                self._slots.release()
                raise
            task = asyncio.create_task(self._deliver(entry))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)

    async def _deliver(self, entry: Entry) -> None:
        try:
            await self._settle(entry)
        finally:
            self._slots.release()

    async def _settle(self, entry: Entry) -> None:
        """Run the handler on ``entry`` and settle it by the outcome (see ``Broker``)."""
        message = entry.message
        delivery = Delivery(body=message.body, routing_key=message.routing_key,
                            exchange=entry.exchange, message_id=message.message_id,
                            headers={**message.headers, DELIVERY_COUNT_HEADER: entry.returns},
                            redelivered=entry.returns > 0, content_type=message.content_type)
        try:
            await self._handler(delivery)
        except Unprocessable as exc:
            try:
                await self._broker.dead_letter(self.queue, entry, exc)
            except RetryLater:  # broker down: the dead-letter copy is not made, so retry it all
                self._broker.give_back(self.queue, entry)
        except asyncio.CancelledError:
            self._broker.give_back(self.queue, entry)
            raise
        except ShuttingDown:
            # Back once this consumer takes no more, or it would come straight back here.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), STOP_WAIT_SECONDS)
            self._broker.give_back(self.queue, entry)
        except Exception as exc:  # any failure: requeue, the delivery limit ends loops
            log.warning("handler failed, requeueing", queue=self.queue, error=str(exc),
                        error_type=type(exc).__name__, message_id=message.message_id)
            await asyncio.sleep(REQUEUE_DELAY_SECONDS)
            self._broker.give_back(self.queue, entry)

    def stop(self) -> None:
        """Take no new message; the handlers in flight go on."""
        self._stopped.set()
        self._taking.cancel()

    async def cancel(self) -> None:
        """Stop taking messages, then wait for the handlers in flight to settle theirs."""
        self.stop()
        await asyncio.gather(self._taking, return_exceptions=True)
        while self._handlers:
            await asyncio.gather(*list(self._handlers), return_exceptions=True)
        self._broker.forget(self)

