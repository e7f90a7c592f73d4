"""What every scenario is given: the broker, the run's sizes, a scratch folder, the settings,
and the run's PostgreSQL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench.postgres import BenchPostgres
from shared.config import Settings


@dataclass(frozen=True)
class Sizes:
    """How much work each scenario does; quick mode proves the harness, full mode measures."""

    pipeline_letters: int
    latency_rate: float
    latency_seconds: float
    parser_letters: int
    webhook_fanout_endpoints: int
    # One fan-out lasts a quarter of a second: too short to time once on a shared machine,
    # so it is repeated and the median round is the figure (on both sides).
    webhook_fanout_rounds: int
    webhook_stream_events: int
    webhook_stream_endpoints: int
    backfill_records: int
    replay_events: int
    read_records: int
    read_seconds: float  # per variant (with and without q), at READ_RATE requests/s


FULL = Sizes(pipeline_letters=5_000, latency_rate=50.0, latency_seconds=30.0, parser_letters=500,
             webhook_fanout_endpoints=1_000, webhook_fanout_rounds=5, webhook_stream_events=2_000,
             webhook_stream_endpoints=10, backfill_records=10_000, replay_events=10_000,
             read_records=10_000, read_seconds=20.0)
QUICK = Sizes(pipeline_letters=100, latency_rate=50.0, latency_seconds=2.0, parser_letters=6,
              webhook_fanout_endpoints=20, webhook_fanout_rounds=2, webhook_stream_events=20,
              webhook_stream_endpoints=3,
              backfill_records=60, replay_events=200, read_records=200, read_seconds=1.0)


@dataclass(frozen=True)
class Context:
    """Shared by all scenarios of one run."""

    amqp_url: str
    sizes: Sizes
    workdir: Path
    quick: bool
    defaults: Settings
    # The run's private PostgreSQL, started by the first scenario that asks for a database.
    postgres: BenchPostgres

    @property
    def prefetch(self) -> int:
        """The prefetch both the system and its raw baselines use (the product's default)."""
        return self.defaults.prefetch

    @property
    def webhook_concurrency(self) -> int:
        """Deliveries in flight per endpoint, for the product and the raw client alike."""
        return self.defaults.webhook_concurrency


def make_context(*, quick: bool, workdir: Path) -> Context:
    """The context from the environment (``KAMERSTROOM_AMQP_URL`` picks the broker)."""
    defaults = Settings()
    url = os.environ.get("KAMERSTROOM_AMQP_URL", defaults.amqp_url)
    return Context(amqp_url=url, sizes=QUICK if quick else FULL, workdir=workdir, quick=quick,
                   defaults=defaults, postgres=BenchPostgres())
