"""The RabbitMQ backend (aio-pika): robust connection, confirmed publishes, manual acks."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
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

from shared import metrics, tracing
from shared.errors import ConfigError, RetryLater, ShuttingDown, Unprocessable
from shared.messaging.broker import Broker, Consumer, Delivery, Handler, OutgoingMessage
from shared.messaging.topology import (
    DELIVER_ROUTING_KEY,
    ERROR_HEADER,
    ORIGIN_QUEUE_HEADER,
    REASON_HEADER,
    Topology,
)

log = structlog.get_logger(__name__)

# Pause before requeueing after an unexpected error, so one bad moment is not a hot loop.
REQUEUE_DELAY_SECONDS = 0.5
# How long a handler refused at shutdown waits for the consumer's cancel before its nack.
STOP_WAIT_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 10.0
# During a broker outage a publish waits this long for the reconnect before it fails with
# ``RetryLater`` (the caller's message is then nacked and retried: never lost).
PUBLISH_WAIT_SECONDS = 5.0
# Pause between reconnect attempts during an outage (aio-pika's default is 5 s; a short
# outage, such as a broker restart, should cost seconds, not a multiple of five).
RECONNECT_INTERVAL_SECONDS = 2.0

_BROKER_ERRORS = (aio_pika.exceptions.AMQPError, aiormq.exceptions.AMQPError, ConnectionError,
                  OSError, asyncio.TimeoutError, RuntimeError)


class RabbitMQBroker(Broker):
    """``Broker`` on RabbitMQ. Reconnects by itself and restores consumers after an outage.

    Every delivery's handler runs with the message's trace context bound (``shared.tracing``)
    and every publish carries it on; both are counted in ``shared.metrics``.
    """

    def __init__(self, url: str, topology: Topology, *, connection_name: str = "kamerstroom",
                 publish_wait: float = PUBLISH_WAIT_SECONDS):
        self.topology = topology
        self._url = url
        self._connection_name = connection_name
        self._publish_wait = publish_wait
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._sample_channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._consumers: list[RabbitMQConsumer] = []
        self._closing = False
        self._retry_queues: set[str] = set()  # declared by the publisher; sampled for depth
        # aio-pika sets ``connected`` before it restores channels and consumers; health
        # waits for the restore to finish (its reconnect callback), not for the socket.
        self._restored = False
        self._declared = False  # the last connect got through: connecting again is a no-op

    async def connect(self) -> None:
        if self._declared and self._connection is not None and not self._connection.is_closed:
            return  # connected: one connection, which reconnects by itself (not a second one)
        try:
            self._connection = await aio_pika.connect_robust(
                self._url,
                timeout=CONNECT_TIMEOUT_SECONDS,
                client_properties={"connection_name": self._connection_name},
                reconnect_interval=RECONNECT_INTERVAL_SECONDS,
            )
            self._connection.reconnect_callbacks.add(self._on_reconnect)
            self._connection.close_callbacks.add(self._on_connection_lost)
            self._publish_channel = await self._connection.channel(
                publisher_confirms=True, on_return_raises=True
            )
            await self._declare(self._publish_channel)
            await self._declare_event_log(self._connection)
        except aiormq.exceptions.ProbableAuthenticationError as exc:
            # A wrong user or password never heals by retrying: say so once, at start.
            raise ConfigError(f"the broker at {_safe_url(self._url)} refused the login "
                              f"(ACCESS_REFUSED): check the user and password in "
                              f"KAMERSTROOM_AMQP_URL") from exc
        except _BROKER_ERRORS as exc:
            if "NOT_ALLOWED" in str(exc) or "ACCESS_REFUSED" in str(exc):
                raise ConfigError(f"the broker at {_safe_url(self._url)} refused access: {exc}; "
                                  "check the user's permissions and the vhost in "
                                  "KAMERSTROOM_AMQP_URL") from exc
            raise RetryLater(f"broker at {_safe_url(self._url)} does not answer: {exc}") from exc
        self._restored = True
        self._declared = True
        metrics.BROKER_CONNECTED.set(1)

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
            "x-delivery-limit": t.delivery_limit,
        }
        for binding in t.bindings:
            args: Arguments = (
                arguments if binding.queue in t.work_queues else {"x-queue-type": "quorum"}
            )
            queue = await channel.declare_queue(binding.queue, durable=True, arguments=args)
            await queue.bind(self._exchanges[binding.exchange], binding.pattern)

    async def _declare_event_log(self, connection: AbstractRobustConnection) -> None:
        """Declare the stream ``<ns>.events.log`` and bind it to ``<ns>.events``.

        A stream's retention is fixed when it is first declared: if it exists with other
        arguments (an operator changed ``KAMERSTROOM_EVENT_LOG_*``), or the broker has no
        streams, this logs one warning and goes on, because the live events do not depend
        on the log. It uses a channel of its own, since the broker closes the channel of a
        refused declare.
        """
        t = self.topology
        channel = await connection.channel(publisher_confirms=False)
        try:
            queue = await channel.declare_queue(t.event_log, durable=True,
                                                arguments=dict(event_log_arguments(t)))
            await queue.bind(t.events, t.event_log_binding.pattern)
        except aiormq.exceptions.ChannelClosed as exc:
            log.warning("event log not declared as configured; the broker keeps the one it "
                        "has (see docs/events.md, retention)", stream=t.event_log,
                        wanted=event_log_arguments(t), error=str(exc))
        finally:
            with contextlib.suppress(*_BROKER_ERRORS):
                await channel.close()

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
            self._retry_queues.add(t.retry_queue(seconds))

    async def close(self) -> None:
        """Stop consumers, let in-flight handlers finish, then close the connection.

        The caller bounds this in time; if it is cancelled, the connection is still closed
        and the broker requeues whatever was not acked (redelivered to the next consumer).
        """
        try:
            await self.stop_deliveries()
            await asyncio.gather(*(consumer.cancel() for consumer in list(self._consumers)))
        finally:
            self._closing = True
            connection, self._connection = self._connection, None
            self._declared = False
            if connection is not None:
                with contextlib.suppress(*_BROKER_ERRORS):
                    await asyncio.shield(connection.close())
            metrics.BROKER_CONNECTED.set(0)

    async def publish(self, exchange: str, message: OutgoingMessage, *,
                      mandatory: bool = True) -> None:
        """Publish with the current trace context stamped on the headers (see ``tracing``)."""
        headers = tracing.outgoing_headers(message.headers)
        await self._publish(exchange, message, headers, mandatory=mandatory)

    async def _publish(self, exchange: str, message: OutgoingMessage, headers: dict[str, Any],
                       *, mandatory: bool) -> None:
        await self._await_connection()
        target = self._exchanges.get(exchange)
        if target is None:
            target = await self._exchange(exchange)
        amqp_message = aio_pika.Message(
            body=message.body,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            headers=headers,
            expiration=message.expiration,
        )
        try:
            await target.publish(amqp_message, routing_key=message.routing_key,
                                 mandatory=mandatory)
        except _BROKER_ERRORS as exc:
            metrics.BROKER_PUBLISHES.labels(exchange=exchange, outcome="failed").inc()
            raise RetryLater(f"publish to {exchange} not confirmed: {exc}") from exc
        metrics.BROKER_PUBLISHES.labels(exchange=exchange, outcome="confirmed").inc()

    async def _await_connection(self) -> None:
        """During an outage, wait (bounded) for aio-pika's reconnect rather than fail at once."""
        connection = self._connection
        if connection is None:
            raise RetryLater("not connected to the broker")
        if connection.connected.is_set():
            return
        try:
            async with asyncio.timeout(self._publish_wait):
                await connection.connected.wait()
        except TimeoutError:
            raise RetryLater(f"broker still down after {self._publish_wait}s") from None

    async def _exchange(self, name: str) -> AbstractExchange:
        if self._publish_channel is None:
            raise RetryLater("not connected to the broker")
        try:
            exchange = await self._publish_channel.get_exchange(name, ensure=True)
        except _BROKER_ERRORS as exc:
            raise RetryLater(f"exchange {name} is not there: {exc}") from exc
        self._exchanges[name] = exchange
        return exchange

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> Consumer:
        """A consumer on a channel of its own, so that its prefetch and its cancel are its own."""
        if self._connection is None:
            raise RetryLater("not connected to the broker")
        channel = await self._connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=prefetch)
        amqp_queue = await channel.get_queue(queue, ensure=True)
        consumer = RabbitMQConsumer(queue, amqp_queue, channel, forget=self._consumers.remove)

        async def on_message(message: AbstractIncomingMessage) -> None:
            async with consumer.in_flight():
                await self._handle(consumer, handler, message)

        consumer.tag = await amqp_queue.consume(on_message, no_ack=False)
        self._consumers.append(consumer)
        return consumer

    async def _handle(self, consumer: RabbitMQConsumer, handler: Handler,
                      message: AbstractIncomingMessage) -> None:
        queue = consumer.queue
        delivery = _to_delivery(message)
        started = time.perf_counter()
        with tracing.bind_from_headers(delivery.headers):
            outcome = await self._run_handler(consumer, handler, delivery, message)
        metrics.HANDLER_SECONDS.labels(queue=queue).observe(time.perf_counter() - started)
        metrics.BROKER_CONSUMED.labels(queue=queue, outcome=outcome).inc()

    async def _run_handler(self, consumer: RabbitMQConsumer, handler: Handler,
                           delivery: Delivery, message: AbstractIncomingMessage) -> str:
        """Run ``handler`` and settle the message; return the outcome for the metrics."""
        queue = consumer.queue
        try:
            await handler(delivery)
        except Unprocessable as exc:
            try:
                await self._dead_letter(queue, delivery, exc)
            except RetryLater as failed:  # the dead-letter copy is not confirmed: retry it all
                log.warning("dead-letter not confirmed, requeueing", queue=queue,
                            error=str(failed), message_id=delivery.message_id)
                await _quiet_nack(message)
                return "requeue"
            await message.ack()
            return "dead-letter"
        except asyncio.CancelledError:
            await _quiet_nack(message)
            raise
        except ShuttingDown:
            # Back to the broker untouched, once it delivers no more to this consumer (a nack
            # before that would only bring the message straight back here).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(consumer.stopped.wait(), STOP_WAIT_SECONDS)
            await _quiet_nack(message)
            return "requeue"
        except Exception as exc:  # any failure: requeue, the delivery limit ends loops
            log.warning("handler failed, requeueing", queue=queue, error=str(exc),
                        error_type=type(exc).__name__, message_id=delivery.message_id)
            await asyncio.sleep(REQUEUE_DELAY_SECONDS)
            await _quiet_nack(message)
            return "requeue"
        await message.ack()
        return "ack"

    async def _dead_letter(self, queue: str, delivery: Delivery, exc: Unprocessable) -> None:
        """Copy the message to ``<ns>.dlx`` with the reason, keeping its original headers.

        The headers go out exactly as they came in (plus the reason), not re-stamped with
        a new span: an operator sees what the message carried when it failed.
        """
        headers = {**delivery.headers, ERROR_HEADER: str(exc)[:1000],
                   REASON_HEADER: exc.reason, ORIGIN_QUEUE_HEADER: queue}
        await self._publish(self.topology.dlx, OutgoingMessage(
            body=delivery.body, routing_key=queue, message_id=delivery.message_id,
            content_type=delivery.content_type or "application/octet-stream",
        ), headers, mandatory=True)
        metrics.DEAD_LETTERS.labels(queue=queue, reason=exc.reason).inc()
        log.warning("dead-lettered", queue=queue, reason=exc.reason, error=exc.detail[:300],
                    message_id=delivery.message_id)

    async def stop_deliveries(self) -> None:
        """Cancel every consumer at the broker; channels stay open for the acks in flight."""
        for consumer in list(self._consumers):
            await consumer.stop()

    def health(self) -> tuple[bool, str]:
        connection = self._connection
        if connection is None:
            return False, "not connected"
        if connection.is_closed or not connection.connected.is_set():
            return False, "connection to the broker is down"
        if not self._restored:
            return False, "reconnected; restoring channels and consumers"
        if self._publish_channel is None or self._publish_channel.is_closed:
            return False, "publish channel is closed"
        return True, f"connected, {len(self._consumers)} consumer(s)"

    async def queue_depths(self) -> dict[str, int]:
        """Messages ready in each queue of the topology and each declared retry queue.

        A passive declare per queue, each sample anew.
        Uses a channel of its own: a passive declare of a missing queue closes its channel.
        Raises ``RetryLater`` when the broker cannot be asked.
        """
        if self._connection is None or not self._connection.connected.is_set():
            raise RetryLater("not connected to the broker")
        depths: dict[str, int] = {}
        try:
            if self._sample_channel is None or self._sample_channel.is_closed:
                self._sample_channel = await self._connection.channel(publisher_confirms=False)
            names = [b.queue for b in self.topology.bindings] + sorted(self._retry_queues)
            for name in names:
                declared = await self._sample_channel.declare_queue(name, passive=True)
                # A robust channel hands back its cached queue for a passive declare, with
                # the count of the first sample: declare it again for today's count.
                depths[name] = (await declared.declare()).message_count or 0
        except _BROKER_ERRORS as exc:
            self._sample_channel = None
            raise RetryLater(f"cannot read queue depths: {exc}") from exc
        return depths

    def _on_connection_lost(self, *_: object) -> None:
        self._restored = False
        metrics.BROKER_CONNECTED.set(0)
        if not self._closing:  # our own close() is not an outage
            log.warning("connection to the broker lost; reconnecting")

    @property
    def consumer_count(self) -> int:
        """How many consumers are registered (restored by aio-pika after reconnects)."""
        return len(self._consumers)

    def _on_reconnect(self, *_: object) -> None:
        """aio-pika calls this once every channel and consumer is restored."""
        self._restored = True
        metrics.BROKER_CONNECTED.set(1)
        metrics.BROKER_RECONNECTS.inc()
        log.info("reconnected to the broker")


class RabbitMQConsumer(Consumer):
    """One consumer tag on a channel of its own.

    The channel stays open after the broker stopped delivering until the handlers in flight
    are done, because a message can only be acked on the channel that delivered it: closing
    early would requeue finished work.
    """

    def __init__(self, queue: str, amqp_queue: AbstractQueue, channel: AbstractChannel, *,
                 forget: Callable[[RabbitMQConsumer], None]) -> None:
        self.queue = queue
        self.tag = ""
        self._amqp_queue = amqp_queue
        self._channel = channel
        self._forget = forget
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._closed = False
        # Set once the broker delivers nothing more here: a handler refused at shutdown
        # waits for it, since a nack before would only bring the message straight back.
        self.stopped = asyncio.Event()

    @contextlib.asynccontextmanager
    async def in_flight(self) -> AsyncIterator[None]:
        """Count the current task as a handler in flight (``cancel`` waits for it)."""
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._handlers.discard(task)

    async def stop(self) -> None:
        """Cancel the tag at the broker; the handlers in flight go on (idempotent)."""
        if self._stopping:
            return
        self._stopping = True
        try:
            await self._amqp_queue.cancel(self.tag)
        except _BROKER_ERRORS:
            log.info("consumer already gone", queue=self.queue)
        self.stopped.set()

    async def cancel(self) -> None:
        """Stop deliveries, wait for the handlers in flight, then close the channel."""
        await self.stop()
        while self._handlers:
            await asyncio.gather(*list(self._handlers), return_exceptions=True)
        if self._closed:
            return
        self._closed = True
        self._forget(self)
        with contextlib.suppress(*_BROKER_ERRORS):
            await self._channel.close()


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


def event_log_arguments(topology: Topology) -> dict[str, str | int]:
    """The stream's arguments: ``x-max-age`` always, ``x-max-length-bytes`` when set."""
    arguments: dict[str, str | int] = {"x-queue-type": "stream",
                                       "x-max-age": topology.event_log_max_age}
    if topology.event_log_max_bytes is not None:
        arguments["x-max-length-bytes"] = topology.event_log_max_bytes
    return arguments


async def delete_topology(url: str, topology: Topology) -> None:
    """Delete every queue, stream and exchange of ``topology`` (tests and the demo clean up
    with it)."""
    connection = await aio_pika.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(topology.event_log)
        for binding in topology.bindings:
            await channel.queue_delete(binding.queue)
        for seconds in topology.retry_delays:
            await channel.queue_delete(topology.retry_queue(seconds))
        for name in topology.exchanges:
            await channel.exchange_delete(name)
