"""The start date: a first live run queues only what changed on or after it, per source."""

from __future__ import annotations

from datetime import date

import pytest

from services.fetcher.start import start_date_key
from services.fetcher.store import FetcherStore
from shared.errors import RetryLater
from tests.integration.fetcher.conftest import FAST, Harness


def stored_start(harness: Harness, source: str) -> str | None:
    store = FetcherStore(harness.settings.db_path)
    try:
        return store.checkpoint(start_date_key(source))
    finally:
        store.close()


def letters_changed_since(harness: Harness, day: str) -> list[str]:
    """Replayed letters whose last change (a Dutch local timestamp) is on or after ``day``."""
    data = harness.server.tweedekamer
    return [i for i in data.letters if str(data.latest(i).bijgewerkt)[:10] >= day]  # type: ignore[union-attr]


async def test_sru_first_run_asks_only_for_kamerstukken_modified_since_the_start_date(
        harness: Harness) -> None:
    """The SRU query starts at the start date, so only the Kamerstuk modified on it is queued."""
    service = harness.service(start_date=date(2025, 10, 3))
    tally = await harness.poll("officielebekendmakingen", service)
    await service.stop()
    queued = [m.json()["upstream_id"] for m in await harness.raw()]
    queries = [r for r in harness.server.faults.requests if r.startswith("/sru")]

    assert [] == queued  # kst-33009-173, modified that day, is a motie
    assert 1 == tally.skipped_total
    assert all("dt.modified%3E%3D2025-10-03" in q for q in queries)


async def test_syncfeed_first_run_starts_at_the_start_date(harness: Harness) -> None:
    """The first run finds the start date's skiptoken by bisection: older pages are not read,
    older letters on the first page read are skipped, and only new letters' files are fetched."""
    expected = letters_changed_since(harness, "2025-09-29")
    service = harness.service(start_date=date(2025, 9, 29))
    tally = await harness.poll("tweedekamer", service)
    await service.stop()
    queued = [m.json()["upstream_id"] for m in await harness.raw()]
    fetched = [r for r in harness.server.faults.requests if "/Resources/" in r]
    walked = [r for r in harness.server.faults.requests if "category=Document&" in r]

    assert 0 < len(expected) < len(harness.server.tweedekamer.letters)
    assert sorted(expected) == sorted(queued)
    assert set(tally.skipped) <= {"before-start-date"}
    assert len(expected) == len(fetched)  # one file per new letter
    assert "/SyncFeed/2.0/Feed?category=Document&skiptoken=0" not in walked


async def test_without_a_setting_the_first_run_stores_today_and_queues_no_history(
        harness: Harness) -> None:
    """With no start date set, the day of the first run is stored and older letters are skipped."""
    service = harness.service(start_date=None, today=lambda: date(2026, 11, 28))
    tally = await harness.poll("tweedekamer", service)
    await service.stop()

    assert "2026-11-28" == stored_start(harness, "tweedekamer")
    assert 0 == tally.queued
    assert [] == await harness.raw()


async def test_a_restart_keeps_the_stored_start_date(harness: Harness) -> None:
    """A first run that failed stored its day; restarted a year later, it starts from that day."""
    harness.server.faults.add("/SyncFeed/", "500", times=FAST.attempts)
    first = harness.service(start_date=None, today=lambda: date(2025, 9, 29))
    with pytest.raises(RetryLater):
        await harness.poll("tweedekamer", first)
    await first.stop()
    restarted = harness.service(start_date=None, today=lambda: date(2026, 11, 28))
    await harness.poll("tweedekamer", restarted)
    await restarted.stop()

    assert "2025-09-29" == stored_start(harness, "tweedekamer")
    assert sorted(letters_changed_since(harness, "2025-09-29")) == sorted(
        m.json()["upstream_id"] for m in await harness.raw())


async def test_a_later_setting_moves_the_start_date_and_an_earlier_one_does_not(
        harness: Harness) -> None:
    """A configured day later than the stored one wins and is stored; an earlier one is ignored."""
    first = harness.service(start_date=date(2025, 9, 26))
    first.start_date("tweedekamer")
    await first.stop()
    later = harness.service(start_date=date(2025, 9, 29))
    later.start_date("tweedekamer")
    await later.stop()
    earlier = harness.service(start_date=date(2025, 1, 1))
    resolved = earlier.start_date("tweedekamer")
    await earlier.stop()

    assert date(2025, 9, 29) == resolved
    assert "2025-09-29" == stored_start(harness, "tweedekamer")
