"""The bench's own PostgreSQL: one private cluster for the run, a fresh database per scenario run.

The cluster is the tests' (``tests.support.postgres``: ``initdb`` into a temporary folder,
``pg_ctl`` on a free 127.0.0.1 port, as an unprivileged user when run as root), started on
first use, so a run that measures only SQLite starts none, and stopped by the harness at
the end of the run. Unlike the tests' cluster it keeps PostgreSQL's durable defaults
(``fsync``, ``synchronous_commit`` and ``full_page_writes`` on): every commit waits for its
WAL flush, as in a deployment, so the figures mean what a deployment gets, not what a
throwaway server does.

    async with ctx.postgres.database() as url:   # postgresql://…/test_3f9c…, empty
        ...                                       # KAMERSTROOM_DATABASE_URL=url
        ctx.postgres.server_pid                   # the postmaster, for bench.cpu
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

from bench.cpu import CpuMeter
from bench.results import Result, measured, unmeasured
from tests.support.postgres import PostgresCluster, PostgresUnavailable

__all__ = ["DURABLE_SETTINGS", "SUFFIX", "BenchPostgres", "DurableCluster", "PostgresUnavailable",
           "server_cpu_rows"]

# Rows measured with the stores in PostgreSQL are named ``<scenario>/postgresql``.
SUFFIX = "postgresql"

DURABLE_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "max_connections": "100",  # PostgreSQL's default; one service and the harness at a time
}


class DurableCluster(PostgresCluster):
    """The tests' private cluster with durable settings."""

    settings: ClassVar[dict[str, str]] = DURABLE_SETTINGS


class BenchPostgres:
    """The run's cluster, started by the first ``database()`` and ended by ``stop()``.

    A cluster that failed to start is not tried again: every later ``database()`` raises
    the same error, so each PostgreSQL row of the run says why at once.
    """

    def __init__(self) -> None:
        self._cluster: PostgresCluster | None = None
        self._failure: Exception | None = None

    @contextlib.asynccontextmanager
    async def database(self) -> AsyncIterator[str]:
        """A new, empty database on the run's cluster, dropped on leaving; its URL.

        Raises ``PostgresUnavailable`` without PostgreSQL binaries and ``RuntimeError``
        when the cluster does not come up.
        """
        cluster = await self._started()
        url = await asyncio.to_thread(cluster.server.create_database)
        try:
            yield url
        finally:
            await asyncio.to_thread(cluster.server.drop_database, url)

    @property
    def server_pid(self) -> int | None:
        """The postmaster's pid (its backends are its children), ``None`` before start."""
        if self._cluster is None:
            return None
        return _postmaster_pid(self._cluster.data)

    def stop(self) -> None:
        """Stop the cluster and delete its folder, if one was started. Idempotent."""
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            cluster.stop()

    async def _started(self) -> PostgresCluster:
        if self._failure is not None:
            raise self._failure
        if self._cluster is None:
            try:
                # initdb and pg_ctl take seconds: off the event loop.
                self._cluster = await asyncio.to_thread(DurableCluster.start)
            except (PostgresUnavailable, RuntimeError) as exc:
                self._failure = exc
                raise
        return self._cluster


def _postmaster_pid(data: Path) -> int | None:
    """The first line of ``postmaster.pid`` in the data folder, if it can be read."""
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


_SCALES = {"ms": 1000.0, "us": 1_000_000.0}
_PLURALS = {"delivery": "deliveries"}


def server_cpu_rows(name: str, meter: CpuMeter | str, items: int, unit: str, what: str, *,
                    on_sqlite: float | None = None) -> list[Result]:
    """Two figures without a target, CPU per ``what`` in ``unit`` (``ms`` or ``us``):
    ``<name>/cpu-per-<what>``, the service's own (``kamerstroom`` in ``meter``), and
    ``<name>/server-cpu-per-<what>``, the PostgreSQL server's (``postgresql``: the
    postmaster, its backends and background processes). ``on_sqlite`` is the service's CPU
    per item in the same run on SQLite, for the note; a ``str`` meter says why neither
    was measured."""
    service, server = f"{name}/cpu-per-{what}", f"{name}/server-cpu-per-{what}"
    if isinstance(meter, str):
        return [unmeasured(service, unit, meter), unmeasured(server, unit, meter)]
    scale = _SCALES[unit]
    rows = []
    for scenario, process, note in (
            (service, "kamerstroom", "the service's own CPU"
             + (f"; on SQLite in this run {on_sqlite * scale:.2f} {unit}" if on_sqlite else "")),
            (server, SUFFIX, "the PostgreSQL server's: postmaster, backends and background "
                             "processes, from /proc")):
        spent = meter.seconds_per_item(process, items)
        rows.append(unmeasured(scenario, unit, f"CPU of {process} not readable") if spent is None
                    else measured(scenario, spent * scale, unit,
                                  note=f"{note}; {items:,} {_PLURALS.get(what, what + 's')}"))
    return rows
