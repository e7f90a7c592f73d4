"""Backfill: walk one source's history in a date range into the same pipeline, as replays.

The walk keeps its own checkpoint (``backfill:<source>:<since>..<until>``), moved after each
confirmed document, so an interrupted backfill resumes where it stopped when run again. The
seen-table is shared with live polling: a letter already queued is not queued twice.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from services.fetcher.http import HttpOptions, PoliteClient
from services.fetcher.queueing import Queuer, Tally
from services.fetcher.service import checkpoint_key
from services.fetcher.sources.base import Item, PollContext, Progress, Source, Window
from services.fetcher.store import FetcherStore
from shared.messaging import Broker

BAR_WIDTH = 30


class ProgressBar:
    """A one-line progress display on a terminal; a line every ``every`` items otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None, every: int = 100) -> None:
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._tty = self._stream.isatty()
        self._every = every
        self._items = 0
        self._done: int | None = None
        self._total: int | None = None
        self._started = time.monotonic()

    def update(self, item: Item, tally: Tally) -> None:
        self._items += 1
        if isinstance(item, Progress) and item.done is not None:
            self._done, self._total = item.done, item.total or self._total
        if self._tty or self._items % self._every == 0:
            self._draw(tally, end="\r" if self._tty else "\n")

    def finish(self, tally: Tally) -> None:
        if self._total is not None:
            self._done = self._total
        self._draw(tally, end="\n")

    def _draw(self, tally: Tally, end: str) -> None:
        position = ""
        if self._done is not None and self._total:
            filled = int(BAR_WIDTH * min(1.0, self._done / self._total))
            position = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self._done}/{self._total} "
        elif self._done is not None:
            position = f"at {self._done} "
        elapsed = time.monotonic() - self._started
        self._stream.write(f"{self._label}: {position}queued {tally.queued}, unchanged "
                           f"{tally.unchanged}, dead-lettered {tally.dead_lettered}, skipped "
                           f"{tally.skipped_total} ({elapsed:.0f}s){end}")
        self._stream.flush()


async def backfill(broker: Broker, store: FetcherStore, source: Source, window: Window,
                   http: HttpOptions, bar: ProgressBar | None = None) -> Tally:
    """Walk ``source`` over ``window``; return what was queued.

    Raises ``RetryLater`` when the feed or broker gives up (run again to resume) and
    ``Unprocessable`` when a feed page is not what the protocol promises.
    """
    key = checkpoint_key(source.name, window)
    queuer = Queuer(broker, store, source.name, key)
    context = PollContext(checkpoint=store.checkpoint(key),
                          seen=lambda uid: store.seen(source.name, uid), window=window)
    async with PoliteClient.session() as session:
        client = PoliteClient(session, http)
        async for item in source.poll(client, context):
            await queuer.handle(item)
            if bar is not None:
                bar.update(item, queuer.tally)
    if bar is not None:
        bar.finish(queuer.tally)
    return queuer.tally
