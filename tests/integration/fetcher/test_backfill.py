"""Backfill: a date range walked into the pipeline as replays, resumable, once per letter."""

from __future__ import annotations

import io
from datetime import date

import pytest
from structlog.testing import capture_logs

from kamerstroom.commands import backfill as backfill_command
from services.fetcher.backfill import backfill
from services.fetcher.progress import ProgressBar
from services.fetcher.sources.base import Window
from services.fetcher.store import FetcherStore
from shared.errors import RetryLater
from tests.integration.fetcher.conftest import FAST, FlakyBroker, Harness


async def run(harness: Harness, source: str, window: Window, broker: object = None,
              bar: ProgressBar | None = None) -> object:
    store = FetcherStore(harness.settings.db_path)
    try:
        return await backfill(broker or harness.broker, store, harness.source(source),  # type: ignore[arg-type]
                              window, FAST, bar)
    finally:
        store.close()


async def test_sru_backfill_queues_the_range_as_replays(harness: Harness) -> None:
    """Only documents modified in the range are queued, each marked as a replay."""
    await run(harness, "officielebekendmakingen", Window(date(2021, 10, 1), date(2021, 10, 31)))
    queued = [m.json() for m in await harness.raw()]

    assert [("kst-22112-3185", True)] == [(d["upstream_id"], d["replay"]) for d in queued]
    assert any("dt.modified%3C%3D2021-10-31" in r for r in harness.server.faults.requests)


async def test_tweedekamer_backfill_resumes_after_an_interruption(harness: Harness) -> None:
    """Interrupted after five letters and run again, the backfill queues every letter once."""
    window = Window(date(2025, 1, 1))
    with pytest.raises(RetryLater):
        await run(harness, "tweedekamer", window, broker=FlakyBroker(harness.broker, allowed=5))
    harness.server.faults.requests.clear()
    await run(harness, "tweedekamer", window)
    queued = [m.json() for m in await harness.raw()]

    assert sorted(harness.server.tweedekamer.letters) == sorted(d["upstream_id"] for d in queued)
    assert {True} == {d["replay"] for d in queued}
    assert not harness.server.faults.requests[0].endswith("skiptoken=0")  # resumed, not restarted


async def test_backfill_does_not_requeue_what_live_polling_queued(harness: Harness) -> None:
    """A letter already queued by live polling is not queued again by a backfill."""
    await harness.poll("officielebekendmakingen")
    assert 1 == len(await harness.raw())
    tally = await run(harness, "officielebekendmakingen", Window(date(2021, 1, 1)))
    assert 0 == tally.queued  # type: ignore[attr-defined]
    assert [] == await harness.raw()


async def test_progress_off_a_terminal_is_json_lines_ending_with_the_counts(harness: Harness) -> None:
    """Off a terminal the progress is log lines (JSON in production), the last one with the
    final counts, the rate and the time taken."""
    with capture_logs() as logs:
        await run(harness, "officielebekendmakingen", Window(date(2021, 1, 1)),
                  bar=ProgressBar("backfill", stream=io.StringIO(), every=0.0))
    lines = [e for e in logs if e["event"] in ("backfill progress", "backfill done")]
    final = lines[-1]
    assert "backfill done" == final["event"]
    # the real page's letter; its nine bijlagen and Handelingen and the three moties skipped
    assert (1, 0, 0, 12) == (final["queued"], final["unchanged"], final["dead_lettered"],
                             final["skipped"])
    assert {"rate_per_second", "eta_seconds", "elapsed_seconds"} <= set(final)


async def test_backfill_command_runs_against_the_broker(harness: Harness,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``kamerstroom backfill`` queues the range and prints a summary; exit status 0."""
    status = await backfill_command.run(harness.settings, "officielebekendmakingen",
                                        Window(date(2021, 10, 13), date(2021, 10, 13)))
    assert 0 == status
    assert "queued 1," in capsys.readouterr().out
    assert ["kst-22112-3185"] == [m.json()["upstream_id"] for m in await harness.raw()]


async def test_backfill_command_says_how_to_resume_when_the_feed_gives_up(
        harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    """A feed that reports an error stops the command with exit 1 and a hint to run it again."""
    harness.server.faults.add("/sru", "diagnostic")
    status = await backfill_command.run(harness.settings, "officielebekendmakingen",
                                        Window(date(2025, 1, 1)))
    assert 1 == status
    assert "Run the same command again to resume." in capsys.readouterr().err
