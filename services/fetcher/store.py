"""The fetcher's memory in the state database: what was queued (with which content) and each checkpoint.

    seen         (source, upstream_id) -> content hash and upstream version last handled
                 (queued, withdrawn, dead-lettered or skipped)
    checkpoints  key -> value (a source's watermark or skiptoken; a backfill's position)

The Tweede Kamer SyncFeed's entities that a letter is joined with (``SyncFeedStore``):

    tk_dossiers  Kamerstukdossier id -> its entity XML (nummer, toevoeging)
    tk_actors    DocumentActor id -> the Document it points at (``<document ref>``), its XML
    tk_letters   Document id of each "Brief regering" seen -> its latest Atom entry, its
                 dossier ref and the facts (signers, dossier) it was last queued with (to
                 queue it again when its actors or dossier arrive or change later)
    tk_pending   Document id -> since when the letter waits for its actors

The tables are made by the numbered migrations (``shared/db/migrations``); the store
works the same on SQLite and PostgreSQL.

``record`` writes a seen row and a checkpoint in one transaction, after the broker
confirmed the message, so a restart resumes exactly after the last confirmed document.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from shared.db import Clock, Database, Target, open_database, stamp, system_clock

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
    """Seen-table and checkpoints of one deployment (SQLite or PostgreSQL)."""

    def __init__(self, target: Target, *, clock: Clock = system_clock) -> None:
        self._db = open_database(target)
        self._clock = clock

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
                "INSERT INTO seen (source, upstream_id, content_hash, version, queued_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, upstream_id) DO UPDATE SET "
                "content_hash = excluded.content_hash, version = excluded.version, "
                "queued_at = excluded.queued_at",
                (source, upstream_id, content_hash, version, stamp(self._clock())),
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
        put_checkpoint(self._db, key, value, stamp(self._clock()))

    def _transaction(self) -> AbstractContextManager[None]:
        return self._db.transaction()

    def ping(self) -> bool:
        return self._db.ping()

    def close(self) -> None:
        self._db.close()



class SyncFeedStore:
    """The Tweede Kamer SyncFeed's joined entities and pending letters (tables above).

    Its own connection to the state database: the source writes here, the queuer writes
    the seen-table and the Document checkpoint.
    """

    def __init__(self, target: Target, *, clock: Clock = system_clock) -> None:
        self._db = open_database(target)
        self._clock = clock

    def put_entities(self, dossiers: dict[str, str | None], actors: dict[str, tuple[str, str] | None],
                     checkpoint: tuple[str, str] | None) -> None:
        """Store (or, for ``None``, forget) dossiers and actors and move a checkpoint, atomically.

        ``actors`` maps an actor id to ``(document_id, entity XML)``.
        """
        with self._db.transaction():
            for key, entity in dossiers.items():
                if entity is None:
                    self._db.execute("DELETE FROM tk_dossiers WHERE id = ?", (key,))
                else:
                    self._db.execute("INSERT INTO tk_dossiers (id, entity) VALUES (?, ?) "
                                     "ON CONFLICT (id) DO UPDATE SET entity = excluded.entity",
                                     (key, entity))
            for key, actor in actors.items():
                if actor is None:
                    self._db.execute("DELETE FROM tk_actors WHERE id = ?", (key,))
                else:
                    self._db.execute("INSERT INTO tk_actors (id, document_id, entity) VALUES (?, ?, ?) "
                                     "ON CONFLICT (id) DO UPDATE SET document_id = excluded.document_id,"
                                     " entity = excluded.entity", (key, *actor))
            if checkpoint is not None:
                put_checkpoint(self._db, *checkpoint, stamp(self._clock()))

    def checkpoint(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM checkpoints WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def dossier(self, dossier_id: str) -> str | None:
        row = self._db.execute("SELECT entity FROM tk_dossiers WHERE id = ?", (dossier_id,)).fetchone()
        return str(row[0]) if row else None

    def actors(self, document_id: str) -> dict[str, str]:
        """The actors pointing at ``document_id``: actor id -> entity XML, by id."""
        rows = self._db.execute("SELECT id, entity FROM tk_actors WHERE document_id = ? ORDER BY id",
                                (document_id,))
        return {str(r[0]): str(r[1]) for r in rows}

    def actor_document(self, actor_id: str) -> str | None:
        """The Document a stored actor points at (a tombstone of an actor names none)."""
        row = self._db.execute("SELECT document_id FROM tk_actors WHERE id = ?", (actor_id,)).fetchone()
        return str(row[0]) if row else None

    def put_letter(self, document_id: str, entry: str, dossier_id: str | None) -> None:
        """Remember a letter's latest entry (its queued facts are kept)."""
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO tk_letters (id, entry, dossier_id) VALUES (?, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET entry = excluded.entry, dossier_id = excluded.dossier_id",
                (document_id, entry, dossier_id))

    def queued_facts(self, document_id: str) -> str | None:
        row = self._db.execute("SELECT queued_facts FROM tk_letters WHERE id = ?",
                               (document_id,)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def mark_queued(self, document_id: str, facts: str) -> None:
        """The letter was queued (or found unchanged) with ``facts``; it is no longer pending."""
        with self._db.transaction():
            self._db.execute("UPDATE tk_letters SET queued_facts = ? WHERE id = ?", (facts, document_id))
            self._db.execute("DELETE FROM tk_pending WHERE id = ?", (document_id,))

    def forget_letter(self, document_id: str) -> None:
        with self._db.transaction():
            self._db.execute("DELETE FROM tk_letters WHERE id = ?", (document_id,))
            self._db.execute("DELETE FROM tk_pending WHERE id = ?", (document_id,))

    def letter(self, document_id: str) -> str | None:
        """The latest Atom entry of a letter, or ``None`` if it is not a known letter."""
        row = self._db.execute("SELECT entry FROM tk_letters WHERE id = ?", (document_id,)).fetchone()
        return str(row[0]) if row else None

    def letters_of_dossiers(self, dossier_ids: set[str]) -> list[str]:
        found: list[str] = []
        for dossier_id in sorted(dossier_ids):
            rows = self._db.execute("SELECT id FROM tk_letters WHERE dossier_id = ?", (dossier_id,))
            found.extend(str(r[0]) for r in rows)
        return found

    def hold(self, document_id: str, since: str) -> None:
        """Mark a letter pending (kept: the first ``since`` stays)."""
        with self._db.transaction():
            self._db.execute("INSERT INTO tk_pending (id, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (document_id, since))

    def release(self, document_id: str) -> None:
        with self._db.transaction():
            self._db.execute("DELETE FROM tk_pending WHERE id = ?", (document_id,))

    def pending(self, limit: int) -> list[str]:
        """Pending letter ids, oldest first, at most ``limit``."""
        rows = self._db.execute("SELECT id FROM tk_pending ORDER BY since, id LIMIT ?", (limit,))
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        self._db.close()


def put_checkpoint(db: Database, key: str, value: str, now: str) -> None:
    """Set checkpoint ``key`` to ``value`` (in the caller's transaction, if any)."""
    db.execute("INSERT INTO checkpoints (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) "
               "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at", (key, value, now))
