"""The read side's index of letters in the state database: filters, citations, full text.

``LetterIndex.put`` is called by ``RecordStore`` in the transaction that stores a version,
so the index never disagrees with ``letter_versions``. The tables come from the migrations;
``ensure`` fills them from the stored versions once (a data folder from before the read
API, or indexed by an older ``INDEX_VERSION``).

Full text, diacritics folded ("financiele" finds "financiële"):
- SQLite: an FTS5 table (``unicode61 remove_diacritics 2``) sharing ``read_letters``' rowid,
  written in batches: a version's text waits in ``read_text_pending`` (in the version's
  transaction) until ``TEXT_BATCH`` letters wait or a search calls ``apply_text``;
- PostgreSQL: a ``tsvector`` per letter (configuration ``simple``: no stemming, as FTS5),
  of the text folded here (``fold``), with a GIN index.
"""

from __future__ import annotations

import secrets
import unicodedata

from shared.db import Database
from shared.schema import CloudEvent, EventKind, Kamerbrief
from shared.schema.events import upgrade_event_json

# 2: read_text's rowid is its read_letters row's rowid. A store indexed by another version
# is indexed again from its versions (``ensure``).
INDEX_VERSION = "2"
# Tables keyed by letter id: a renamed letter (derived id -> Kamerstuk id) is renamed in these
# too (``letter_tables``: SQLite also has the text waiting for its batch).
LETTER_TABLES = ("read_letters", "read_cites", "read_text")
# SQLite: how many letters' text wait before they go into FTS5 in one go. An FTS5 commit
# writes a segment per transaction: one per letter cost 0.55 ms of the store's 0.85 ms per
# letter (ingest and mark, one thread); in batches of this size about 0.2 ms.
TEXT_BATCH = 64
# Left out of list answers and feeds (they can be long): GET /v1/kamerbrieven/{id} has them.
LONG_FIELDS = {"body_text", "sections", "footnotes"}
# PostgreSQL refuses a tsvector over 1 MB; a letter's text is searched up to this many
# characters (far beyond any letter seen: the longest real one has about 60,000).
MAX_TEXT_CHARS = 300_000
_UPSERT = ("INSERT INTO read_letters (letter_id, version, kind, ministry, ministry_name, "
           "dossier, chamber, first_at, updated_at, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (letter_id) DO UPDATE SET version = excluded.version, kind = excluded.kind, "
           "ministry = excluded.ministry, ministry_name = excluded.ministry_name, "
           "dossier = excluded.dossier, chamber = excluded.chamber, first_at = excluded.first_at, "
           "updated_at = excluded.updated_at, summary_json = excluded.summary_json")


class LetterIndex:
    """Writes the read tables on the connection (and in the transaction) of ``RecordStore``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting = 0  # text rows this process queued since its last batch (a hint)

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables keyed by letter id on this database."""
        return (*LETTER_TABLES, "read_text_pending") if self._db.dialect == "sqlite" else LETTER_TABLES

    def ensure(self) -> None:
        """Fill the tables from ``letter_versions`` once per ``INDEX_VERSION``."""
        if _meta(self._db, "index_version") == INDEX_VERSION.encode():
            return
        with self._db.transaction():
            self._db.lock("ingest")
            if _meta(self._db, "index_version") == INDEX_VERSION.encode():
                return
            for table in self.tables:
                self._db.execute(f"DELETE FROM {table}")  # our own table names
            rows = self._db.execute(
                "SELECT v.letter_id, v.version, v.kind, v.event_json FROM letter_versions v "
                "JOIN (SELECT letter_id, MAX(version) AS version FROM letter_versions GROUP BY letter_id) m "
                "USING (letter_id, version)").fetchall()
            for letter, version, kind, event_json in rows:
                record = _record_of(event_json)
                self.put(letter, record.model_copy(update={"version": int(version)}), EventKind(kind))
            self._apply_text()
            if _meta(self._db, "cursor_key") is None:
                self._db.execute("INSERT INTO read_meta (name, value) VALUES ('cursor_key', ?)",
                                 (secrets.token_bytes(32),))
            self._db.execute("INSERT INTO read_meta (name, value) VALUES ('index_version', ?) "
                             "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                             (INDEX_VERSION.encode(),))

    def put(self, letter: str, record: Kamerbrief, kind: EventKind) -> None:
        """Index the letter's version ``record.version`` (already in ``letter_versions``)."""
        first_at, updated_at = self._db.execute(
            "SELECT MIN(created_at), MAX(CASE WHEN version = ? THEN created_at END) "
            "FROM letter_versions WHERE letter_id = ?", (record.version, letter)).fetchone()
        ministry = record.ministry
        row = (letter, record.version, kind.value, ministry.code.casefold() if ministry else None,
               ministry.name if ministry else None,
               record.dossier.number.casefold() if record.dossier else None, record.chamber,
               first_at, updated_at or first_at,
               record.model_copy(update={"id": letter}).model_dump_json(exclude=LONG_FIELDS))
        if self._db.dialect == "sqlite":
            self._put_sqlite(letter, record, kind, row)
        else:
            self._put_postgres(letter, record, kind, row)

    def _put_sqlite(self, letter: str, record: Kamerbrief, kind: EventKind,
                    row: tuple[object, ...]) -> None:
        # An upsert, not INSERT OR REPLACE: the row keeps its rowid, which is also the rowid
        # of its read_text row (FTS5 finds a rowid at once; a letter_id it would scan for).
        (rowid,) = self._db.execute(_UPSERT + " RETURNING rowid", row).fetchone()
        listed = self._put_cites(letter, record, kind)
        self._db.execute("INSERT INTO read_text_pending (rowid, letter_id, title, subject, body) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (rowid) DO UPDATE SET "
                         "letter_id = excluded.letter_id, title = excluded.title, "
                         "subject = excluded.subject, body = excluded.body",
                         (rowid, letter, record.title or "", record.subject or "",
                          _body(record) if listed else None))
        self._waiting += 1
        if self._waiting >= TEXT_BATCH:
            self._apply_text()

    def apply_text(self) -> int:
        """Put the text that waits into the full-text index, in one transaction; return how
        many letters' text it was. A text search calls this first, so it finds every letter
        stored before it; on PostgreSQL there is never anything waiting."""
        if self._db.dialect != "sqlite" or not self._db.execute(
                "SELECT 1 FROM read_text_pending LIMIT 1").fetchone():
            return 0
        with self._db.transaction():
            return self._apply_text()

    def _apply_text(self) -> int:
        """``apply_text`` inside the caller's transaction."""
        self._waiting = 0
        if self._db.dialect != "sqlite":
            return 0
        rows = self._db.execute("SELECT rowid, letter_id, title, subject, body "
                                "FROM read_text_pending").fetchall()
        self._db.executemany("DELETE FROM read_text WHERE rowid = ?", [(r[0],) for r in rows])
        self._db.executemany("INSERT INTO read_text (rowid, letter_id, title, subject, body) "
                             "VALUES (?, ?, ?, ?, ?)", [tuple(r) for r in rows if r[4] is not None])
        self._db.execute("DELETE FROM read_text_pending")
        return len(rows)

    def _put_postgres(self, letter: str, record: Kamerbrief, kind: EventKind,
                      row: tuple[object, ...]) -> None:
        self._db.execute(_UPSERT, row)
        self._db.execute("DELETE FROM read_text WHERE letter_id = ?", (letter,))
        if self._put_cites(letter, record, kind):
            text = "\n".join((record.title or "", record.subject or "", _body(record)))
            self._db.execute("INSERT INTO read_text (letter_id, document) "
                             "VALUES (?, to_tsvector('simple', ?))", (letter, fold(text[:MAX_TEXT_CHARS])))

    def _put_cites(self, letter: str, record: Kamerbrief, kind: EventKind) -> bool:
        """Replace the letter's citations; False for a withdrawn letter (no longer listed,
        searched or in a feed; its versions stay readable), which gets no text either."""
        self._db.execute("DELETE FROM read_cites WHERE letter_id = ?", (letter,))
        if kind is EventKind.WITHDRAWN:
            return False
        for dossier in sorted({c.dossier.replace(" ", "").casefold() for c in record.cites}):
            self._db.execute("INSERT INTO read_cites (dossier, letter_id) VALUES (?, ?) "
                             "ON CONFLICT DO NOTHING", (dossier, letter))
        return True


def fold(text: str) -> str:
    """``text`` without diacritics ("financiële" -> "financiele"), as FTS5's unicode61 folds."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def cursor_key(db: Database) -> bytes:
    """This deployment's key for signing cursors (made by ``ensure``, kept in the store)."""
    key = _meta(db, "cursor_key")
    if key is None:
        raise RuntimeError("the read index is not set up: LetterIndex.ensure() first")
    return key


def _meta(db: Database, name: str) -> bytes | None:
    row = db.execute("SELECT value FROM read_meta WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row else None


def _record_of(event_json: str) -> Kamerbrief:
    return CloudEvent.model_validate_json(upgrade_event_json(event_json)).data


def _body(record: Kamerbrief) -> str:
    """The text searched besides title and subject: the body, else the sections, and footnotes."""
    parts = [record.body_text or "\n".join(s.text for s in record.sections)]
    parts.extend(f.text for f in record.footnotes)
    return "\n".join(p for p in parts if p)
