"""The start date rule, its parsing, and where each source's walk begins because of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.fetcher.sources.base import PollContext
from services.fetcher.sources.officielebekendmakingen import QUERY, query_for
from services.fetcher.start import (
    local_day,
    move_start,
    resolve_start_date,
    start_date_key,
    stored_start,
)
from services.fetcher.store import FetcherStore
from shared.config import load_settings
from shared.errors import ConfigError


@pytest.fixture
def store() -> FetcherStore:
    """A store in memory."""
    return FetcherStore(Path(":memory:"))


def resolve(store: FetcherStore, configured: date | None, today: date) -> date:
    return resolve_start_date(store, "tweedekamer", configured, lambda: today)


def test_first_run_without_a_setting_stores_today(store: FetcherStore) -> None:
    """No setting and nothing stored: the day of the first run, kept in the store."""
    assert date(2026, 11, 28) == resolve(store, None, date(2026, 11, 28))
    assert "2026-11-28" == store.checkpoint(start_date_key("tweedekamer"))


def test_a_stored_start_date_outlives_later_days(store: FetcherStore) -> None:
    """Resolved again on a later day with no setting, the stored day stays."""
    resolve(store, None, date(2026, 11, 28))
    assert date(2026, 11, 28) == resolve(store, None, date(2027, 3, 1))


def test_a_later_setting_wins_and_an_earlier_one_is_ignored(store: FetcherStore) -> None:
    """The start date only moves forward: history is for backfill."""
    resolve(store, date(2025, 9, 1), date(2026, 11, 28))
    moved = resolve(store, date(2025, 10, 1), date(2026, 11, 28))
    kept = resolve(store, date(2024, 1, 1), date(2026, 11, 28))
    assert (date(2025, 10, 1), date(2025, 10, 1)) == (moved, kept)
    assert "2025-10-01" == store.checkpoint(start_date_key("tweedekamer"))


def test_each_source_has_its_own_start_date(store: FetcherStore) -> None:
    """A source enabled later starts on its own first day, not on the others'."""
    resolve_start_date(store, "tweedekamer", None, lambda: date(2025, 1, 1))
    assert date(2026, 1, 1) == resolve_start_date(store, "rijksoverheid", None,
                                                  lambda: date(2026, 1, 1))


def test_the_setting_is_an_iso_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """``KAMERSTROOM_START_DATE`` is read as a date; anything else is a readable error."""
    monkeypatch.setenv("KAMERSTROOM_START_DATE", "2025-09-29")
    assert date(2025, 9, 29) == load_settings().start_date
    monkeypatch.setenv("KAMERSTROOM_START_DATE", "29-09-2025")
    with pytest.raises(ConfigError, match="KAMERSTROOM_START_DATE"):
        load_settings()


def test_a_timestamp_counts_on_its_dutch_local_day() -> None:
    """A UTC time late in the evening is already the next day in the Netherlands."""
    assert date(2025, 9, 29) == local_day("2025-09-28T22:30:00+00:00")
    assert date(2025, 9, 28) == local_day("2025-09-28T23:30:00")
    assert local_day("not a time") is None


def test_the_sru_query_never_starts_before_the_start_date() -> None:
    """A first run asks from the start date; a watermark earlier than it is overruled."""
    first = query_for(PollContext(None, lambda _: None, start=date(2025, 10, 3)))
    behind = query_for(PollContext("2025-09-01", lambda _: None, start=date(2025, 10, 3)))
    ahead = query_for(PollContext("2025-11-01", lambda _: None, start=date(2025, 10, 3)))
    assert f"{QUERY} AND dt.modified>=2025-10-03" == first == behind
    assert f"{QUERY} AND dt.modified>=2025-10-31" == ahead


def test_moving_back_on_purpose_drops_the_live_checkpoints_only(store: FetcherStore) -> None:
    """``move_start`` back stores the day and drops the source's live checkpoints, not a
    backfill's, another source's or the seen-table."""
    resolve(store, None, date(2026, 11, 28))
    store.record("tweedekamer", "guid-1", "sha256:x", "v1", ("tweedekamer", "120"))
    store.set_checkpoint("tweedekamer:DocumentActor", "77")
    store.set_checkpoint("backfill:tweedekamer:2025-01-01..", "5")
    store.set_checkpoint("officielebekendmakingen", "2026-11-30")
    before = move_start(store, "tweedekamer", date(2025, 1, 1))
    assert date(2026, 11, 28) == before.stored
    assert {"tweedekamer": "120", "tweedekamer:DocumentActor": "77"} == before.checkpoints
    assert "2025-01-01" == store.checkpoint(start_date_key("tweedekamer"))
    assert {} == store.live_checkpoints("tweedekamer")
    assert "5" == store.checkpoint("backfill:tweedekamer:2025-01-01..")
    assert "2026-11-30" == store.checkpoint("officielebekendmakingen")
    assert store.seen("tweedekamer", "guid-1") is not None
    assert date(2025, 1, 1) == resolve(store, None, date(2026, 12, 2))


def test_moving_forward_keeps_the_checkpoints(store: FetcherStore) -> None:
    """A later day is only stored: the walk goes on from where it was."""
    resolve(store, None, date(2026, 11, 28))
    store.set_checkpoint("tweedekamer", "120")
    move_start(store, "tweedekamer", date(2026, 12, 1))
    assert "120" == store.checkpoint("tweedekamer")
    assert date(2026, 12, 1) == stored_start(store, "tweedekamer").stored
