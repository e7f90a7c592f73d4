"""The test PostgreSQL: it answers, its databases are isolated and empty, it is ours.

The store tests on PostgreSQL stand on these fixtures (``tests/conftest.py``,
``tests/support/postgres.py``), so their promises are checked here on a real server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import pytest

from tests.support import postgres
from tests.support.postgres import PostgresCluster, PostgresServer, find_bindir, session_server

pytestmark = pytest.mark.postgresql


def test_the_cluster_answers_with_postgresql_15_or_newer(postgres_url: str) -> None:
    """A test's database URL connects, and the server is PostgreSQL 15 or newer."""
    with psycopg.connect(postgres_url, connect_timeout=10) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None and row[0] >= 150000


def test_each_database_is_fresh_and_isolated(postgres_cluster: PostgresServer) -> None:
    """Two databases share nothing: a table made in one is absent from the other, and a new
    database has no tables at all."""
    first, second = postgres_cluster.create_database(), postgres_cluster.create_database()
    try:
        assert first != second
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("CREATE TABLE versions (id text PRIMARY KEY)")
            conn.execute("INSERT INTO versions VALUES ('kst-36124-3')")
        assert ["versions"] == _tables(first)
        assert [] == _tables(second)
    finally:
        postgres_cluster.drop_database(first)
        postgres_cluster.drop_database(second)


def test_a_dropped_database_is_gone_even_with_a_connection_left_open(
        postgres_cluster: PostgresServer) -> None:
    """``drop_database`` succeeds while a store still holds a connection, so a test that
    forgot to close one cannot leak its database."""
    url = postgres_cluster.create_database()
    left_open = psycopg.connect(url)
    try:
        postgres_cluster.drop_database(url)
    finally:
        left_open.close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=10).close()


def test_database_url_is_none_for_sqlite_and_a_fresh_database_otherwise(
        database_url: str | None, request: pytest.FixtureRequest) -> None:
    """The backend parameter: ``[sqlite]`` gives ``None``, ``[postgresql]`` an empty database."""
    backend = request.node.callspec.id
    if backend == "sqlite":
        assert database_url is None
    else:
        assert "postgresql" == backend
        assert database_url is not None and [] == _tables(database_url)


def test_a_private_cluster_listens_on_loopback_never_5432_and_is_removed_on_stop() -> None:
    """Started by the tests: 127.0.0.1 on a port other than the shared server's, its socket
    in its own folder; after ``stop()`` the folder is gone and nothing answers there."""
    if find_bindir() is None:
        pytest.skip("no PostgreSQL binaries here (the session fixture says whether CI fails)")
    cluster = PostgresCluster.start()
    with cluster as server:
        parts = urlsplit(server.admin_url)
        assert ("127.0.0.1", cluster.port) == (parts.hostname, parts.port)
        assert 5432 != cluster.port
        assert (cluster.folder / f".s.PGSQL.{cluster.port}").is_socket()
        with psycopg.connect(server.admin_url, connect_timeout=10) as conn:
            row = conn.execute("SELECT inet_server_addr()::text, current_setting('fsync')").fetchone()
        assert ("127.0.0.1/32", "off") == row
    assert not cluster.folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.admin_url, connect_timeout=5).close()


def test_missing_binaries_fail_in_ci_and_skip_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without initdb the PostgreSQL tests fail under CI with a message naming the fix, and
    are skipped outside CI."""
    monkeypatch.delenv(postgres.TEST_URL_ENV, raising=False)
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)
    outcomes = (pytest.fail.Exception, pytest.skip.Exception)
    with pytest.raises(outcomes) as in_ci, session_server(in_ci=True):
        pass
    with pytest.raises(outcomes) as elsewhere, session_server(in_ci=False):
        pass
    assert (pytest.fail.Exception, pytest.skip.Exception) == (in_ci.type, elsewhere.type)
    assert "required in CI" in str(in_ci.value) and "install Debian's postgresql" in str(in_ci.value)
    assert "initdb, pg_ctl" in str(elsewhere.value)


def test_the_test_url_replaces_the_private_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``KAMERSTROOM_TEST_POSTGRES_URL`` set, no cluster is started: that server is used."""
    url = "postgresql://ci:secret@127.0.0.1:6543/postgres"
    monkeypatch.setenv(postgres.TEST_URL_ENV, url)
    monkeypatch.setattr(postgres, "find_bindir", lambda: pytest.fail("no cluster may start"))
    with session_server(in_ci=True) as server:
        assert url == server.admin_url
        assert "postgresql://ci:secret@127.0.0.1:6543/test_x" == server.url("test_x")


def _tables(url: str) -> list[str]:
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "ORDER BY tablename").fetchall()
    return [name for (name,) in rows]
