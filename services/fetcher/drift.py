"""Feed drift: responses that deviate from the contract a source was built for.

Every deviation is counted in ``kamerstroom_feed_drift_total{source,kind}``, kept as the
last example of its kind (detail, URL, time, count) for ``/readyz``, and logged at most once
per source and kind an hour (``LOG_EVERY``) so a changed feed cannot flood the log. The
alert ``KamerstroomFeedDrift`` fires on the counter. Drift is never read as "nothing new":
a deviation that spoils a response makes the poll fail (``FeedDrift``), and the fetcher
backs off with its checkpoint held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from services.fetcher.sources.base import Drift
from shared import metrics

log = structlog.get_logger(__name__)
LOG_EVERY = timedelta(hours=1)


@dataclass
class Example:
    """The last deviation of one kind, as ``/readyz`` shows it."""

    detail: str
    url: str | None
    last_seen: datetime
    count: int
    logged_at: datetime | None = None

    def as_detail(self) -> dict[str, object]:
        return {"detail": self.detail, "url": self.url, "count": self.count,
                "last_seen": self.last_seen.isoformat()}


class DriftMonitor:
    """Counts, remembers and (throttled) logs the drift of every source of one fetcher."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._examples: dict[str, dict[str, Example]] = {}

    def report(self, source: str, drift: Drift) -> None:
        """Count one deviation of ``source``; log it unless its kind was logged within the hour."""
        metrics.FEED_DRIFT.labels(source=source, kind=drift.kind).inc()
        now = self._clock()
        kinds = self._examples.setdefault(source, {})
        example = kinds.get(drift.kind)
        if example is None:
            example = kinds[drift.kind] = Example(drift.detail, drift.url, now, 0)
        example.detail, example.url, example.last_seen = drift.detail, drift.url, now
        example.count += 1
        if example.logged_at is None or now - example.logged_at >= LOG_EVERY:
            example.logged_at = now
            log.warning("feed drift", source=source, kind=drift.kind, detail=drift.detail,
                        url=drift.url, count=example.count,
                        hint="the upstream format changed: see docs/feeds.md, Drift")

    def detail(self, source: str) -> dict[str, object]:
        """The last example of each kind seen for ``source`` (empty when none)."""
        return {kind: e.as_detail() for kind, e in sorted(self._examples.get(source, {}).items())}

    def total(self, source: str) -> int:
        """How many deviations ``source`` had since start."""
        return sum(e.count for e in self._examples.get(source, {}).values())
