"""The fetcher's memory in SQLite: what was queued (with which content) and each checkpoint.

    seen         (source, upstream_id) -> content hash and upstream version last handled
                 (queued, withdrawn, dead-lettered or skipped)
    checkpoints  key -> value (a source's watermark or skiptoken; a backfill's position)

``record`` writes a seen row and a checkpoint in one transaction, after the broker
confirmed the message, so a restart resumes exactly after the last confirmed document.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from shared.sqlite import connect, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (source, upstream_id)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""

# A content hash that means "dead-lettered, not queued" (the reason follows the colon).
DEAD_PREFIX = "dead:"
# A content hash that means "skipped on purpose, not queued" (e.g. ``skipped:not-a-letter``).
SKIPPED_PREFIX = "skipped:"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Seen:
    """The last handled state of one upstream document."""

    content_hash: str
    version: str | None

    @property
    def queued(self) -> bool:
        """True if a live (not withdrawn, dead-lettered or skipped) version was queued."""
        return not (self.content_hash.startswith((DEAD_PREFIX, SKIPPED_PREFIX))
                    or self.content_hash == WITHDRAWN)


class FetcherStore:
    """Seen-table and checkpoints of one deployment (one SQLite file, WAL mode)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(path)
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(seen)")}
        if "version" not in columns:  # the first schema had no upstream version
            self._db.execute("ALTER TABLE seen ADD COLUMN version TEXT")

    def seen(self, source: str, upstream_id: str) -> Seen | None:
        """What was last handled for this document, or ``None`` if never."""
        row = self._db.execute(
            "SELECT content_hash, version FROM seen WHERE source = ? AND upstream_id = ?",
            (source, upstream_id),
        ).fetchone()
        return Seen(row[0], row[1]) if row else None

    def is_queued(self, source: str, upstream_id: str, content_hash: str) -> bool:
        """True if exactly this content was handled before (a changed document is not)."""
        seen = self.seen(source, upstream_id)
        return seen is not None and seen.content_hash == content_hash

    def record(self, source: str, upstream_id: str, content_hash: str, version: str | None,
               checkpoint: tuple[str, str] | None = None) -> None:
        """Remember a handled document and move a checkpoint, atomically."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO seen (source, upstream_id, content_hash, version) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, upstream_id) DO UPDATE SET content_hash = excluded.content_hash,"
                " version = excluded.version, queued_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                (source, upstream_id, content_hash, version),
            )
            if checkpoint is not None:
                self._put_checkpoint(*checkpoint)

    def mark_queued(self, source: str, upstream_id: str, content_hash: str) -> None:
        """Remember a document after the broker confirmed it (no version, no checkpoint)."""
        self.record(source, upstream_id, content_hash, None)

    def count(self, source: str) -> int:
        """How many documents of ``source`` were handled (queued, withdrawn or dead-lettered)."""
        row = self._db.execute("SELECT count(*) FROM seen WHERE source = ?", (source,)).fetchone()
        return int(row[0])

    def checkpoint(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM checkpoints WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_checkpoint(self, key: str, value: str) -> None:
        with self._transaction():
            self._put_checkpoint(key, value)

    def live_checkpoints(self, source: str) -> dict[str, str]:
        """The live polling checkpoints of ``source``: its own key and ``<source>:<part>``
        keys (one per feed category), never a backfill's or the start date."""
        rows = self._db.execute(
            "SELECT key, value FROM checkpoints WHERE key = ? OR substr(key, 1, ?) = ?",
            (source, len(source) + 1, source + ":")).fetchall()
        return {str(key): str(value) for key, value in rows}

    def move_start(self, source: str, start_key: str, day: str) -> dict[str, str]:
        """Store ``day`` under ``start_key`` and drop the live checkpoints of ``source``, in
        one transaction; return the checkpoints dropped. The seen-table is kept."""
        with self._transaction():
            dropped = self.live_checkpoints(source)
            for key in dropped:
                self._db.execute("DELETE FROM checkpoints WHERE key = ?", (key,))
            self._put_checkpoint(start_key, day)
        return dropped

    def _put_checkpoint(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO checkpoints (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
            "value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (key, value),
        )

    def _transaction(self) -> AbstractContextManager[None]:
        return transaction(self._db)

    def ping(self) -> bool:
        self._db.execute("SELECT 1").fetchone()
        return True

    def close(self) -> None:
        self._db.close()

