"""The fetcher's memory in SQLite: which upstream documents were queued, with which content."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (source, upstream_id)
);
"""


class FetcherStore:
    """Seen-table: ``(source, upstream_id) -> content hash`` of the last queued version."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def is_queued(self, source: str, upstream_id: str, content_hash: str) -> bool:
        """True if exactly this content was queued before (a changed document is not)."""
        row = self._db.execute(
            "SELECT content_hash FROM seen WHERE source = ? AND upstream_id = ?",
            (source, upstream_id),
        ).fetchone()
        return row is not None and row[0] == content_hash

    def mark_queued(self, source: str, upstream_id: str, content_hash: str) -> None:
        """Remember a document after the broker confirmed it."""
        self._db.execute(
            "INSERT INTO seen (source, upstream_id, content_hash) VALUES (?, ?, ?) "
            "ON CONFLICT (source, upstream_id) DO UPDATE SET content_hash = excluded.content_hash,"
            " queued_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (source, upstream_id, content_hash),
        )

    def ping(self) -> bool:
        self._db.execute("SELECT 1").fetchone()
        return True

    def close(self) -> None:
        self._db.close()
