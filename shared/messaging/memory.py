"""An in-memory ``Broker`` for unit tests: topic routing, acks and dead-lettering, no I/O."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from shared.errors import RetryLater, ShuttingDown, Unprocessable
from shared.messaging.broker import Broker, Delivery, Handler, OutgoingMessage
from shared.messaging.topology import (
    DELIVER_ROUTING_KEY,
    ERROR_HEADER,
    ORIGIN_QUEUE_HEADER,
    REASON_HEADER,
    Topology,
    topic_matches,
)


class MemoryBroker(Broker):
    """Routes published messages to bound in-memory queues and runs handlers on them."""

    def __init__(self, topology: Topology | None = None) -> None:
        self.topology = topology or Topology()
        self.queues: dict[str, asyncio.Queue[tuple[str, OutgoingMessage]]] = defaultdict(
            asyncio.Queue
        )
        self.bindings: list[tuple[str, str, str]] = []  # (exchange, pattern, queue)
        self.published: list[tuple[str, OutgoingMessage]] = []
        self.retry_queues: dict[str, float] = {}
        self._held: set[asyncio.Future[None]] = set()
        self.up = False
        self._tasks: list[asyncio.Task[None]] = []
        self._consumed: set[str] = set()
        self._busy = 0
        self._delivering = True

    async def connect(self) -> None:
        self.up = True
        for b in self.topology.bindings:
            self.bind(b.exchange, b.pattern, b.queue)

    def bind(self, exchange: str, pattern: str, queue: str) -> None:
        """Bind ``queue`` to ``exchange`` (tests bind their own subscriber queues)."""
        self.bindings.append((exchange, pattern, queue))

    async def declare_retry_queues(self, delays: Sequence[float]) -> None:
        for seconds in delays:
            name = self.topology.retry_queue(seconds)
            self.retry_queues[name] = seconds
            self.bind(self.topology.webhooks, self.topology.retry_routing_key(seconds), name)

    async def close(self) -> None:
        await self.cancel_consumers()
        self.up = False

    async def publish(self, exchange: str, message: OutgoingMessage, *,
                      mandatory: bool = True) -> None:
        if not self.up:
            raise RetryLater("memory broker is down")
        self.published.append((exchange, message))
        targets = [q for ex, pat, q in self.bindings
                   if ex == exchange and topic_matches(pat, message.routing_key)]
        if mandatory and not targets:
            raise RetryLater(f"unroutable: {exchange} {message.routing_key}")
        for queue in targets:
            if queue in self.retry_queues:
                self._hold(queue, message)
            else:
                self.queues[queue].put_nowait((exchange, message))

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

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        self._consumed.add(queue)
        self._tasks.append(asyncio.create_task(self._run(queue, handler)))

    async def stop_deliveries(self) -> None:
        self._delivering = False

    async def _run(self, queue: str, handler: Handler) -> None:
        source = self.queues[queue]
        self._delivering = True
        while True:
            exchange, message = await source.get()
            if not self._delivering:  # stopped while waiting: this one stays in the queue
                source.put_nowait((exchange, message))
                return
            delivery = Delivery(body=message.body, routing_key=message.routing_key,
                                exchange=exchange, message_id=message.message_id,
                                headers=dict(message.headers), redelivered=False,
                                content_type=message.content_type)
            self._busy += 1
            try:
                await handler(delivery)
            except ShuttingDown:
                source.put_nowait((exchange, message))  # back to the queue untouched
                return
            except Unprocessable as exc:
                headers = {**message.headers, ERROR_HEADER: str(exc), REASON_HEADER: exc.reason,
                           ORIGIN_QUEUE_HEADER: queue}
                await self.publish(self.topology.dlx, OutgoingMessage(
                    body=message.body, routing_key=queue, message_id=message.message_id,
                    headers=headers))
            finally:
                self._busy -= 1

    async def cancel_consumers(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def health(self) -> tuple[bool, str]:
        return (True, "connected") if self.up else (False, "memory broker is down")

    async def queue_depths(self) -> dict[str, int]:
        if not self.up:
            raise RetryLater("memory broker is down")
        return {b.queue: self.queues[b.queue].qsize() for b in self.topology.bindings}

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until every consumed queue is empty and no handler runs (bounded by ``timeout``)."""
        async with asyncio.timeout(timeout):
            while self._busy or any(not self.queues[name].empty() for name in self._consumed):
                await asyncio.sleep(0.01)
