"""``kamerstroom backfill --source NAME --since YYYY-MM-DD [--until YYYY-MM-DD]``.

Walks one feed's history into the running pipeline (documents marked as replays), with a
progress bar on stderr. Interrupted (Ctrl-C, a feed or broker that gives up), it exits
non-zero; run the same command again to resume where it stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from kamerstroom.commands.dates import iso_day
from kamerstroom.runtime import connect_with_retry
from services.fetcher.backfill import backfill
from services.fetcher.main import build_sources, http_options
from services.fetcher.progress import ProgressBar
from services.fetcher.sources.base import Window
from services.fetcher.store import FetcherStore
from shared.config import SOURCE_NAMES, Settings, load_settings
from shared.errors import ConfigError, RetryLater, Unprocessable
from shared.logging import configure_logging
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("backfill", help="walk a feed's history into the pipeline")
    parser.add_argument("--source", required=True, choices=SOURCE_NAMES, help="the feed to walk")
    parser.add_argument("--since", required=True, type=iso_day, help="first day (YYYY-MM-DD)")
    parser.add_argument("--until", type=iso_day, help="last day (YYYY-MM-DD), default: no end")
    parser.set_defaults(func=_backfill)


def _backfill(args: argparse.Namespace) -> int:
    if args.until is not None and args.until < args.since:
        raise ConfigError(f"--until {args.until} is before --since {args.since}")
    settings = load_settings()
    settings.check_data_dir()
    # On a terminal the bar is the output; off one, the JSON progress lines are (info).
    configure_logging(settings.log_format, "warning" if sys.stderr.isatty() else settings.log_level)
    return asyncio.run(run(settings, args.source, Window(args.since, args.until)))


async def run(settings: Settings, source_name: str, window: Window) -> int:
    """Backfill one source; exit status 0 when the walk completed."""
    broker = RabbitMQBroker(settings.amqp_url, Topology.of(settings),
                            connection_name=f"kamerstroom backfill {source_name}")
    await connect_with_retry(broker, attempts=3)
    store = FetcherStore(settings.database)
    source = next(s for s in build_sources(settings.model_copy(update={"sources": [source_name]})))
    try:
        tally = await backfill(broker, store, source, window, http_options(settings),
                               ProgressBar(f"backfill {source_name} {window.key}"))
    except (RetryLater, Unprocessable) as exc:
        print(f"\nbackfill {source_name}: stopped: {exc}. Run the same command again to resume.",
              file=sys.stderr)
        return 1
    finally:
        store.close()
        await broker.close()
    print(f"backfill {source_name}: queued {tally.queued}, unchanged {tally.unchanged}, "
          f"dead-lettered {tally.dead_lettered}, skipped {tally.skipped_total}")
    return 0
