"""The read side's index of letters in the publisher's SQLite file: filters, citations, full text.

``LetterIndex.put`` is called by ``RecordStore`` in the transaction that stores a version,
so the index never disagrees with ``letter_versions``. ``ensure`` creates the tables when
they are missing (a data folder from before the read API) and fills them from the stored
versions once. Full text is an FTS5 table (``unicode61``, diacritics folded: "financiele"
finds "financiële").
"""

from __future__ import annotations

import secrets
import sqlite3

from shared.schema import CloudEvent, EventKind, Kamerbrief
from shared.schema.events import upgrade_event_json
from shared.sqlite import transaction

# 2: read_text's rowid is its read_letters row's rowid. A store indexed by another version
# is indexed again from its versions (``ensure``).
INDEX_VERSION = "2"
SCHEMA = """
CREATE TABLE IF NOT EXISTS read_letters (
    letter_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ministry TEXT,
    ministry_name TEXT,
    dossier TEXT,
    chamber TEXT,
    first_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    summary_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS read_letters_updated ON read_letters (updated_at, letter_id);
CREATE INDEX IF NOT EXISTS read_letters_ministry ON read_letters (ministry, updated_at);
CREATE INDEX IF NOT EXISTS read_letters_dossier ON read_letters (dossier, updated_at);
CREATE TABLE IF NOT EXISTS read_cites (
    dossier TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    PRIMARY KEY (dossier, letter_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS read_cites_letter ON read_cites (letter_id);
CREATE VIRTUAL TABLE IF NOT EXISTS read_text USING fts5(
    letter_id UNINDEXED, title, subject, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS read_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""
# Tables keyed by letter id: a renamed letter (derived id -> Kamerstuk id) is renamed in these too.
LETTER_TABLES = ("read_letters", "read_cites", "read_text")
# Left out of list answers and feeds (they can be long): GET /v1/kamerbrieven/{id} has them.
LONG_FIELDS = {"body_text", "sections", "footnotes"}


class LetterIndex:
    """Writes the read tables on the connection (and in the transaction) of ``RecordStore``."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def ensure(self) -> None:
        """Create the tables if missing; fill them from ``letter_versions`` once."""
        self._db.executescript(SCHEMA)
        with transaction(self._db):
            if _meta(self._db, "index_version") == INDEX_VERSION.encode():
                return
            for table in LETTER_TABLES:
                self._db.execute(f"DELETE FROM {table}")  # our own table names
            rows = self._db.execute(
                "SELECT v.letter_id, v.version, v.kind, v.event_json FROM letter_versions v "
                "JOIN (SELECT letter_id, MAX(version) AS version FROM letter_versions GROUP BY letter_id) m "
                "USING (letter_id, version)").fetchall()
            for letter, version, kind, event_json in rows:
                record = _record_of(event_json)
                self.put(letter, record.model_copy(update={"version": int(version)}), EventKind(kind))
            if _meta(self._db, "cursor_key") is None:
                self._db.execute("INSERT INTO read_meta (name, value) VALUES ('cursor_key', ?)",
                                 (secrets.token_bytes(32),))
            self._db.execute("INSERT OR REPLACE INTO read_meta (name, value) VALUES ('index_version', ?)",
                             (INDEX_VERSION.encode(),))

    def put(self, letter: str, record: Kamerbrief, kind: EventKind) -> None:
        """Index the letter's version ``record.version`` (already in ``letter_versions``)."""
        first_at, updated_at = self._db.execute(
            "SELECT MIN(created_at), MAX(CASE WHEN version = ? THEN created_at END) "
            "FROM letter_versions WHERE letter_id = ?", (record.version, letter)).fetchone()
        ministry = record.ministry
        # An upsert, not INSERT OR REPLACE: the row keeps its rowid, which is also the rowid
        # of its read_text row (FTS5 finds a rowid at once; a letter_id it would scan for).
        (rowid,) = self._db.execute(
            "INSERT INTO read_letters (letter_id, version, kind, ministry, ministry_name, "
            "dossier, chamber, first_at, updated_at, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (letter_id) DO UPDATE SET version = excluded.version, kind = excluded.kind, "
            "ministry = excluded.ministry, ministry_name = excluded.ministry_name, "
            "dossier = excluded.dossier, chamber = excluded.chamber, first_at = excluded.first_at, "
            "updated_at = excluded.updated_at, summary_json = excluded.summary_json RETURNING rowid",
            (letter, record.version, kind.value, ministry.code.casefold() if ministry else None,
             ministry.name if ministry else None,
             record.dossier.number.casefold() if record.dossier else None, record.chamber,
             first_at, updated_at or first_at,
             record.model_copy(update={"id": letter}).model_dump_json(exclude=LONG_FIELDS))).fetchone()
        self._db.execute("DELETE FROM read_cites WHERE letter_id = ?", (letter,))
        self._db.execute("DELETE FROM read_text WHERE rowid = ?", (rowid,))
        if kind is EventKind.WITHDRAWN:
            return  # no longer listed, searched or in a feed; its versions stay readable
        for dossier in sorted({c.dossier.replace(" ", "").casefold() for c in record.cites}):
            self._db.execute("INSERT OR IGNORE INTO read_cites (dossier, letter_id) VALUES (?, ?)",
                             (dossier, letter))
        self._db.execute("INSERT INTO read_text (rowid, letter_id, title, subject, body) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (rowid, letter, record.title or "", record.subject or "", _body(record)))


def cursor_key(db: sqlite3.Connection) -> bytes:
    """This deployment's key for signing cursors (made by ``ensure``, kept in the store)."""
    key = _meta(db, "cursor_key")
    if key is None:
        raise RuntimeError("the read index is not set up: LetterIndex.ensure() first")
    return key


def _meta(db: sqlite3.Connection, name: str) -> bytes | None:
    row = db.execute("SELECT value FROM read_meta WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row else None


def _record_of(event_json: str) -> Kamerbrief:
    return CloudEvent.model_validate_json(upgrade_event_json(event_json)).data


def _body(record: Kamerbrief) -> str:
    """The text searched besides title and subject: the body, else the sections, and footnotes."""
    parts = [record.body_text or "\n".join(s.text for s in record.sections)]
    parts.extend(f.text for f in record.footnotes)
    return "\n".join(p for p in parts if p)
