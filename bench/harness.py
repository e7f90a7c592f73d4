"""Runs the chosen scenarios in order and writes the results; one failure never stops the rest."""

from __future__ import annotations

import platform
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.context import Context, make_context
from bench.results import Result, unmeasured, write
from bench.scenarios import (
    backfill,
    drift,
    freshness,
    latency,
    parser,
    pipeline,
    read,
    replay,
    webhooks,
)

Scenario = Callable[[Context], Awaitable[list[Result]]]
SCENARIOS: dict[str, Scenario] = {
    "pipeline": pipeline.run,
    "latency": latency.run,
    "parser": parser.run,
    "webhooks": webhooks.run,
    "backfill": backfill.run,
    "freshness": freshness.run,
    "drift": drift.run,
    "replay": replay.run,
    "read": read.run,
}
RESULTS = Path(__file__).parent / "results"
# Quick mode proves the harness; its figures must never replace a full run's committed files.
QUICK_RESULTS = RESULTS / "quick"


async def run(names: Sequence[str], *, quick: bool, out: Path = RESULTS,
              echo: Callable[[str], None] = print, label: str = "") -> list[Result]:
    """Run ``names`` (all when empty); write ``latest.json``/``latest.md`` into ``out``."""
    chosen = list(names) or list(SCENARIOS)
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        raise ValueError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIOS)}")
    results: list[Result] = []
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="kamerstroom-bench-") as workdir:
        ctx = make_context(quick=quick, workdir=Path(workdir))
        try:
            for name in chosen:
                echo(f"bench: {name} …")
                t0 = time.monotonic()
                rows = await _one(name, ctx)
                for row in rows:
                    echo(f"bench:   {row.scenario}: {row.figure} {row.unit} "
                         f"(baseline {row.baseline}, ratio {row.ratio}, met {row.met}) {row.note}")
                echo(f"bench: {name} took {time.monotonic() - t0:.1f}s")
                results.extend(rows)
        finally:
            ctx.postgres.stop()  # also when interrupted: no cluster outlives the run
    header = (f"# kamerstroom benchmarks ({'quick' if quick else 'full'} mode)\n\n"
              f"Run {started:%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
              f"({platform.machine()}, Python {platform.python_version()}). Every baseline was "
              "measured in the same run; compare ratios, not absolute figures."
              + (f"\n\n{label}" if label else ""))
    write(results, out, header)
    return results


async def _one(name: str, ctx: Context) -> list[Result]:
    try:
        return await SCENARIOS[name](ctx)
    except Exception as exc:  # a broken scenario is a row, not the end of the run
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return [unmeasured(name, "", f"scenario failed: {detail}")]
