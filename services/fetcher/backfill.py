"""Backfill: walk one source's history in a date range into the same pipeline, as replays.

The walk keeps its own checkpoint (``backfill:<source>:<since>..<until>``), moved after each
confirmed document, so an interrupted backfill resumes where it stopped when run again. The
seen-table is shared with live polling: a letter already queued is not queued twice.
"""

from __future__ import annotations

from services.fetcher.drift import DriftMonitor
from services.fetcher.http import HttpOptions, PoliteClient
from services.fetcher.progress import ProgressBar
from services.fetcher.queueing import Queuer, Tally
from services.fetcher.service import checkpoint_key
from services.fetcher.sources.base import Drift, PollContext, Source, Window
from services.fetcher.store import FetcherStore
from shared.messaging import Broker


async def backfill(broker: Broker, store: FetcherStore, source: Source, window: Window,
                   http: HttpOptions, bar: ProgressBar | None = None,
                   drift: DriftMonitor | None = None) -> Tally:
    """Walk ``source`` over ``window``; return what was queued. Drift is reported as live
    polling reports it (counted, logged once an hour per kind).

    Raises ``RetryLater`` when the feed or broker gives up (run again to resume) and
    ``Unprocessable`` when a feed page is not what the protocol promises.
    """
    key = checkpoint_key(source.name, window)
    queuer = Queuer(broker, store, source.name, key)
    context = PollContext(checkpoint=store.checkpoint(key),
                          seen=lambda uid: store.seen(source.name, uid), window=window)
    async with PoliteClient.session() as session:
        client = PoliteClient(session, http)
        monitor = drift or DriftMonitor()
        async for item in source.poll(client, context):
            if isinstance(item, Drift):
                monitor.report(source.name, item)
                continue
            await queuer.handle(item)
            if bar is not None:
                bar.update(item, queuer.tally)
    if bar is not None:
        bar.finish(queuer.tally)
    return queuer.tally
