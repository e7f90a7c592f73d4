"""The start date of live polling: nothing modified before it is announced as news.

Each live source has its own start date, kept in the store under ``start-date:<source>``
so that a restart does not move it. The rule (``KAMERSTROOM_START_DATE``):

    nothing stored, nothing configured    today (Dutch local date) is stored and used
    nothing stored, a day configured      that day is stored and used
    stored, nothing configured            the stored day
    stored, a later day configured        the configured day is stored and used
    stored, an earlier day configured     the stored day; a warning says history is for
                                          ``kamerstroom backfill`` (moving back would
                                          announce old letters as news)

A start date only ever moves forward. Backfill ignores it: it has its own window.
"""

from __future__ import annotations

from collections.abc import Callable
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
                        hint="use `kamerstroom backfill --since` for history")
    if chosen != stored:
        store.set_checkpoint(key, chosen.isoformat())
    log.info("start date", source=source, start_date=chosen.isoformat(),
             configured=configured.isoformat() if configured else None)
    return chosen


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
