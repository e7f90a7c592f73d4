"""Backfill progress: a tqdm bar on a terminal, JSON-ready log lines every N seconds off one."""

from __future__ import annotations

import io

from structlog.testing import capture_logs

from services.fetcher.progress import ProgressBar
from services.fetcher.queueing import Tally
from services.fetcher.sources.base import Progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_shows_position_total_and_counts() -> None:
    """Two pages of a 200-record walk: the bar ends at 200/200 with the counts."""
    stream, tally = Terminal(), Tally(queued=3, skipped={"not-a-letter": 5})
    bar = ProgressBar("backfill sru", stream=stream)
    bar.update(Progress("101", done=100, total=200), tally)
    bar.update(Progress("201", done=200, total=200), tally)
    bar.finish(tally)
    text = stream.getvalue()
    assert "backfill sru" in text and "200/200" in text
    assert "queued 3, unchanged 0, dead-lettered 0, skipped 5" in text


def test_off_a_terminal_a_line_every_interval_with_rate_and_eta() -> None:
    """With a line every 10 s: one at 12 s (100 of 400 done, 8.3/s, 36 s to go), none at 15 s,
    and the final one."""
    now = [0.0]
    bar = ProgressBar("backfill", stream=io.StringIO(), every=10.0, clock=lambda: now[0])
    tally = Tally(queued=1)
    with capture_logs() as logs:
        now[0] = 12.0
        bar.update(Progress("101", done=100, total=400), tally)
        now[0] = 15.0
        bar.update(Progress("151", done=150, total=400), tally)
        now[0] = 40.0
        bar.finish(tally)
    assert ["backfill progress", "backfill done"] == [e["event"] for e in logs]
    first = logs[0]
    assert (100, 400, 8.33, 36) == (first["done"], first["total"], first["rate_per_second"],
                                    first["eta_seconds"])
    assert (400, 1) == (logs[1]["done"], logs[1]["queued"])
