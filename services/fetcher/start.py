"""The start date of live polling: nothing modified before it is announced as news.

Each live source has its own start date, kept in the store under ``start-date:<source>``
so that a restart does not move it. The rule (``KAMERSTROOM_START_DATE``):

    nothing stored, nothing configured    today (Dutch local date) is stored and used
    nothing stored, a day configured      that day is stored and used
    stored, nothing configured            the stored day
    stored, a later day configured        the configured day is stored and used
    stored, an earlier day configured     the stored day; a warning says history is for
                                          ``kamerstroom backfill`` (moving back would
                                          announce old letters as news), or moving back on
                                          purpose with ``kamerstroom feeds start-date``

Through configuration a start date only moves forward. ``move_back`` (the ``feeds
start-date --set DAY --yes`` command) moves it back on purpose: it stores the earlier day and
drops the source's live checkpoints, so the next live poll walks from that day again; the
seen-table is kept, so only letters this fetcher never queued are queued, as news. Backfill
ignores the start date: it has its own window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import structlog

from services.fetcher.store import FetcherStore

log = structlog.get_logger(__name__)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def start_date_key(source: str) -> str:
    """The store key of a source's start date (beside its checkpoint, never the same key)."""
    return f"start-date:{source}"


def dutch_today() -> date:
    """Today in the Netherlands: the feeds' dates are Dutch local dates."""
    return datetime.now(AMSTERDAM).date()


def resolve_start_date(store: FetcherStore, source: str, configured: date | None,
                       today: Callable[[], date] = dutch_today) -> date:
    """The start date of ``source`` by the rule above; stores it when it is new or later."""
    key = start_date_key(source)
    stored_text = store.checkpoint(key)
    stored = date.fromisoformat(stored_text) if stored_text else None
    if stored is None:
        chosen = configured or today()
    elif configured is not None and configured > stored:
        chosen = configured
    else:
        chosen = stored
        if configured is not None and configured < stored:
            log.warning("start date not moved back", source=source, stored=stored.isoformat(),
                        configured=configured.isoformat(),
                        hint="history: `kamerstroom backfill --since`; to move the live start "
                             f"back on purpose: `kamerstroom feeds start-date --source {source} "
                             f"--set {configured.isoformat()} --yes`")
    if chosen != stored:
        store.set_checkpoint(key, chosen.isoformat())
    log.info("start date", source=source, start_date=chosen.isoformat(),
             configured=configured.isoformat() if configured else None)
    return chosen


@dataclass(frozen=True)
class StartDate:
    """A source's stored start date and its live checkpoints (``feeds start-date``)."""

    source: str
    stored: date | None
    checkpoints: dict[str, str]

    def describe_move(self, day: date) -> str:
        """What moving this source's start date to ``day`` does, in one sentence."""
        if self.stored is None:
            return f"{self.source}: start date set to {day} (it had no first run yet)"
        if day >= self.stored:
            return (f"{self.source}: start date {self.stored} -> {day}: letters modified before "
                    f"{day} are no longer announced by live polling")
        return (f"{self.source}: start date {self.stored or 'unset'} -> {day}: the next live poll "
                f"walks the feed again from {day} (checkpoints {sorted(self.checkpoints) or 'none'} "
                "are dropped); every letter modified since then that this fetcher never queued is "
                "announced as new; letters it queued before are not queued again")


def stored_start(store: FetcherStore, source: str) -> StartDate:
    """The stored start date of ``source`` (``None`` before its first run) and checkpoints."""
    text = store.checkpoint(start_date_key(source))
    return StartDate(source, date.fromisoformat(text) if text else None,
                     store.live_checkpoints(source))


def move_start(store: FetcherStore, source: str, day: date) -> StartDate:
    """Set the start date of ``source`` to ``day``, forward or back, on purpose.

    Forward only stores the day (as a later ``KAMERSTROOM_START_DATE`` would). Back also
    drops the live checkpoints so the walk starts again at ``day``. Returns the state before.
    """
    before = stored_start(store, source)
    if before.stored is not None and day >= before.stored:
        store.set_checkpoint(start_date_key(source), day.isoformat())
    else:
        store.move_start(source, start_date_key(source), day.isoformat())
    log.warning("start date moved", source=source, stored=str(before.stored),
                start_date=day.isoformat(), dropped_checkpoints=sorted(before.checkpoints))
    return before


def local_day(timestamp: str | None) -> date | None:
    """The Dutch local date of an ISO timestamp (a naive one is Dutch already); ``None`` if unreadable."""
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(AMSTERDAM)
    return moment.date()
