"""The bench's own PostgreSQL: durable settings, a fresh database each time, its CPU measured
with the backends that have come and gone, and nothing left behind."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from bench.cpu import cpu_seconds, tree_cpu_seconds
from bench.postgres import BenchPostgres
from tests.support.postgres import find_bindir, in_ci

pytestmark = pytest.mark.postgresql
# Enough work for a backend to spend several clock ticks of CPU.
HEAVY_QUERY = "SELECT sum(i::bigint * i) FROM generate_series(1, 3000000) AS i"


@pytest.fixture
async def postgres() -> AsyncIterator[BenchPostgres]:
    if find_bindir() is None:
        if in_ci():
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("no PostgreSQL binaries")
    server = BenchPostgres()
    yield server
    server.stop()


async def test_the_cluster_is_durable_and_each_database_fresh(postgres):
    """Unlike the tests' cluster the bench's commits wait for their WAL flush, and every
    ``database()`` is a new empty one, dropped on leaving."""
    async with postgres.database() as first:
        with psycopg.connect(first, autocommit=True) as conn:
            settings = [conn.execute(f"SHOW {name}").fetchone() for name in
                        ("fsync", "synchronous_commit", "full_page_writes")]
            conn.execute("CREATE TABLE left_behind (id integer)")
        async with postgres.database() as second:
            assert first != second
            with psycopg.connect(second, autocommit=True) as conn:
                tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                assert (0,) == tables.fetchone()
    assert [("on",)] * 3 == settings
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(first, connect_timeout=5).close()


async def test_server_cpu_counts_backends_that_have_exited(postgres):
    """A backend's CPU stays in the server's figure after its connection closes (the
    postmaster has reaped it into its children's time)."""
    async with postgres.database() as url:
        pid = postgres.server_pid
        assert pid is not None
        before = tree_cpu_seconds(pid)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(HEAVY_QUERY)
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()
            assert backend is not None
            spent = cpu_seconds(backend[0])
        _wait_until_gone(backend[0])
        after = tree_cpu_seconds(pid)
    assert before is not None and after is not None and spent is not None and spent > 0
    # Clock ticks turned into seconds: 0.29 - 0.04 is 0.2499… in floating point.
    assert after - before >= spent - 1e-9


async def test_stop_ends_the_server(postgres):
    """``stop()`` ends the postmaster; a later run would start a new cluster."""
    async with postgres.database():
        pid = postgres.server_pid
    assert pid is not None
    postgres.stop()
    _wait_until_gone(pid)
    assert postgres.server_pid is None


def _wait_until_gone(pid: int) -> None:
    """Until ``pid`` has exited and been reaped (at most 1,000 looks, 10 ms apart)."""
    for _ in range(1_000):
        if not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not exit")
