"""Replay from the broker's own log: read the stream ``<ns>.events.log``, then follow it live.

Replay and live are one consumer on one stream: the broker delivers the stored events
from the chosen start and then each new one as it is appended, in the log's order. There
is no switch from a replay source to a live source, so nothing can fall between the two
or arrive from both, and no deduplication by event id is needed.

Bindings are applied here, on the client (AMQP topic rules, ``topic_matches``): a stream
holds everything published to ``<ns>.events``.

After a lost connection the consumer attaches again at the offset after the last event it
received, so a broker restart neither repeats nor skips events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aio_pika
import aiormq
import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from kamerstroom.receivers import Received
from shared.errors import ConfigError, RetryLater
from shared.messaging.topology import topic_matches

log = structlog.get_logger(__name__)

# Unacked deliveries the broker may send ahead. A stream sends credit-limited batches:
# a wide window keeps it streaming during a replay (RabbitMQ requires basic.qos for streams).
REPLAY_PREFETCH = 1000
# Acks go out for this many deliveries at once (``multiple``): on a stream an ack only
# returns credit, so one per batch is enough; below the prefetch, so the flow never stalls.
ACK_EVERY = REPLAY_PREFETCH // 4
RECONNECT_INTERVAL_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 10.0
OFFSET_HEADER = "x-stream-offset"

_NAMED_OFFSETS = ("first", "last", "next")


@dataclass(frozen=True)
class StreamStart:
    """Where a replay starts: ``first``, ``last`` (the last chunk), ``next`` (new events
    only), an offset number, or a moment (the broker starts at the chunk holding it)."""

    value: str | int | datetime

    @classmethod
    def parse_offset(cls, text: str) -> StreamStart:
        """``first``, ``last`` or a number of 0 or more; ``ValueError`` otherwise."""
        if text in _NAMED_OFFSETS:
            return cls(text)
        if not text.isdigit():
            raise ValueError(f"expected first, last or an offset number (0 or more), got {text!r}")
        return cls(int(text))

    @classmethod
    def parse_since(cls, text: str) -> StreamStart:
        """An ISO 8601 moment with its zone (``2026-11-01T00:00:00Z``); ``ValueError`` otherwise."""
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 moment such as 2026-11-01T00:00:00Z, "
                             f"got {text!r}") from None
        if moment.tzinfo is None:
            raise ValueError(f"give the moment's zone (Z or +01:00): {text!r}")
        return cls(moment)

    def describe(self) -> str:
        return self.value.isoformat() if isinstance(self.value, datetime) else str(self.value)


class StreamSubscriber:
    """Consumes ``stream`` from ``start`` with manual acks and hands on matching events.

    ``on_event`` gets each event whose routing key matches one of ``bindings``, in the
    log's order, each once. ``received`` counts them; ``next_offset`` is where a reconnect
    resumes. Runs until ``stop``.
    """

    def __init__(self, amqp_url: str, stream: str, start: StreamStart,
                 bindings: tuple[str, ...] = ("#",),
                 on_event: Callable[[Received], None] | None = None,
                 prefetch: int = REPLAY_PREFETCH) -> None:
        self._url = amqp_url
        self._stream = stream
        self._start = start
        self._bindings = bindings
        self._on_event = on_event
        self._prefetch = prefetch
        self._ack_every = max(1, min(ACK_EVERY, prefetch // 2))
        self._connection: AbstractConnection | None = None
        self._unacked = 0
        self._lost = asyncio.Event()
        self._follower: asyncio.Task[None] | None = None
        self._stopping = False
        self.next_offset: int | None = None
        self.received = 0

    async def start(self) -> None:
        """Attach to the stream (raises ``ConfigError`` when it does not exist, ``RetryLater``
        when the broker does not answer), then keep attached until ``stop``."""
        await self._attach()
        self._follower = asyncio.create_task(self._follow(), name=f"follow {self._stream}")

    async def _attach(self) -> None:
        try:
            connection = await aio_pika.connect(self._url, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, ConnectionError, TimeoutError,
                aiormq.exceptions.AMQPConnectionError) as exc:
            raise RetryLater(f"the broker does not answer ({exc})") from None
        connection.close_callbacks.add(self._on_close)
        self._connection = connection
        self._lost.clear()
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self._prefetch)
        await self._consume(channel)

    async def _consume(self, channel: AbstractChannel) -> None:
        try:
            queue = await channel.declare_queue(self._stream, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            await self._close_connection()
            raise ConfigError(f"there is no event log {self._stream} on this broker: the "
                              "publisher declares it at start (RabbitMQ 3.9 or later)") from None
        self._unacked = 0
        await queue.consume(self._handle, no_ack=False,
                            arguments={OFFSET_HEADER: self._resume_from()})

    def _resume_from(self) -> str | int | datetime:
        """After the last event received, or the asked start when none was received yet."""
        return self.next_offset if self.next_offset is not None else self._start.value

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        offset = (message.headers or {}).get(OFFSET_HEADER)
        if isinstance(offset, int):
            self.next_offset = offset + 1
        key = message.routing_key or ""
        if any(topic_matches(pattern, key) for pattern in self._bindings):
            self._deliver(message, key)
        self._unacked += 1
        if self._unacked >= self._ack_every:
            self._unacked = 0
            await message.ack(multiple=True)

    def _deliver(self, message: AbstractIncomingMessage, key: str) -> None:
        try:
            body = json.loads(message.body)
        except ValueError:
            log.warning("event log holds a message that is not JSON; skipped",
                        offset=self.next_offset, routing_key=key)
            return
        self.received += 1
        if self._on_event is not None:
            self._on_event(Received(body=body, headers=dict(message.headers or {}),
                                    routing_key=key, raw=message.body,
                                    content_type=message.content_type))

    def _on_close(self, *_: object) -> None:
        self._lost.set()

    async def _follow(self) -> None:
        """Attach again after every lost connection, from ``next_offset``, until stopped."""
        while not self._stopping:
            await self._lost.wait()
            if self._stopping:
                return
            log.warning("connection to the event log lost; attaching again",
                        stream=self._stream, next_offset=self.next_offset)
            await asyncio.sleep(RECONNECT_INTERVAL_SECONDS)
            with contextlib.suppress(RetryLater, ConfigError, aiormq.exceptions.AMQPError, OSError):
                await self._attach()

    async def stop(self) -> None:
        self._stopping = True
        self._lost.set()
        if self._follower is not None:
            await self._follower
        await self._close_connection()

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(aiormq.exceptions.AMQPError, OSError, RuntimeError):
                await connection.close()
