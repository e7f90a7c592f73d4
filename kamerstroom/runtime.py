"""Runs one or more services in this process: broker, HTTP server, lifecycle, signals.

Shutdown (SIGTERM or SIGINT) goes in this order, bounded by ``KAMERSTROOM_SHUTDOWN_TIMEOUT``:
``/readyz`` turns 503 and every service is told to start nothing new, at once (no poll, no
handler's work, no webhook attempt: a message handed over now goes back to the broker);
then the fetcher stops; consumers are cancelled; handlers in flight finish and ack; the
connection closes; exit status 0.
With the parser in a child process (``KAMERSTROOM_RUN_PARSER_PROCESS``,
``kamerstroom.parser_process``) the child gets SIGTERM at that first step and shuts down the
same way, and the parent waits for it where it would stop its own parser.
If the timeout passes first, the connection is closed anyway and the broker redelivers the
unacked messages to the next consumer (consumers are idempotent): nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

import services.fetcher
import services.parser
import services.publisher
from kamerstroom import supervised
from kamerstroom.parser_process import PROCESS, ParserProcess
from services.parser.service import ParserService
from services.publisher.service import PublisherService
from shared import metrics
from shared.config import Settings
from shared.errors import ConfigError, RetryLater
from shared.http import HealthServer
from shared.messaging import Broker, Topology
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.service import Service

log = structlog.get_logger(__name__)

Builder = Callable[[Settings, Broker], Service]
BUILDERS: dict[str, Builder] = {
    "fetcher": services.fetcher.build,
    "parser": services.parser.build,
    "publisher": services.publisher.build,
}
# Start consumers downstream first, so the first fetched letter finds a running pipeline.
START_ORDER = ("publisher", "parser", "fetcher")
# How often queue depths are sampled for ``kamerstroom_queue_messages`` and ``/readyz``.
QUEUE_SAMPLE_SECONDS = 15.0
# After the shutdown timeout, how long closing the connection may still take.
FORCED_CLOSE_SECONDS = 2.0
# Exit status of ``serve`` when a service gave up (the parser process kept crashing).
FAILED = 1


def parser_in_child(settings: Settings, names: Sequence[str]) -> bool:
    """Whether ``names`` in one process run the parser in a child process: the parser beside
    other services (``kamerstroom run``), and the setting says so."""
    return "parser" in names and len(names) > 1 and settings.parser_in_child()


@dataclass
class Runtime:
    """The services of one process, their broker connection and their HTTP server."""

    settings: Settings
    names: Sequence[str]
    broker: Broker
    server: HealthServer
    services: list[Service] = field(default_factory=list)
    queue_depths: dict[str, int] = field(default_factory=dict)
    failed: asyncio.Event = field(default_factory=asyncio.Event)
    failure: str | None = None
    _sampler: asyncio.Task[None] | None = None

    @classmethod
    def create(cls, settings: Settings, names: Sequence[str]) -> Runtime:
        broker = RabbitMQBroker(settings.amqp_url, Topology.of(settings),
                                connection_name=f"kamerstroom {'+'.join(names)}")
        return cls(settings, names, broker, HealthServer(settings.http_host, settings.http_port))

    async def start(self) -> None:
        """Build services and mount their routes, bind HTTP (a busy port fails at once),
        then connect and start services."""
        built = [self._build(name) for name in START_ORDER if name in self.names]
        _join_in_process(built)
        for service in built:
            mount = getattr(service, "mount", None)  # services with HTTP routes of their own
            if mount is not None:
                mount(self.server.app)
            if isinstance(service, ParserProcess):  # not ready until its child is
                self.server.add_exposition(PROCESS, service.exposition)
                for check_name, check in service.checks().items():
                    self.server.add_check(check_name, check)
        await self.server.start()
        self.server.add_check("broker", self.broker.health)
        self.server.add_check("queues", lambda: (True, dict(self.queue_depths)))
        await connect_with_retry(self.broker, timeout=self.settings.broker_connect_timeout)
        self._sampler = asyncio.create_task(self._sample_queues(), name="queue-sampler")
        for service in built:
            await service.start()
            self.services.append(service)
            for check_name, check in service.checks().items():
                self.server.add_check(check_name, check)
            if self.failed.is_set():  # start nothing more: ``serve`` stops what runs
                return
        log.info("started", services=list(self.names), http_port=self.server.port,
                 namespace=self.settings.namespace)

    def _build(self, name: str) -> Service:
        if name == "parser" and parser_in_child(self.settings, self.names):
            return ParserProcess(self.settings, on_give_up=self.fail)
        return BUILDERS[name](self.settings, self.broker)

    def fail(self, reason: str) -> None:
        """A service cannot go on: ``serve`` stops everything and exits ``FAILED``."""
        self.failure = reason
        self.failed.set()

    async def stop(self) -> None:
        """Turn not-ready, stop taking work, finish in flight (bounded), close everything."""
        self.server.begin_shutdown()
        for service in self.services:  # all at once: nothing new starts anywhere from now
            service.begin_shutdown()
        with contextlib.suppress(RetryLater, TimeoutError):
            await asyncio.wait_for(self.broker.stop_deliveries(), FORCED_CLOSE_SECONDS)
        if self._sampler is not None:
            self._sampler.cancel()
        try:
            async with asyncio.timeout(self.settings.shutdown_timeout):
                for service in reversed(self.services):
                    await service.stop()
                await self.broker.close()
        except TimeoutError:
            log.warning("shutdown timed out; unacked messages will be redelivered",
                        timeout=self.settings.shutdown_timeout)
            # Close without waiting for the handlers any longer (cancelling ``close`` skips
            # its drain but still closes the connection).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.broker.close(), timeout=FORCED_CLOSE_SECONDS)
        await self.server.stop()
        if self.services:
            log.info("stopped", services=list(self.names))

    async def _sample_queues(self) -> None:
        """Keep ``queue_depths`` and the queue gauge fresh; an unreachable broker is skipped."""
        while True:
            try:
                self.queue_depths = await self.broker.queue_depths()
            except RetryLater:
                self.queue_depths = {}
            for queue, depth in self.queue_depths.items():
                metrics.QUEUE_MESSAGES.labels(queue=queue).set(depth)
            retry_prefix = self.broker.topology.retry_queue(0).rsplit(".", 1)[0] + "."
            metrics.RETRY_QUEUE_DEPTH.set(sum(
                depth for queue, depth in self.queue_depths.items() if queue.startswith(retry_prefix)))
            await asyncio.sleep(QUEUE_SAMPLE_SECONDS)


def _join_in_process(built: Sequence[Service]) -> None:
    """A parser and a publisher in one process: the parser hands its documents straight to
    the publisher (``ParserService.hand_to``) rather than through ``<ns>.normalised``, which
    the publisher still consumes for parsers elsewhere."""
    parsers = [s for s in built if isinstance(s, ParserService)]
    publishers = [s for s in built if isinstance(s, PublisherService)]
    if parsers and publishers:
        parsers[0].hand_to(publishers[0].accept)


async def connect_with_retry(broker: Broker, attempts: int | None = None,
                             timeout: float | None = None) -> None:
    """Connect, retrying an unreachable broker with exponential backoff: forever, or up to
    ``attempts`` tries (then ``RetryLater``), or for ``timeout`` seconds (then ``ConfigError``,
    one line naming the setting). A refused login is a ``ConfigError`` at once. Once
    connected, the robust connection reconnects by itself, forever."""
    if timeout is not None:
        try:
            async with asyncio.timeout(timeout):
                await connect_with_retry(broker, attempts)
        except TimeoutError:
            raise ConfigError(f"the broker did not answer within {timeout:g} s "
                              "(KAMERSTROOM_BROKER_CONNECT_TIMEOUT): check KAMERSTROOM_AMQP_URL "
                              "and that RabbitMQ runs") from None
        return
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RetryLater),
        wait=wait_exponential_jitter(multiplier=0.5, max=15),
        reraise=True,
        before_sleep=lambda state: log.warning(
            "broker not reachable, retrying", attempt=state.attempt_number,
            error=str(state.outcome.exception()) if state.outcome else None),
    )
    if attempts is not None:
        from tenacity import stop_after_attempt

        retrying = retrying.copy(stop=stop_after_attempt(attempts))
    async for attempt in retrying:
        with attempt:
            await broker.connect()


async def serve(settings: Settings, names: Sequence[str], *, status_fd: int | None = None) -> int:
    """Run ``names`` until SIGTERM or SIGINT, then shut down gracefully; exit status 0.

    If a service gives up (``Runtime.fail``), everything is stopped the same way and the
    status is ``FAILED``. With ``status_fd`` this is a supervised child
    (``kamerstroom.supervised``): it reports its port there once started, and takes the end
    of its stdin as SIGTERM.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime.create(settings, names)
    watchers: set[asyncio.Task[object]] = {asyncio.create_task(stop.wait()),
                                           asyncio.create_task(runtime.failed.wait())}
    if status_fd is not None:
        watchers.add(asyncio.create_task(supervised.parent_gone()))
    try:
        starting = asyncio.create_task(runtime.start())
        await asyncio.wait({starting, *watchers}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # raise start-up errors (a busy port)
            if status_fd is not None and not runtime.failed.is_set():
                supervised.report_started(status_fd, runtime.server.port)
            await asyncio.wait(watchers, return_when=asyncio.FIRST_COMPLETED)
        else:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
    finally:
        for watcher in watchers:
            watcher.cancel()
        await runtime.stop()
    if runtime.failure is not None:
        log.error("stopped: a service gave up", reason=runtime.failure)
        return FAILED
    return 0
