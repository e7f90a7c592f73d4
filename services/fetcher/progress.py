"""Backfill progress for a person at a terminal, and for the log when there is none.

On a terminal: a tqdm bar with the position, the total where the feed reports one (the SRU
does; the SyncFeed's position is its skiptoken, with no total), the rate and the ETA, and
the counts so far. Off a terminal (a job, a pipe): one JSON log line ``backfill progress``
every ``every`` seconds, with the same figures, and one at the end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import structlog
from tqdm import tqdm

from services.fetcher.queueing import Tally
from services.fetcher.sources.base import Item, Progress

log = structlog.get_logger(__name__)


class ProgressBar:
    """What a backfill shows while it walks; ``update`` after each item, ``finish`` at the end."""

    def __init__(self, label: str, stream: TextIO | None = None, every: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._every = every
        self._clock = clock
        self._started = self._last_line = clock()
        self._done = 0
        self._total: int | None = None
        self._bar: tqdm[Any] | None = None
        if self._stream.isatty():
            self._bar = tqdm(desc=label, file=self._stream, unit=" records", dynamic_ncols=True)

    def update(self, item: Item, tally: Tally) -> None:
        if isinstance(item, Progress) and item.done is not None:
            step = max(0, item.done - self._done)
            self._done, self._total = item.done, item.total or self._total
            if self._bar is not None:
                self._bar.total = self._total
                self._bar.update(step)
        if self._bar is not None:
            self._bar.set_postfix_str(_counts(tally), refresh=False)
        elif self._clock() - self._last_line >= self._every:
            self._line(tally)

    def finish(self, tally: Tally) -> None:
        if self._total is not None and self._done < self._total:
            self._done = self._total
        if self._bar is not None:
            self._bar.n = self._done
            self._bar.set_postfix_str(_counts(tally))
            self._bar.close()
        self._line(tally, final=True)

    def _line(self, tally: Tally, final: bool = False) -> None:
        self._last_line = now = self._clock()
        elapsed = max(now - self._started, 1e-9)
        rate = self._done / elapsed
        eta = (self._total - self._done) / rate if self._total and rate > 0 else None
        log.info("backfill done" if final else "backfill progress", backfill=self._label,
                 done=self._done, total=self._total, rate_per_second=round(rate, 2),
                 eta_seconds=round(eta) if eta is not None else None,
                 elapsed_seconds=round(elapsed), queued=tally.queued, unchanged=tally.unchanged,
                 dead_lettered=tally.dead_lettered, skipped=tally.skipped_total)


def _counts(tally: Tally) -> str:
    return (f"queued {tally.queued}, unchanged {tally.unchanged}, dead-lettered "
            f"{tally.dead_lettered}, skipped {tally.skipped_total}")
