"""``kamerstroom db upgrade`` and ``db migrate-from-sqlite``, and a database that is not
there at start: on a private PostgreSQL, through the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.fetcher.store import FetcherStore
from services.publisher.read.query import LetterQuery
from services.publisher.read.store import ReadStore
from services.publisher.records import RecordStore
from services.publisher.webhooks.models import Attempt
from services.publisher.webhooks.registry import EndpointRegistry
from shared.db import open_database
from shared.db.migrate import latest_version
from tests.unit.publisher.letters import kst, other_letter, tweedekamer
from tests.unit.publisher.test_delivery import event

SOURCE = "https://kamerstroom.test"


def _kamerstroom(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "kamerstroom", *args], env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def _sqlite_state(path: Path) -> dict[str, object]:
    """A deployment's state: letters (one version not yet announced), an endpoint with a
    delivery and two attempts, fetcher checkpoints. Returns what the copy must keep."""
    records = RecordStore(path, event_source=SOURCE)
    for record in (kst(), tweedekamer()):
        version = records.ingest(record)
        assert version is not None
        records.mark_announced(version)
    pending = records.ingest(other_letter("9"))  # stored, never announced (a crash)
    assert pending is not None
    records.close()
    registry = EndpointRegistry(path)
    endpoint = registry.create("https://receiver.example/hook")
    row = registry.add_direct_deliveries([endpoint.id], event())[0]
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    registry.record_attempt(row.id, Attempt(1, now, 500, 12.0, "boom", None), "pending")
    registry.record_attempt(row.id, Attempt(2, now, 204, 8.0, "", None), "succeeded")
    registry.close()
    fetcher = FetcherStore(path)
    fetcher.record("officielebekendmakingen", "kst-36124-3", "hash-1", "v1",
                   ("officielebekendmakingen", "2026-12-01T00:00:00Z"))
    fetcher.close()
    reader = ReadStore(path)
    key = reader.cursor_key()
    reader.close()
    return {"endpoint": endpoint.id, "delivery": row.id, "pending": (pending.letter_id, pending.version),
            "cursor_key": key}


def test_migrate_from_sqlite_keeps_everything_and_announces_nothing_again(
        tmp_path: Path, postgres_url: str) -> None:
    path = tmp_path / "kamerstroom.sqlite3"
    kept = _sqlite_state(path)
    result = _kamerstroom("db", "migrate-from-sqlite", str(path), KAMERSTROOM_DATABASE_URL=postgres_url)
    assert 0 == result.returncode, result.stderr
    assert "letter_versions: 3 rows" in result.stdout  # kst then kst + Tweede Kamer, the other
    records = RecordStore(postgres_url, event_source=SOURCE)
    registry = EndpointRegistry(postgres_url)
    fetcher = FetcherStore(postgres_url)
    reader = ReadStore(postgres_url)
    try:
        assert [kept["pending"]] == [(v.letter_id, v.version) for v in records.unannounced()]
        assert [1, 2] == [v.version for v in records.versions("kst-36124-3")]
        assert records.ingest(kst()) is None and records.ingest(tweedekamer()) is None  # nothing new
        delivery = registry.delivery(str(kept["delivery"]))
        assert delivery is not None and ("succeeded", 2) == (delivery.status, delivery.attempts)
        assert [500, 204] == [a.status_code for a in registry.attempts(delivery.id)]
        assert delivery.id not in {r.id for r in registry.unqueued()}
        assert "2026-12-01T00:00:00Z" == fetcher.checkpoint("officielebekendmakingen")
        assert fetcher.is_queued("officielebekendmakingen", "kst-36124-3", "hash-1")
        assert kept["cursor_key"] == reader.cursor_key()
        found = reader.page(LetterQuery(q="voortgang", ministry="def"), 10)
        assert ["kst-36124-3"] == [r.letter_id for r in found]
    finally:
        for store in (records, registry, fetcher, reader):
            store.close()


def test_migrate_from_sqlite_refuses_a_database_that_holds_state(tmp_path: Path, postgres_url: str) -> None:
    path = tmp_path / "kamerstroom.sqlite3"
    _sqlite_state(path)
    assert 0 == _kamerstroom("db", "migrate-from-sqlite", str(path),
                             KAMERSTROOM_DATABASE_URL=postgres_url).returncode
    again = _kamerstroom("db", "migrate-from-sqlite", str(path), KAMERSTROOM_DATABASE_URL=postgres_url)
    assert 2 == again.returncode
    assert "already holds state" in again.stderr and "Traceback" not in again.stderr


def test_db_upgrade_migrates_once_and_then_has_nothing_to_do(postgres_url: str) -> None:
    first = _kamerstroom("db", "upgrade", KAMERSTROOM_DATABASE_URL=postgres_url)
    second = _kamerstroom("db", "upgrade", KAMERSTROOM_DATABASE_URL=postgres_url)
    assert (0, 0) == (first.returncode, second.returncode), first.stderr + second.stderr
    assert "applied 0001_initial" in first.stdout
    assert f"schema at version {latest_version('postgresql')}, nothing to do" in second.stdout


def test_a_schema_newer_than_the_release_stops_the_start(tmp_path: Path, postgres_url: str) -> None:
    db = open_database(postgres_url)
    db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')")
    db.close()
    result = _kamerstroom("publisher", KAMERSTROOM_DATABASE_URL=postgres_url,
                          KAMERSTROOM_DATA_DIR=str(tmp_path))
    assert 2 == result.returncode
    assert 1 == len(result.stderr.strip().splitlines()), result.stderr
    assert "schema version 999, newer than this release" in result.stderr


@pytest.mark.parametrize("command", [("run",), ("db", "upgrade")])
def test_an_unreachable_database_at_start_is_one_line_and_exit_2(tmp_path: Path,
                                                                  command: tuple[str, ...]) -> None:
    result = _kamerstroom(*command, KAMERSTROOM_DATABASE_URL="postgresql://kamerstroom@127.0.0.1:9/state",
                          KAMERSTROOM_DATA_DIR=str(tmp_path))
    assert 2 == result.returncode
    assert 1 == len(result.stderr.strip().splitlines()), result.stderr
    assert "PostgreSQL does not answer" in result.stderr


def test_a_fetcher_file_and_a_publisher_file_move_into_one_database(tmp_path: Path,
                                                                    postgres_url: str) -> None:
    """Deployments that gave the fetcher and the publisher a volume each have two files,
    each holding its own service's rows: both move, one after the other."""
    fetcher_file, publisher_file = tmp_path / "fetcher.sqlite3", tmp_path / "publisher.sqlite3"
    fetcher = FetcherStore(fetcher_file)
    fetcher.record("officielebekendmakingen", "kst-36124-3", "hash-1", "v1",
                   ("officielebekendmakingen", "7"))
    fetcher.close()
    records = RecordStore(publisher_file, event_source=SOURCE)
    version = records.ingest(kst())
    assert version is not None
    records.mark_announced(version)
    records.close()
    runs = [_kamerstroom("db", "migrate-from-sqlite", str(path), KAMERSTROOM_DATABASE_URL=postgres_url)
            for path in (fetcher_file, publisher_file)]
    assert [0, 0] == [r.returncode for r in runs], [r.stderr for r in runs]
    moved_fetcher, moved_records = FetcherStore(postgres_url), RecordStore(postgres_url, event_source=SOURCE)
    try:
        assert "7" == moved_fetcher.checkpoint("officielebekendmakingen")
        assert [] == moved_records.unannounced() and moved_records.ingest(kst()) is None
    finally:
        moved_fetcher.close()
        moved_records.close()
