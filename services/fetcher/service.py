"""The fetcher's poll loop: one task per source, a failing source never stops the others."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import aiohttp
import structlog

from services.fetcher.drift import DriftMonitor
from services.fetcher.http import HttpOptions, PoliteClient
from services.fetcher.lease import Lease, LocalLease
from services.fetcher.queueing import Queuer, Tally
from services.fetcher.sources.base import Drift, PollContext, Source, Window
from services.fetcher.start import dutch_today, resolve_start_date
from services.fetcher.store import FetcherStore
from shared import metrics
from shared.errors import FeedDrift, RetryLater, ShuttingDown, Unprocessable
from shared.http import Check
from shared.messaging import Broker, Consumer, Delivery
from shared.messaging.topology import FEED_HEADER, UPSTREAM_ID_HEADER

log = structlog.get_logger(__name__)
MAX_BACKOFF = 900.0  # seconds: a failing feed is still tried every quarter of an hour


def next_wait(interval: float, failures: int) -> float:
    """Seconds until the next poll: the interval, doubled per consecutive failure, capped."""
    if failures <= 0:
        return interval
    return max(interval, min(interval * 2.0 ** (failures - 1), MAX_BACKOFF))


@dataclass
class SourceState:
    """What readiness and logs show about one source."""

    last_success: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    queued: int = 0
    dead_lettered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    start_date: date | None = None

    def as_detail(self) -> dict[str, object]:
        return {"last_success": self.last_success.isoformat() if self.last_success else None,
                "consecutive_failures": self.consecutive_failures,
                "last_error": self.last_error, "queued": self.queued,
                "dead_lettered": self.dead_lettered, "skipped": dict(self.skipped),
                "start_date": self.start_date.isoformat() if self.start_date else None}


def checkpoint_key(source: str, window: Window | None) -> str:
    """Live polling and each backfill range keep separate checkpoints."""
    return source if window is None else f"backfill:{source}:{window.key}"


class FetcherService:
    """Polls each source every ``interval`` seconds and queues what is new as raw documents.

    Live polling starts at each source's start date (see ``start``): ``start_date`` is
    ``KAMERSTROOM_START_DATE``, ``today`` the clock used when none is set or stored.
    ``interval`` (``KAMERSTROOM_POLL_INTERVAL``) overrides every source's own default; after
    a failed poll the wait doubles per consecutive failure up to ``MAX_BACKOFF``. Drift (see
    ``drift``) is reported to ``drift`` and shown in the sources' readiness detail.
    """

    name = "fetcher"

    def __init__(self, broker: Broker, store: FetcherStore, sources: list[Source], *,
                 interval: float | None, http: HttpOptions, start_date: date | None = None,
                 today: Callable[[], date] = dutch_today,
                 drift: DriftMonitor | None = None, lease: Lease | None = None) -> None:
        self._broker = broker
        self._lease: Lease = lease or LocalLease()
        self._consumer: Consumer | None = None
        self._store = store
        self._sources = sources
        self._interval = interval
        self._http = http
        self._start_date = start_date
        self._today = today
        self.drift = drift or DriftMonitor()
        self.states = {s.name: SourceState() for s in sources}
        # Held while an item is published and recorded: stop() cancels a poll only outside it,
        # so a confirmed message is never left unrecorded (which would queue it twice).
        self._handling = {s.name: asyncio.Lock() for s in sources}
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._client: PoliteClient | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._session = PoliteClient.session()
        client = PoliteClient(self._session, self._http)
        self._client = client
        for source in self._sources:
            metrics.register_source(source.name)
            self._tasks.append(asyncio.create_task(self._loop(source, client), name=source.name))
        self._consumer = await self._broker.consume(self._broker.topology.refetch_queue, self.refetch,
                                                    prefetch=1)

    async def refetch(self, delivery: Delivery) -> None:
        """A dead letter of this fetcher sent back (``dead requeue``): fetch its document again
        from the feed record it carries and handle the result as a poll would (queued, or
        dead-lettered again with the new reason). ``Unprocessable`` for a record of no
        source of this fetcher; ``ShuttingDown`` after ``begin_shutdown``."""
        if self._stopping.is_set() or self._client is None:
            raise ShuttingDown("the fetcher is shutting down")
        name = str(delivery.headers.get(FEED_HEADER) or "")
        source = next((s for s in self._sources if s.name == name), None)
        if source is None:
            raise Unprocessable("unknown-source", f"no source {name!r} in this fetcher "
                                f"(KAMERSTROOM_SOURCES: {', '.join(s.name for s in self._sources)})")
        items = await source.refetch(self._client, delivery.body.decode("utf-8", "replace"))
        queuer = Queuer(self._broker, self._store, name, checkpoint_key(name, None), redo=True)
        async with self._handling.setdefault(name, asyncio.Lock()):
            for item in items:
                await queuer.handle(item)
        log.info("refetched", source=name, upstream_id=delivery.headers.get(UPSTREAM_ID_HEADER),
                 queued=queuer.tally.queued, dead_lettered=queuer.tally.dead_lettered)

    def begin_shutdown(self) -> None:
        """Start no new poll and hand no further item of a poll in progress to the queue."""
        self._stopping.set()

    async def stop(self) -> None:
        """Stop polling and refetching: each source finishes the item in hand, then its poll
        is cancelled."""
        self._stopping.set()
        if self._consumer is not None:  # the refetch consumer; its handler finishes
            await self._consumer.cancel()
        for source, task in zip(self._sources, self._tasks, strict=False):
            async with self._handling[source.name]:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        self._lease.release()
        self._store.close()

    async def poll_once(self, source: Source, client: PoliteClient,
                        window: Window | None = None, tally: Tally | None = None) -> Tally:
        """Handle every item of one poll (or one backfill run); return what was done.

        Raises ``RetryLater`` (feed or broker unavailable) or ``Unprocessable`` (a feed page
        that is not what the protocol promises); handled items stay handled and counted in
        ``tally`` when one is given.
        """
        key = checkpoint_key(source.name, window)
        queuer = Queuer(self._broker, self._store, source.name, key, tally)
        context = PollContext(checkpoint=self._store.checkpoint(key),
                              seen=lambda uid: self._store.seen(source.name, uid), window=window,
                              start=None if window else self.start_date(source.name))
        handling = self._handling.setdefault(source.name, asyncio.Lock())
        async for item in source.poll(client, context):
            if isinstance(item, Drift):
                self.drift.report(source.name, item)
                continue
            if self._stopping.is_set() and window is None:
                break  # shutting down: the checkpoint stays at the last item handled
            async with handling:
                await queuer.handle(item)
        return queuer.tally

    def interval(self, source: Source) -> float:
        """Seconds between polls of ``source`` while it succeeds."""
        return self._interval if self._interval is not None else source.interval

    def start_date(self, source: str) -> date:
        """The source's start date, resolved (and stored) once per service lifetime."""
        state = self.states.setdefault(source, SourceState())
        if state.start_date is None:
            state.start_date = resolve_start_date(self._store, source, self._start_date,
                                                  self._today)
        return state.start_date

    async def _loop(self, source: Source, client: PoliteClient) -> None:
        """Poll while this replica holds the lease; a standby asks for it every interval."""
        state = self.states[source.name]
        while not self._stopping.is_set():
            if self._lease.ensure():
                await self._poll_and_report(source, client, state)
                wait = next_wait(self.interval(source), state.consecutive_failures)
            else:
                wait = self.interval(source)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=wait)

    async def _poll_and_report(self, source: Source, client: PoliteClient,
                               state: SourceState) -> None:
        tally = Tally()
        try:
            await self.poll_once(source, client, tally=tally)
        except FeedDrift as exc:
            self.drift.report(source.name, Drift(exc.kind, exc.detail, exc.url))
            self._failed(source, state, exc, kind="drift")
        except (RetryLater, Unprocessable) as exc:
            self._failed(source, state, exc, kind=type(exc).__name__)
        except Exception as exc:  # a bug in one source must not stop the others
            state.consecutive_failures += 1
            state.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("poll crashed", source=source.name)
            metrics.mark_poll(source.name, ok=False, kind="crash")
        else:
            state.last_success = datetime.now(UTC)
            state.consecutive_failures = 0
            state.last_error = None
            log.info("polled", source=source.name, queued=tally.queued,
                     unchanged=tally.unchanged, dead_lettered=tally.dead_lettered,
                     skipped=tally.skipped)
            metrics.mark_poll(source.name, ok=True)
        finally:  # what was queued before a failure still counts
            metrics.DOCUMENTS_FETCHED.labels(source=source.name).inc(tally.queued)
            state.queued += tally.queued
            state.dead_lettered += tally.dead_lettered
            for reason, count in tally.skipped.items():
                state.skipped[reason] = state.skipped.get(reason, 0) + count

    def _failed(self, source: Source, state: SourceState, exc: Exception, kind: str) -> None:
        state.consecutive_failures += 1
        state.last_error = str(exc)
        log.warning("poll failed", source=source.name, error=str(exc), kind=kind,
                    consecutive_failures=state.consecutive_failures,
                    next_poll_in=next_wait(self.interval(source), state.consecutive_failures))
        metrics.mark_poll(source.name, ok=False, kind=kind)

    def checks(self) -> dict[str, Check]:
        def sources() -> tuple[bool, object]:
            # A failing or drifting feed is reported, not a reason to stop serving.
            return True, {name: {**s.as_detail(), "checkpoint": self._store.checkpoint(name),
                                 "drift": self.drift.detail(name)}
                          for name, s in self.states.items()}

        return {"fetcher.sources": sources, "fetcher.store": lambda: (self._store.ping(), "ok"),
                # A standby is ready too: it takes over when the active replica goes.
                "fetcher.lease": lambda: (True, self._lease.detail())}
