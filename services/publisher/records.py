"""The publisher's memory of letters in the state database: every feed's record, every version, every event.

``ingest`` and ``withdraw`` decide, in one transaction each, whether a message makes a new
version; the version is stored with its event before anything is published, so a retried
publish re-sends the same event (same id) and a redelivered message makes nothing new.

Any number of publishers may share one PostgreSQL database: every ingest and withdrawal
holds the database lock ``ingest`` for its transaction (on SQLite its write lock is that),
so two replicas never both resolve the same letter or number the same version, and the
primary key ``(letter_id, version)`` would refuse a second one if they did. A version is
stored claimed by its maker for ``CLAIM`` (``claimed_until``); another replica's start-up
recovery (``claim_unannounced``) takes only versions whose claim ran out, in one atomic
``UPDATE … RETURNING``, so two replicas never both recover the same version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.publisher.events import build_event
from services.publisher.identity import canonical_id, identity_keys, kst_id
from services.publisher.merge import changed_fields, feed_of, merge
from services.publisher.read.index import LetterIndex
from shared.db import Clock, Target, open_database, stamp, system_clock
from shared.schema import CloudEvent, EventKind, Kamerbrief
from shared.schema.events import upgrade_event_json
from shared.schema.record import SourceRef

# How long the replica that stored a version is left to announce it before another
# replica's recovery may (an announcement takes milliseconds; a crashed replica's message
# is redelivered and announced at once, without waiting for this).
CLAIM = timedelta(seconds=60)
# (feed, upstream id, record): a record the current transaction wrote and still holds.
_Known = tuple[str, str, Kamerbrief]


@dataclass(frozen=True)
class Version:
    """One stored version of a letter and the event that announces it."""

    letter_id: str
    version: int
    kind: EventKind
    event: CloudEvent
    announced: bool
    event_json: str = ""  # the event serialised once, for the broker and the webhooks

    def body(self) -> str:
        """The event as JSON (as stored)."""
        return self.event_json or self.event.model_dump_json()


class RecordStore:
    """Letters, their per-feed records, identity keys and versions."""

    def __init__(self, target: Target, *, event_source: str, clock: Clock = system_clock) -> None:
        # A commit lost to a power cut is recomputed when the broker redelivers the unacked
        # message: the same version, so the same event id, which subscribers deduplicate.
        self._db = open_database(target)
        self._clock = clock
        self._index = LetterIndex(self._db)  # the read API's tables, written with each version
        self._index.ensure()
        self._source = event_source

    def close(self) -> None:
        self._db.close()

    @property
    def dialect(self) -> str:
        return self._db.dialect

    def checkpoint_elsewhere(self) -> None:
        """SQLite: leave WAL checkpoints to a ``Checkpointer`` (off the event loop)."""
        if self._db.dialect == "sqlite":
            self._db.execute("PRAGMA wal_autocheckpoint=0")

    def ping(self) -> bool:
        return self._db.ping()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A write transaction that holds the ``ingest`` lock across every replica."""
        with self._db.transaction():
            self._db.lock("ingest")
            yield

    # -- reading --------------------------------------------------------------------------

    def latest(self, letter_id: str) -> Version | None:
        """The newest version of a letter, or ``None`` if it was never published."""
        row = self._db.execute(
            "SELECT letter_id, version, kind, event_json, announced FROM letter_versions "
            "WHERE letter_id = ? ORDER BY version DESC LIMIT 1", (letter_id,)).fetchone()
        return _version(row) if row else None

    def versions(self, letter_id: str) -> list[Version]:
        """Every version of a letter, oldest first."""
        rows = self._db.execute(
            "SELECT letter_id, version, kind, event_json, announced FROM letter_versions "
            "WHERE letter_id = ? ORDER BY version", (letter_id,)).fetchall()
        return [_version(r) for r in rows]

    def events_between(self, since: datetime, until: datetime | None = None,
                       limit: int = 10_000) -> list[CloudEvent]:
        """Announced events whose version was stored in ``[since, until)``, oldest first."""
        sql = "SELECT event_json FROM letter_versions WHERE announced = 1 AND created_at >= ?"
        args: list[str | int] = [stamp(since)]
        if until is not None:
            sql, args = sql + " AND created_at < ?", [*args, stamp(until)]
        rows = self._db.execute(sql + " ORDER BY created_at LIMIT ?", (*args, limit)).fetchall()
        return [CloudEvent.model_validate_json(r[0]) for r in rows]

    def letter_of(self, feed: str, upstream_id: str) -> str | None:
        """The canonical letter id a feed's item was resolved to."""
        row = self._db.execute("SELECT letter_id FROM letter_sources WHERE feed = ? AND upstream_id = ?",
                               (feed, upstream_id)).fetchone()
        return str(row[0]) if row else None

    def claim_unannounced(self) -> list[Version]:
        """Versions stored but not announced whose claim ran out (left by a crash), now
        claimed by this replica for ``CLAIM``; oldest first. Atomic across replicas."""
        now = self._clock()
        rows = self._db.execute(
            "UPDATE letter_versions SET claimed_until = ? WHERE announced = 0 AND "
            "(claimed_until IS NULL OR claimed_until < ?) "
            "RETURNING letter_id, version, kind, event_json, announced, created_at",
            (stamp(now + CLAIM), stamp(now))).fetchall()
        return [_version(r[:5]) for r in sorted(rows, key=lambda r: (r[5], r[0], r[1]))]

    def unannounced(self) -> list[Version]:
        """Versions stored but not yet confirmed as published (a crash in between)."""
        rows = self._db.execute(
            "SELECT letter_id, version, kind, event_json, announced FROM letter_versions "
            "WHERE announced = 0 ORDER BY created_at").fetchall()
        return [_version(r) for r in rows]

    # -- writing --------------------------------------------------------------------------

    def ingest(self, record: Kamerbrief, *, replay: bool = False) -> Version | None:
        """Take one feed's record; return the version to announce, or ``None`` for nothing new.

        A version stored earlier but never confirmed as announced is returned again as is.
        """
        feed = feed_of(record)
        upstream = record.sources[0].upstream_id if record.sources else record.id
        with self._transaction():
            letter = self.letter_of(feed, upstream) or self._match(record) or canonical_id(record)
            letter = self._prefer_kst_id(letter, record)
            self._db.execute(
                "INSERT INTO letter_sources (feed, upstream_id, letter_id, record_json, withdrawn) "
                "VALUES (?, ?, ?, ?, 0) ON CONFLICT (feed, upstream_id) DO UPDATE SET "
                "record_json = excluded.record_json, withdrawn = 0",
                (feed, upstream, letter, record.model_dump_json()))
            for key in identity_keys(record):
                self._db.execute("INSERT INTO letter_keys (key, letter_id) VALUES (?, ?) "
                                 "ON CONFLICT DO NOTHING", (key, letter))
            return self._next_version(letter, replay=replay, known=(feed, upstream, record))

    def withdraw(self, source: SourceRef, *, replay: bool = False) -> Version | None:
        """A feed withdrew an item: ``updated`` while other feeds still have the letter,
        ``withdrawn`` when none does, ``None`` for an item we never had (or withdrew already)."""
        with self._transaction():
            row = self._db.execute(
                "SELECT letter_id FROM letter_sources WHERE feed = ? AND upstream_id = ? "
                "AND withdrawn = 0", (source.feed, source.upstream_id)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE letter_sources SET withdrawn = 1 WHERE feed = ? AND upstream_id = ?",
                             (source.feed, source.upstream_id))
            return self._next_version(str(row[0]), replay=replay)

    def mark_announced(self, version: Version) -> None:
        """The version's event reached the broker and its webhook deliveries are queued."""
        self._db.execute("UPDATE letter_versions SET announced = 1 WHERE letter_id = ? AND version = ?",
                         (version.letter_id, version.version))

    # -- internals ------------------------------------------------------------------------

    def _match(self, record: Kamerbrief) -> str | None:
        for key in identity_keys(record):
            row = self._db.execute("SELECT letter_id FROM letter_keys WHERE key = ?", (key,)).fetchone()
            if row:
                return str(row[0])
        return None

    def _prefer_kst_id(self, letter: str, record: Kamerbrief) -> str:
        """Rename a letter known by a derived id once a source gives its Kamerstuk id.

        Happens at most once per letter; the next event lists ``id`` in ``changed_fields``.
        """
        kst = kst_id(record)
        if kst is None or letter == kst or letter.startswith("kst-"):
            return letter
        if self._db.execute("SELECT 1 FROM letter_versions WHERE letter_id = ?", (kst,)).fetchone():
            return letter  # the Kamerstuk id is taken by another letter: keep ours
        for table in ("letter_sources", "letter_keys", "letter_versions", *self._index.tables):
            self._db.execute(f"UPDATE {table} SET letter_id = ? WHERE letter_id = ?", (kst, letter))
        return kst

    def _active_records(self, letter: str, known: _Known | None) -> list[Kamerbrief]:
        """The letter's records from feeds that have not withdrawn it, in stored order.

        ``known`` is the record just written (feed, upstream id, record): used as is rather
        than parsed back from its JSON.
        """
        rows = self._db.execute("SELECT feed, upstream_id, record_json FROM letter_sources "
                                "WHERE letter_id = ? AND withdrawn = 0", (letter,)).fetchall()
        return [known[2] if known is not None and (r[0], r[1]) == known[:2]
                else Kamerbrief.model_validate_json(r[2]) for r in rows]

    def _next_version(self, letter: str, *, replay: bool, known: _Known | None = None) -> Version | None:
        latest = self.latest(letter)
        records = self._active_records(letter, known)
        if not records:
            if latest is None or latest.kind is EventKind.WITHDRAWN:
                return None
            tomb = latest.event.data.model_copy(update={"version": latest.version + 1})
            return self._store(letter, tomb, EventKind.WITHDRAWN, [], replay)
        merged = merge(letter, records)
        if latest is None or latest.kind is EventKind.WITHDRAWN:
            number = latest.version + 1 if latest else 1
            return self._store(letter, merged.model_copy(update={"version": number}),
                               EventKind.PUBLISHED, [], replay)
        changed = changed_fields(latest.event.data, merged)
        if not changed:
            return None if latest.announced else latest
        return self._store(letter, merged.model_copy(update={"version": latest.version + 1}),
                           EventKind.UPDATED, changed, replay)

    def _store(self, letter: str, record: Kamerbrief, kind: EventKind, changed: list[str],
               replay: bool) -> Version:
        event = build_event(record, kind, source=self._source, changed_fields=changed, replay=replay)
        event_json = event.model_dump_json()
        now = self._clock()
        self._db.execute("INSERT INTO letter_versions (letter_id, version, kind, event_json, created_at, "
                         "claimed_until) VALUES (?, ?, ?, ?, ?, ?)",
                         (letter, record.version, kind.value, event_json, stamp(now), stamp(now + CLAIM)))
        self._index.put(letter, record, kind)
        return Version(letter, record.version, kind, event, announced=False, event_json=event_json)


def _version(row: tuple[str, int, str, str, int]) -> Version:
    return Version(letter_id=row[0], version=int(row[1]), kind=EventKind(row[2]),
                   event=CloudEvent.model_validate_json(row[3]), announced=bool(row[4]),
                   event_json=upgrade_event_json(row[3]))
