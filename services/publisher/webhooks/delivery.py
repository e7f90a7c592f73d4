"""Webhook delivery: fan-out, signed POSTs, retries through RabbitMQ, per-endpoint isolation.

Each (event, endpoint) pair is a delivery row and a job message ``{"delivery_id", "attempt"}``
on ``<ns>.deliveries``. Outcomes of an attempt:

- any 2xx: ``succeeded``;
- 410 Gone: ``failed`` and the endpoint is disabled;
- a refused URL (SSRF guard): ``failed``, not retried;
- anything else (other status, timeout, connection error): the next attempt waits in a
  ``<ns>.retry.<seconds>`` queue; after the last one the delivery is ``failed`` (listed and
  replayable). An endpoint without a single success for ``disable_after`` is disabled.

Isolation: at most ``concurrency`` attempts run per endpoint; a job for an endpoint at its
limit goes back through the short busy queue instead of waiting, so a slow endpoint never
holds the consumer's prefetch and never delays the others. Ordering is best effort.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import structlog
from pydantic import BaseModel, ValidationError

from services.publisher.inflight import InFlight
from services.publisher.metrics import ENDPOINTS_DISABLED, WEBHOOK_ATTEMPTS, WEBHOOK_FAILED
from services.publisher.webhooks.registry import (
    RESPONSE_EXCERPT_BYTES,
    Attempt,
    DeliveryRow,
    Endpoint,
    EndpointRegistry,
    delivery_id,
)
from services.publisher.webhooks.schedule import BUSY_DELAY, RetryPolicy, Wait
from services.publisher.webhooks.signing import signature_headers
from services.publisher.webhooks.ssrf import GuardedResolver, HostUnresolvable, UnsafeURL, check_url
from shared.errors import Unprocessable
from shared.messaging import Broker, Delivery, OutgoingMessage
from shared.messaging.topology import DELIVER_ROUTING_KEY, Topology
from shared.retry_after import parse_retry_after
from shared.schema import CloudEvent
from shared.schema.events import CONTENT_TYPE
from shared.version import USER_AGENT

log = structlog.get_logger(__name__)

# Larger events go out without their full text (body, sections, footnotes): a receiver
# follows data.urls for it. Keeps every request well under common proxy limits.
MAX_PAYLOAD_BYTES = 512 * 1024
TRUNCATED_WARNING = "payload-truncated: body_text, sections and footnotes left out; see urls"
TEST_EVENT_TYPE = "nl.kamerstroom.webhook.test"


class Job(BaseModel):
    """The message on ``<ns>.deliveries``: which delivery, which attempt."""

    delivery_id: str
    attempt: int


@dataclass(frozen=True)
class DispatchSettings:
    """The delivery knobs, from ``KAMERSTROOM_WEBHOOK_*``."""

    policy: RetryPolicy
    timeout: float = 10.0
    concurrency: int = 4
    allow_private: bool = False
    disable_after: timedelta = timedelta(days=5)
    prefetch: int = 256  # jobs in flight at once; a hanging endpoint holds at most `concurrency`


class Dispatcher:
    """Fans events out to matching endpoints and runs their delivery attempts."""

    def __init__(self, broker: Broker, registry: EndpointRegistry, config: DispatchSettings) -> None:
        self._broker = broker
        self._registry = registry
        self._config = config
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._session: aiohttp.ClientSession | None = None
        self._in_flight = InFlight()

    @property
    def _topology(self) -> Topology:
        return self._broker.topology

    async def start(self) -> None:
        """Declare the retry queues and start consuming delivery jobs."""
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(allow_private=self._config.allow_private))
        self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})
        await self._broker.declare_retry_queues(self._config.policy.ladder)
        await self._broker.consume(self._topology.deliveries_queue, self.handle,
                                   prefetch=self._config.prefetch)

    async def drain(self) -> None:
        """Wait until no attempt is in flight (call after the consumer was cancelled)."""
        await self._in_flight.drained()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- queueing ---------------------------------------------------------------------

    async def fan_out(self, event: CloudEvent) -> int:
        """Queue a delivery of ``event`` to every enabled endpoint whose filter matches it."""
        queued = 0
        for endpoint in self._registry.all():
            if endpoint.disabled or not endpoint.filter.matches(event):
                continue
            row = self._registry.add_delivery(endpoint.id, event)
            if row is not None:
                await self._enqueue(Job(delivery_id=row.id, attempt=row.attempts + 1), Wait(0, 0))
                queued += 1
        return queued

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
        row = self._registry.delivery(job.delivery_id)
        if row is None or row.status != "pending":
            return  # replaced, given up or done: a stale job
        if row.attempts == job.attempt:  # attempted, but the next job may not have been queued
            await self._schedule_next(row, job.attempt, None)
            return
        if row.attempts != job.attempt - 1:
            return  # a duplicate of a job already run
        endpoint = self._registry.get(row.endpoint_id)
        if endpoint is None or endpoint.disabled:
            self._registry.set_status(row.id, "failed")
            return
        limit = self._limits.setdefault(endpoint.id, asyncio.Semaphore(self._config.concurrency))
        if limit.locked():
            await self._enqueue(job, self._config.policy.queue_for(BUSY_DELAY))
            return
        with self._in_flight.track():
            async with limit:
                attempt, retry_after, refused = await self._attempt(endpoint, row.event_id, row.event_json,
                                                                    job.attempt)
            await self._settle(endpoint, row, attempt, retry_after, refused)

    async def send_test(self, endpoint: Endpoint, example: CloudEvent) -> Attempt:
        """One signed POST of an example event, now, outside the queue; nothing is recorded."""
        event = example.model_copy(update={"id": str(uuid.uuid4()), "type": TEST_EVENT_TYPE,
                                           "time": datetime.now(UTC)})
        attempt, _, _ = await self._attempt(endpoint, event.id, event.model_dump_json(), 1)
        return attempt

    async def _attempt(self, endpoint: Endpoint, event_id: str, event_json: str,
                       number: int) -> tuple[Attempt, float | None, bool]:
        """POST once. Returns the attempt, the ``Retry-After`` seconds, and whether the URL was refused."""
        assert self._session is not None, "start() first"
        started, at = time.monotonic(), datetime.now(UTC)
        try:
            await check_url(endpoint.url, allow_private=self._config.allow_private)
        except HostUnresolvable as exc:  # DNS trouble passes: try again later
            return Attempt(number, at, None, 0.0, "", str(exc)), None, False
        except UnsafeURL as exc:
            return Attempt(number, at, None, 0.0, "", f"refused: {exc}"), None, True
        body = payload(event_json)
        headers = {"Content-Type": CONTENT_TYPE,
                   **signature_headers(event_id, body, endpoint.signing_secrets())}
        try:
            async with self._session.post(endpoint.url, data=body, headers=headers, allow_redirects=False,
                                          timeout=aiohttp.ClientTimeout(total=self._config.timeout)) as resp:
                excerpt = await resp.content.read(RESPONSE_EXCERPT_BYTES)
                latency = (time.monotonic() - started) * 1000
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                text = excerpt.decode("utf-8", "replace")
                return Attempt(number, at, resp.status, latency, text, None), retry_after, False
        except UnsafeURL as exc:
            return Attempt(number, at, None, 0.0, "", f"refused: {exc}"), None, True
        except TimeoutError:
            error = f"timed out after {self._config.timeout:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Attempt(number, at, None, (time.monotonic() - started) * 1000, "", error), None, False

    async def _settle(self, endpoint: Endpoint, row: DeliveryRow, attempt: Attempt,
                      retry_after: float | None, refused: bool) -> None:
        status = attempt.status_code
        logged = log.bind(endpoint_id=endpoint.id, delivery_id=row.id, event_id=row.event_id,
                          attempt=attempt.attempt, status=status, error=attempt.error)
        if status is not None and 200 <= status < 300:
            WEBHOOK_ATTEMPTS.labels("succeeded").inc()
            self._registry.record_attempt(row.id, attempt, "succeeded")
            self._registry.record_success(endpoint.id)
            logged.info("webhook delivered", latency_ms=round(attempt.latency_ms, 1))
            return
        WEBHOOK_ATTEMPTS.labels("refused" if refused else "gone" if status == 410 else "failed").inc()
        if refused or status == 410:
            self._registry.record_attempt(row.id, attempt, "failed")
            WEBHOOK_FAILED.inc()
            if status == 410:
                self._disable(endpoint, "gone", "the endpoint answered 410 Gone")
            logged.warning("webhook delivery failed for good")
            return
        failing_since = self._registry.record_failure(endpoint.id)
        if datetime.now(UTC) - failing_since >= self._config.disable_after:
            self._registry.record_attempt(row.id, attempt, "failed")
            WEBHOOK_FAILED.inc()
            self._disable(endpoint, "failing", f"no successful delivery since {failing_since.isoformat()}")
            return
        if attempt.attempt >= self._config.policy.max_attempts:
            self._registry.record_attempt(row.id, attempt, "failed")
            WEBHOOK_FAILED.inc()
            logged.warning("webhook delivery failed after the last attempt")
            return
        self._registry.record_attempt(row.id, attempt, "pending")
        logged.info("webhook attempt failed, will retry")
        await self._schedule_next(row, attempt.attempt, retry_after)

    async def _schedule_next(self, row: DeliveryRow, done: int, retry_after: float | None) -> None:
        wait = self._config.policy.wait_before(done + 1, retry_after=retry_after)
        await self._enqueue(Job(delivery_id=row.id, attempt=done + 1), wait)

    def _disable(self, endpoint: Endpoint, reason: str, detail: str) -> None:
        self._registry.disable(endpoint.id, detail)
        ENDPOINTS_DISABLED.labels(reason).inc()
        log.warning("webhook endpoint disabled", endpoint_id=endpoint.id, url=endpoint.url, reason=detail)


def payload(event_json: str) -> bytes:
    """The request body: the event, without its full text if it is over ``MAX_PAYLOAD_BYTES``."""
    body = event_json.encode()
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
