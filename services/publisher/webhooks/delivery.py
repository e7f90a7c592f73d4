"""Webhook delivery: fan-out, signed POSTs, retries through RabbitMQ, per-endpoint isolation.

Each (event, endpoint) pair is a delivery row. The first attempt is made straight from the
fan-out, in a task per delivery, while the event handler moves on; every later attempt is a
job message ``{"delivery_id", "attempt"}`` on ``<ns>.deliveries``, waiting in a
``<ns>.retry.<seconds>`` queue first. Outcomes of an attempt:

- any 2xx: ``succeeded`` (recorded in batches, see ``outcomes.SuccessLog``);
- 410 Gone: ``failed`` and the endpoint is disabled;
- a refused URL (SSRF guard): ``failed``, not retried;
- anything else (other status, timeout, connection error): the next attempt waits in a
  retry queue; after the last one the delivery is ``failed`` (listed and replayable). An
  endpoint without a single success for ``disable_after`` is disabled.

Nothing is lost across a crash: a row is written (``queued = 0``) before its first attempt
starts and is marked ``queued`` only once a job for it is confirmed by the broker, so at
start every pending, unqueued row is handed to the queue (a delivery whose success was not
yet recorded goes out again, with the same ``webhook-id``). Publisher replicas on one
PostgreSQL database take only rows older than ``orphan_after`` (a live replica's are
younger), at start and in a sweep every quarter of that, each row claimed by one replica.

Isolation: at most ``concurrency`` attempts run per endpoint, each endpoint has its own
bounded backlog of first attempts waiting for a slot, and an endpoint whose last attempt
failed, or whose backlog is full, gets its new deliveries through the queue instead.
Endpoints whose last attempt failed also connect from a pool of their own, so endpoints
that hang cannot hold every connection the healthy ones need. A job
from the queue waits for a slot only while few others do; else it goes back through the
short busy queue, so a slow endpoint never holds the consumer's prefetch and never delays
the others. Ordering is best effort.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import aiohttp
import structlog
from pydantic import BaseModel, ValidationError

from services.publisher.inflight import InFlight
from services.publisher.webhooks.models import Attempt, DeliveryRow, DeliveryStatus, Endpoint, Outcome
from services.publisher.webhooks.outcomes import SuccessLog
from services.publisher.webhooks.policy import DeliveryPolicy, Disable, Verdict, decide
from services.publisher.webhooks.registry import RESPONSE_EXCERPT_BYTES, EndpointRegistry, delivery_id
from services.publisher.webhooks.schedule import BUSY_DELAY, RetryPolicy, Wait
from services.publisher.webhooks.signing import signature_headers
from services.publisher.webhooks.slots import LocalSlots, Slots
from services.publisher.webhooks.ssrf import GuardedResolver, UnsafeURL, check_before_connect
from shared import metrics, tracing
from shared.clock import Clock, system_clock
from shared.db.waiting import through_outage, through_outage_sync
from shared.errors import ShuttingDown, Unprocessable
from shared.messaging import Broker, Consumer, Delivery, OutgoingMessage
from shared.messaging.topology import DELIVER_ROUTING_KEY, Topology
from shared.retry_after import parse_retry_after
from shared.schema import CloudEvent
from shared.schema.events import CONTENT_TYPE, upgrade_event_json
from shared.version import USER_AGENT

log = structlog.get_logger(__name__)

# Larger events go out without their full text (body, sections, footnotes): a receiver
# follows data.urls for it. Keeps every request well under common proxy limits.
MAX_PAYLOAD_BYTES = 512 * 1024
TRUNCATED_WARNING = "payload-truncated: body_text, sections and footnotes left out; see urls"
TEST_EVENT_TYPE = "nl.kamerstroom.webhook.test"
# First attempts waiting in memory for a slot: per endpoint, and in all. Beyond these a new
# delivery goes through the queue; together they bound the memory a slow endpoint can hold.
DIRECT_BACKLOG = 512
DIRECT_MAX = 8192
# Open connections per pool (aiohttp's default). Endpoints whose last attempt failed get a
# pool of their own: an endpoint that hangs holds a connection for the whole timeout, and
# enough of them would otherwise take every connection of the shared pool, so that healthy
# endpoints' attempts waited for one until their own timeout ran out.
POOL_CONNECTIONS = 100
# kamerstroom_deliveries_total's result per delivery status after an attempt.
_RESULTS: dict[DeliveryStatus, str] = {"succeeded": "delivered", "pending": "retry", "failed": "failed"}
# How a failed attempt is logged, by verdict (an endpoint disabled is logged on its own too).
_FAILURE_LOGS = {
    Verdict.RETRY: ("info", "webhook attempt failed, will retry"),
    Verdict.FAILED: ("warning", "webhook delivery failed after the last attempt"),
    Verdict.REFUSED: ("warning", "webhook delivery failed for good"),
    Verdict.DISABLE: ("warning", "webhook delivery failed for good"),
}


@dataclass
class Lane:
    """One endpoint's share of the sender: its concurrency limit and who is waiting for it."""

    limit: asyncio.Semaphore
    direct_waiting: int = 0
    queued_waiting: int = 0
    failing: bool = False  # the last attempt failed: send through the queue until one succeeds


class Job(BaseModel):
    """The message on ``<ns>.deliveries``: which delivery, which attempt."""

    delivery_id: str
    attempt: int


@dataclass(frozen=True)
class DispatchSettings:
    """The delivery knobs, from ``KAMERSTROOM_WEBHOOK_*``."""

    policy: RetryPolicy
    timeout: float = 15.0  # seconds per attempt: the Standard Webhooks guidance
    concurrency: int = 4
    allow_private: bool = False
    disable_after: timedelta = timedelta(days=5)
    prefetch: int = 256  # jobs in flight at once; a hanging endpoint holds at most `concurrency`
    connections: int = POOL_CONNECTIONS  # per pool: healthy endpoints, failing endpoints
    orphan_after: timedelta = timedelta(seconds=60)  # replicas: a first attempt left unqueued


class Dispatcher:
    """Fans events out to matching endpoints and runs their delivery attempts.

    What follows an attempt is ``policy.decide``'s; the dispatcher performs it. The time
    (attempts, signatures, the disable window) comes from ``clock``.
    """

    def __init__(self, broker: Broker, registry: EndpointRegistry, config: DispatchSettings, *,
                 clock: Clock = system_clock, slots: Slots | None = None) -> None:
        self._broker = broker
        self._slots: Slots = slots or LocalSlots()  # the limit across replicas (slots.py)
        self._consumer: Consumer | None = None
        self._registry = registry
        self._config = config
        self._policy = DeliveryPolicy(config.policy, config.disable_after)
        self._clock = clock
        self._lanes: dict[str, Lane] = {}
        self._session: aiohttp.ClientSession | None = None  # endpoints that answer
        self._probation: aiohttp.ClientSession | None = None  # endpoints whose last attempt failed
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)
        self._in_flight = InFlight()
        self._successes = SuccessLog(registry)
        self._tasks: set[asyncio.Task[None]] = set()
        self._direct = 0
        self._closing = False
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def _topology(self) -> Topology:
        return self._broker.topology

    async def start(self) -> None:
        """Declare the retry queues and start consuming delivery jobs."""
        self._session, self._probation = self._new_session(), self._new_session()
        await self._broker.declare_retry_queues(self._config.policy.ladder)
        # One publisher: every unqueued row is the previous process's. Replicas: only rows
        # old enough to be orphans, and a sweep keeps taking those a dying replica leaves.
        await self._queue_left_over(orphans_only=self._registry.shared)
        if self._registry.shared:
            self._sweeper = asyncio.create_task(self._sweep())
        self._consumer = await self._broker.consume(self._topology.deliveries_queue, self.handle,
                                                    prefetch=self._config.prefetch)

    async def cancel_consumer(self) -> None:
        """Take no more delivery jobs; the jobs in hand finish and are acked (idempotent)."""
        if self._consumer is not None:
            await self._consumer.cancel()

    async def _queue_left_over(self, *, orphans_only: bool) -> None:
        left = self._registry.claim_unqueued(orphans_only=orphans_only,
                                             orphan_after=self._config.orphan_after)
        if left:  # first attempts a previous (or another, dead) process did not finish
            await self._hand_over(left)
            log.info("queued deliveries left unsent by a stopped publisher", count=len(left))

    async def _sweep(self) -> None:
        """Replicas: queue the first attempts of a replica that died, every quarter of
        ``orphan_after``."""
        while not self._closing:
            await asyncio.sleep(self._config.orphan_after.total_seconds() / 4)
            try:
                await self._queue_left_over(orphans_only=True)
            except Exception:  # the database or broker is away: the next sweep tries again
                log.warning("sweep for left-over deliveries failed", exc_info=True)

    def begin_shutdown(self) -> None:
        """From now on no attempt starts: a first attempt waiting for a slot leaves its row
        unqueued (the next start queues it); a queued job goes back to the broker."""
        self._closing = True

    async def drain(self) -> None:
        """Wait until no attempt is in flight (call after the consumer was cancelled).

        First attempts still waiting for a slot are not made: their rows stay unqueued and
        the next start hands them to the queue.
        """
        self._closing = True
        await self._in_flight.drained()

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        self._successes.flush()
        self._slots.close()
        for session in (self._session, self._probation):
            if session is not None:
                await session.close()
        self._session = self._probation = None

    def _new_session(self) -> aiohttp.ClientSession:
        """A connection pool whose resolver refuses internal addresses (unless allowed)."""
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(allow_private=self._config.allow_private),
                                         limit=self._config.connections)
        return aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})

    # -- queueing ---------------------------------------------------------------------

    async def fan_out(self, event: CloudEvent, event_json: str | None = None) -> int:
        """Deliver ``event`` (``event_json``: its JSON, if at hand) to every matching enabled endpoint.

        The rows are written in one transaction; first attempts start in the background
        (or go to the queue, see the module's docstring). Returns the new deliveries.
        """
        endpoints = {e.id: e for e in self._registry.enabled() if e.filter.matches(event)}
        if not endpoints:
            return 0
        rows = self._registry.add_direct_deliveries(list(endpoints), event, event_json)
        overflow = []
        for row in rows:
            endpoint = endpoints[row.endpoint_id]
            if self._can_send_now(endpoint.id):
                self._spawn(endpoint, row)
            else:
                overflow.append(row)
        if overflow:
            await self._hand_over(overflow)
        return len(rows)

    def _lane(self, endpoint_id: str) -> Lane:
        lane = self._lanes.get(endpoint_id)
        if lane is None:
            lane = self._lanes[endpoint_id] = Lane(asyncio.Semaphore(self._config.concurrency))
        return lane

    def _can_send_now(self, endpoint_id: str) -> bool:
        lane = self._lane(endpoint_id)
        return (self._session is not None and not self._closing and not lane.failing
                and lane.direct_waiting < DIRECT_BACKLOG and self._direct < DIRECT_MAX)

    def _spawn(self, endpoint: Endpoint, row: DeliveryRow) -> None:
        lane = self._lane(endpoint.id)
        lane.direct_waiting += 1
        self._direct += 1
        task = asyncio.create_task(self._send_first(endpoint, row, lane))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_first(self, endpoint: Endpoint, row: DeliveryRow, lane: Lane) -> None:
        """The first attempt of a new delivery, in its endpoint's lane."""
        with self._in_flight.track():
            try:
                try:
                    await lane.limit.acquire()
                finally:
                    lane.direct_waiting -= 1
                try:
                    if self._closing:
                        return  # the row stays unqueued: the next start queues it
                    slot = self._slots.take(endpoint.id)
                    if slot is None:  # other replicas hold every slot: the queue takes it
                        await self._hand_over([row])
                        return
                    try:
                        outcome = await self._attempt(endpoint, row.event_id, row.event_json, 1)
                    finally:
                        self._slots.give_back(endpoint.id, slot)
                finally:
                    lane.limit.release()
                await self._settled(endpoint, row, outcome)
            except Exception:  # the row is still pending: the queue takes it from here
                log.exception("webhook first attempt broke off", delivery_id=row.id)
                await self._hand_over([row])
            finally:
                self._direct -= 1

    async def _hand_over(self, rows: list[DeliveryRow]) -> None:
        """Queue the next attempt of each row (publishes confirmed together), then mark them queued."""
        await asyncio.gather(*(self._enqueue(Job(delivery_id=row.id, attempt=row.attempts + 1), Wait(0, 0))
                               for row in rows))
        self._registry.mark_queued(row.id for row in rows)

    async def replay(self, rows: list[DeliveryRow]) -> int:
        """Send these deliveries again from attempt 1, with the same ``webhook-id``."""
        for row in rows:
            self._registry.reset_for_replay(row.id)
            await self._enqueue(Job(delivery_id=row.id, attempt=1), Wait(0, 0))
        return len(rows)

    async def replay_events(self, endpoint: Endpoint, events: list[CloudEvent]) -> list[str]:
        """Send these events to ``endpoint`` (those its filter matches), delivered before or not.

        Returns the delivery ids; each goes out from attempt 1 with the event id as ``webhook-id``.
        """
        ids = []
        for event in events:
            if not endpoint.filter.matches(event):
                continue
            row = self._registry.delivery(delivery_id(endpoint.id, event.id))
            if row is not None:
                self._registry.reset_for_replay(row.id)
            else:
                row = self._registry.add_delivery(endpoint.id, event)
            if row is not None:
                await self._enqueue(Job(delivery_id=row.id, attempt=1), Wait(0, 0))
                ids.append(row.id)
        return ids

    async def _enqueue(self, job: Job, wait: Wait) -> None:
        delayed = wait.queue_delay > 0
        key = self._topology.retry_routing_key(wait.queue_delay) if delayed else DELIVER_ROUTING_KEY
        await self._broker.publish(self._topology.webhooks, OutgoingMessage(
            body=job.model_dump_json().encode(), routing_key=key,
            message_id=f"{job.delivery_id}:{job.attempt}",
            expiration=wait.seconds if delayed else None,
        ))

    # -- consuming --------------------------------------------------------------------

    async def handle(self, message: Delivery) -> None:
        """Run one job: an attempt, then its consequence (done, retry, fail, disable)."""
        job = _job(message.body)
        row = await through_outage_sync(lambda: self._registry.delivery(job.delivery_id),
                                        stopping=lambda: self._closing, what="delivery job")
        if row is None or row.status != "pending":
            return  # replaced, given up or done: a stale job
        tracing.bind(event_id=row.event_id)
        if row.attempts == job.attempt:  # attempted, but the next job may not have been queued
            await self._schedule_next(row, job.attempt + 1, self._config.policy.wait_before(job.attempt + 1))
            return
        if row.attempts != job.attempt - 1:
            return  # a duplicate of a job already run
        endpoint = self._registry.get(row.endpoint_id)
        if endpoint is None or endpoint.disabled:
            self._registry.set_status(row.id, "failed")
            return
        lane = self._lane(endpoint.id)
        if lane.limit.locked() and lane.queued_waiting >= self._config.concurrency:
            await self._enqueue(job, self._config.policy.queue_for(BUSY_DELAY))
            return
        with self._in_flight.track():
            lane.queued_waiting += 1
            try:
                await lane.limit.acquire()
            finally:
                lane.queued_waiting -= 1
            try:
                if self._closing:  # the signal came while this job waited for a slot
                    raise ShuttingDown("webhook deliveries are shutting down")
                slot = self._slots.take(endpoint.id)
                if slot is None:  # other replicas hold every slot: come back after the busy delay
                    await self._enqueue(job, self._config.policy.queue_for(BUSY_DELAY))
                    return
                try:
                    outcome = await self._attempt(endpoint, row.event_id, row.event_json, job.attempt)
                finally:
                    self._slots.give_back(endpoint.id, slot)
            finally:
                lane.limit.release()
            await self._settled(endpoint, row, outcome)

    async def send_test(self, endpoint: Endpoint, example: CloudEvent) -> Attempt:
        """One signed POST of an example event, now, outside the queue; nothing is recorded."""
        event = example.model_copy(update={"id": str(uuid.uuid4()), "type": TEST_EVENT_TYPE,
                                           "time": self._clock()})
        outcome = await self._attempt(endpoint, event.id, event.model_dump_json(), 1)
        return outcome.attempt

    async def _attempt(self, endpoint: Endpoint, event_id: str, event_json: str, number: int) -> Outcome:
        """POST once; what came of it (the caller decides what follows)."""
        session = self._probation if self._lane(endpoint.id).failing else self._session
        assert session is not None, "start() first"
        started, at = time.monotonic(), self._clock()
        try:  # names are checked as they are resolved, by the session's GuardedResolver
            check_before_connect(endpoint.url, allow_private=self._config.allow_private)
        except UnsafeURL as exc:
            return Outcome(Attempt(number, at, None, 0.0, "", f"refused: {exc}"), refused=True)
        body = _request_body(event_json)
        headers = {"Content-Type": CONTENT_TYPE, **tracing.http_headers(),
                   **signature_headers(event_id, body, endpoint.signing_secrets(at), at)}
        try:
            async with session.post(endpoint.url, data=body, headers=headers, allow_redirects=False,
                                    timeout=self._timeout) as resp:
                excerpt = await resp.content.read(RESPONSE_EXCERPT_BYTES)
                latency = (time.monotonic() - started) * 1000
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                text = excerpt.decode("utf-8", "replace")
                return Outcome(Attempt(number, at, resp.status, latency, text, None), retry_after)
        except UnsafeURL as exc:
            return Outcome(Attempt(number, at, None, 0.0, "", f"refused: {exc}"), refused=True)
        except TimeoutError:
            error = f"timed out after {self._config.timeout:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Outcome(Attempt(number, at, None, (time.monotonic() - started) * 1000, "", error))

    async def _settled(self, endpoint: Endpoint, row: DeliveryRow, outcome: Outcome) -> None:
        """``_settle``, waiting out a database outage: the attempt is made once, not again."""
        await through_outage(lambda: self._settle(endpoint, row, outcome),
                             stopping=lambda: self._closing, what="delivery outcome")

    async def _settle(self, endpoint: Endpoint, row: DeliveryRow, outcome: Outcome) -> None:
        """Carry out ``policy.decide`` on an attempt: record it, then retry, fail or disable."""
        attempt = outcome.attempt
        self._lane(endpoint.id).failing = not outcome.succeeded
        if not outcome.succeeded:  # the disable window counts from the first failure, this one included
            endpoint = replace(endpoint, failing_since=self._registry.record_failure(endpoint.id))
        decision = decide(outcome, endpoint, self._policy, self._clock())
        metrics.observe_delivery(_RESULTS[decision.status], attempt.latency_ms / 1000)
        if decision.verdict is Verdict.SUCCEEDED:
            await self._successes.record(row.id, attempt, endpoint.id)
            # debug: one line per success is most of the logging at thousands a second; the
            # attempt log (admin API) and kamerstroom_deliveries_total keep the record
            log.debug("webhook delivered", endpoint_id=endpoint.id, delivery_id=row.id,
                      latency_ms=round(attempt.latency_ms, 1))
            return
        self._registry.record_attempt(row.id, attempt, decision.status)
        if decision.disable is not None:
            self._disable(endpoint, decision.disable)
        level, message = _FAILURE_LOGS[decision.verdict]
        getattr(log, level)(message, endpoint_id=endpoint.id, delivery_id=row.id, event_id=row.event_id,
                            attempt=attempt.attempt, status=attempt.status_code, error=attempt.error)
        if decision.wait is not None:
            await self._schedule_next(row, attempt.attempt + 1, decision.wait)

    async def _schedule_next(self, row: DeliveryRow, number: int, wait: Wait) -> None:
        """Queue attempt ``number`` of ``row`` to wait ``wait``, then mark the row queued."""
        await self._enqueue(Job(delivery_id=row.id, attempt=number), wait)
        self._registry.mark_queued([row.id])

    def _disable(self, endpoint: Endpoint, why: Disable) -> None:
        self._registry.disable(endpoint.id, why.reason)
        metrics.ENDPOINTS_DISABLED.labels(reason=why.label).inc()
        log.warning("webhook endpoint disabled", endpoint_id=endpoint.id, url=endpoint.url, reason=why.reason)


@functools.lru_cache(maxsize=256)
def _request_body(event_json: str) -> bytes:
    """``payload(event_json)``, made once per event, not once per endpoint.

    A fan-out to a thousand endpoints otherwise encoded the same event a thousand times.
    """
    return payload(event_json)


def payload(event_json: str) -> bytes:
    """The request body: the event, without its full text if it is over ``MAX_PAYLOAD_BYTES``."""
    body = upgrade_event_json(event_json).encode()
    if len(body) <= MAX_PAYLOAD_BYTES:
        return body
    event = CloudEvent.model_validate_json(event_json)
    data = event.data.model_copy(update={"body_text": None, "sections": [], "footnotes": [],
                                         "warnings": [*event.data.warnings, TRUNCATED_WARNING]})
    return event.model_copy(update={"data": data}).model_dump_json().encode()


def _job(body: bytes) -> Job:
    try:
        return Job.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise Unprocessable("bad-delivery-job", f"not a delivery job: {exc}") from exc
