"""The RabbitMQ backend (aio-pika): robust connection, confirmed publishes, manual acks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import aio_pika
import aiormq
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from pamqp.common import Arguments

from shared.errors import RetryLater, Unprocessable
from shared.messaging.broker import Broker, Delivery, Handler, OutgoingMessage
from shared.messaging.topology import (
    DELIVER_ROUTING_KEY,
    DELIVERY_LIMIT,
    ERROR_HEADER,
    ORIGIN_QUEUE_HEADER,
    REASON_HEADER,
    Topology,
)

log = structlog.get_logger(__name__)

# Pause before requeueing after an unexpected error, so one bad moment is not a hot loop.
REQUEUE_DELAY_SECONDS = 0.5
CONNECT_TIMEOUT_SECONDS = 10.0

_BROKER_ERRORS = (aio_pika.exceptions.AMQPError, aiormq.exceptions.AMQPError, ConnectionError,
                  OSError, asyncio.TimeoutError, RuntimeError)


class RabbitMQBroker(Broker):
    """``Broker`` on RabbitMQ. Reconnects by itself and restores consumers after an outage."""

    def __init__(self, url: str, topology: Topology, *, connection_name: str = "kamerstroom"):
        self.topology = topology
        self._url = url
        self._connection_name = connection_name
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._consumers: list[tuple[AbstractQueue, str, AbstractChannel]] = []
        self._inflight: set[asyncio.Task[None]] = set()

    async def connect(self) -> None:
        try:
            self._connection = await aio_pika.connect_robust(
                self._url,
                timeout=CONNECT_TIMEOUT_SECONDS,
                client_properties={"connection_name": self._connection_name},
            )
            self._publish_channel = await self._connection.channel(
                publisher_confirms=True, on_return_raises=True
            )
            await self._declare(self._publish_channel)
        except _BROKER_ERRORS as exc:
            raise RetryLater(f"broker at {_safe_url(self._url)} does not answer: {exc}") from exc

    async def _declare(self, channel: AbstractChannel) -> None:
        """Declare exchanges, queues and bindings; safe to run any number of times."""
        t = self.topology
        for name in t.exchanges:
            self._exchanges[name] = await channel.declare_exchange(
                name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        arguments: Arguments = {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": t.dlx,
            "x-delivery-limit": DELIVERY_LIMIT,
        }
        for binding in t.bindings:
            args: Arguments = (
                arguments if binding.queue in t.work_queues else {"x-queue-type": "quorum"}
            )
            queue = await channel.declare_queue(binding.queue, durable=True, arguments=args)
            await queue.bind(self._exchanges[binding.exchange], binding.pattern)

    async def declare_retry_queues(self, delays: Sequence[float]) -> None:
        if self._publish_channel is None:
            raise RetryLater("not connected to the broker")
        t = self.topology
        exchange = self._exchanges.get(t.webhooks) or await self._exchange(t.webhooks)
        for seconds in delays:
            # Classic queues: per-message expiration (the jitter) works at the head of the queue.
            queue = await self._publish_channel.declare_queue(
                t.retry_queue(seconds), durable=True, arguments=retry_queue_arguments(t, seconds))
            await queue.bind(exchange, t.retry_routing_key(seconds))

    async def close(self) -> None:
        await self.cancel_consumers()
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def publish(self, exchange: str, message: OutgoingMessage, *,
                      mandatory: bool = True) -> None:
        target = self._exchanges.get(exchange)
        if target is None:
            target = await self._exchange(exchange)
        amqp_message = aio_pika.Message(
            body=message.body,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            headers=dict(message.headers),
            expiration=message.expiration,
        )
        try:
            await target.publish(amqp_message, routing_key=message.routing_key,
                                 mandatory=mandatory)
        except _BROKER_ERRORS as exc:
            raise RetryLater(f"publish to {exchange} not confirmed: {exc}") from exc

    async def _exchange(self, name: str) -> AbstractExchange:
        if self._publish_channel is None:
            raise RetryLater("not connected to the broker")
        try:
            exchange = await self._publish_channel.get_exchange(name, ensure=True)
        except _BROKER_ERRORS as exc:
            raise RetryLater(f"exchange {name} is not there: {exc}") from exc
        self._exchanges[name] = exchange
        return exchange

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        if self._connection is None:
            raise RetryLater("not connected to the broker")
        channel = await self._connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=prefetch)
        amqp_queue = await channel.get_queue(queue, ensure=True)

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await self._handle(queue, handler, message)
            finally:
                if task is not None:
                    self._inflight.discard(task)

        tag = await amqp_queue.consume(on_message, no_ack=False)
        self._consumers.append((amqp_queue, tag, channel))

    async def _handle(self, queue: str, handler: Handler,
                      message: AbstractIncomingMessage) -> None:
        delivery = _to_delivery(message)
        try:
            await handler(delivery)
        except Unprocessable as exc:
            await self._dead_letter(queue, delivery, exc)
            await message.ack()
        except asyncio.CancelledError:
            await _quiet_nack(message)
            raise
        except Exception as exc:  # any failure: requeue, the delivery limit ends loops
            log.warning("handler failed, requeueing", queue=queue, error=str(exc),
                        error_type=type(exc).__name__, message_id=delivery.message_id)
            await asyncio.sleep(REQUEUE_DELAY_SECONDS)
            await _quiet_nack(message)
        else:
            await message.ack()

    async def _dead_letter(self, queue: str, delivery: Delivery, exc: Unprocessable) -> None:
        """Copy the message to ``<ns>.dlx`` with the reason, keeping its original headers."""
        headers = {**delivery.headers, ERROR_HEADER: str(exc)[:1000],
                   REASON_HEADER: exc.reason, ORIGIN_QUEUE_HEADER: queue}
        await self.publish(self.topology.dlx, OutgoingMessage(
            body=delivery.body, routing_key=queue, message_id=delivery.message_id,
            content_type=delivery.content_type or "application/octet-stream", headers=headers,
        ))
        log.warning("dead-lettered", queue=queue, reason=exc.reason, error=exc.detail[:300],
                    message_id=delivery.message_id)

    async def cancel_consumers(self) -> None:
        consumers, self._consumers = self._consumers, []
        for queue, tag, channel in consumers:
            try:
                await queue.cancel(tag)
                await channel.close()
            except _BROKER_ERRORS:
                log.info("consumer already gone", queue=queue.name)

    def health(self) -> tuple[bool, str]:
        connection = self._connection
        if connection is None:
            return False, "not connected"
        if connection.is_closed or not connection.connected.is_set():
            return False, "connection to the broker is down"
        if self._publish_channel is None or self._publish_channel.is_closed:
            return False, "publish channel is closed"
        return True, "connected"

    @property
    def consumer_count(self) -> int:
        """How many consumers are registered (restored by aio-pika after reconnects)."""
        return len(self._consumers)


def _to_delivery(message: AbstractIncomingMessage) -> Delivery:
    return Delivery(
        body=message.body,
        routing_key=message.routing_key or "",
        exchange=message.exchange or "",
        message_id=message.message_id,
        headers=_plain_headers(message.headers),
        redelivered=bool(message.redelivered),
        content_type=message.content_type,
    )


def _plain_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (headers or {}).items()}


async def _quiet_nack(message: AbstractIncomingMessage) -> None:
    # If the channel is gone the broker requeues unacked messages by itself.
    with contextlib.suppress(*_BROKER_ERRORS):
        await message.nack(requeue=True)


def _safe_url(url: str) -> str:
    """The URL without its password, for error messages."""
    from yarl import URL

    try:
        return str(URL(url).with_password(None).with_user(None))
    except (ValueError, TypeError):
        return "<unparseable url>"


def retry_queue_arguments(topology: Topology, seconds: float) -> Arguments:
    """A retry queue holds messages up to 1.2 x its delay, then dead-letters them to delivery."""
    return {
        "x-message-ttl": max(1, round(seconds * 1200)),
        "x-dead-letter-exchange": topology.webhooks,
        "x-dead-letter-routing-key": DELIVER_ROUTING_KEY,
    }


async def delete_topology(url: str, topology: Topology) -> None:
    """Delete every queue and exchange of ``topology`` (tests and the demo clean up with it)."""
    connection = await aio_pika.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    async with connection:
        channel = await connection.channel()
        for binding in topology.bindings:
            await channel.queue_delete(binding.queue)
        for seconds in topology.retry_delays:
            await channel.queue_delete(topology.retry_queue(seconds))
        for name in topology.exchanges:
            await channel.exchange_delete(name)
