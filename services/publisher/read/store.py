"""Reading letters back from the state database: pages of letters, versions, the cursor key.

A connection of its own (SQLite in WAL mode and PostgreSQL alike: readers never wait for
the publisher's writes). A letter is readable once its version is stored, which is just
before its event is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.publisher.read.cursor import Position
from services.publisher.read.index import LetterIndex, cursor_key, fold
from services.publisher.read.query import LetterQuery
from shared.db import Target, open_database
from shared.schema.events import upgrade_event_json

# What asking FTS5 about one letter by rowid costs, in units of one collected match
# (measured on 10,000 letters, two common words: about 65 and 1 µs; see
# ``ReadStore._text_filter``).
WALK_COST = 60
# PostgreSQL: the GIN index gives the matching letters at once; the planner picks the join.
_POSTGRES_TEXT = ("AND letter_id IN (SELECT letter_id FROM read_text "
                  "WHERE document @@ plainto_tsquery('simple', ?))")


@dataclass(frozen=True)
class Listed:
    """One letter of a page: its current version, without the long text fields."""

    letter_id: str
    version: int
    kind: str
    first_at: str
    updated_at: str
    summary_json: str

    @property
    def position(self) -> Position:
        return self.updated_at, self.letter_id

    def record(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.summary_json)
        return value


@dataclass(frozen=True)
class StoredVersion:
    """One version as stored: the record, what changed from the one before, when."""

    version: int
    kind: str
    stored_at: str
    changed_fields: list[str]
    record: dict[str, Any]


@dataclass(frozen=True)
class Facet:
    """A ministry or dossier present in the store, with how many listed letters it has."""

    value: str
    label: str
    letters: int


class ReadStore:
    """Read-only queries on the letters (``LetterIndex`` keeps the tables)."""

    def __init__(self, target: Target) -> None:
        self._db = open_database(target)

    def close(self) -> None:
        self._db.close()

    def cursor_key(self) -> bytes:
        return cursor_key(self._db)

    def page(self, query: LetterQuery, limit: int, after: Position | None = None) -> list[Listed]:
        """Up to ``limit`` letters matching ``query``, newest change first, after ``after``."""
        sql = ["SELECT letter_id, version, kind, first_at, updated_at, summary_json FROM read_letters "
               "WHERE kind != 'withdrawn'"]
        args: list[str | int] = []
        for column in ("ministry", "dossier", "chamber"):
            value = getattr(query, column)
            if value is not None:
                sql.append(f"AND {column} = ?")
                args.append(value)
        if query.since is not None:
            sql.append("AND updated_at >= ?")
            args.append(query.since)
        if query.until is not None:
            sql.append("AND updated_at < ?")
            args.append(query.until)
        if query.cites is not None:
            sql.append("AND letter_id IN (SELECT letter_id FROM read_cites WHERE dossier = ?)")
            args.append(query.cites)
        match = query.match_expression()
        if match is not None and self._db.dialect == "sqlite":
            LetterIndex(self._db).apply_text()  # the text of the latest letters may still wait
            sql.append(self._text_filter(match, limit))
            args.append(match)
        elif match is not None:
            sql.append(_POSTGRES_TEXT)
            args.append(fold(" ".join(query.words())))
        if after is not None:
            sql.append("AND (updated_at, letter_id) < (?, ?)")
            args.extend(after)
        sql.append("ORDER BY updated_at DESC, letter_id DESC LIMIT ?")
        rows = self._db.execute(" ".join(sql), (*args, limit)).fetchall()
        return [Listed(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5])) for r in rows]

    def _text_filter(self, match: str, limit: int) -> str:
        """The full-text condition, chosen by how many letters ``match`` finds.

        Counting the matches is cheap (FTS5 alone). Collecting them as a set costs about one
        unit per match on every request; walking the letters newest first and asking FTS5
        about each one by rowid costs about ``WALK_COST`` units per letter looked at, and
        stops when the page is full. A common word is walked, a rare one collected.
        """
        matches = self._db.execute("SELECT COUNT(*) FROM read_text WHERE read_text MATCH ?",
                                   (match,)).fetchone()[0]
        # Rowids are kept by updates, so the largest is about how many letters were indexed.
        letters = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM read_letters").fetchone()[0]
        looked_at = limit * letters / max(matches, 1)
        if looked_at * WALK_COST >= matches:
            return "AND rowid IN (SELECT rowid FROM read_text WHERE read_text MATCH ?)"
        return ("AND EXISTS (SELECT 1 FROM read_text WHERE read_text.rowid = read_letters.rowid "
                "AND read_text MATCH ?)")

    def versions(self, letter_id: str) -> list[StoredVersion]:
        """Every version of the letter, oldest first; empty for an unknown id."""
        rows = self._db.execute("SELECT version, kind, created_at, event_json FROM letter_versions "
                                "WHERE letter_id = ? ORDER BY version", (letter_id,)).fetchall()
        return [_stored(r) for r in rows]

    def version(self, letter_id: str, number: int) -> StoredVersion | None:
        row = self._db.execute("SELECT version, kind, created_at, event_json FROM letter_versions "
                               "WHERE letter_id = ? AND version = ?", (letter_id, number)).fetchone()
        return _stored(row) if row else None

    def ministries(self) -> list[Facet]:
        """Ministries of listed letters, by name."""
        rows = self._db.execute(
            "SELECT ministry, MAX(ministry_name), COUNT(*) FROM read_letters WHERE kind != 'withdrawn' "
            "AND ministry IS NOT NULL GROUP BY ministry ORDER BY MAX(ministry_name), ministry").fetchall()
        return [Facet(str(r[0]), str(r[1] or r[0]), int(r[2])) for r in rows]

    def dossiers(self) -> list[Facet]:
        """Dossiers of listed letters, by number; the label is the newest letter's title."""
        rows = self._db.execute(
            "SELECT dossier, COUNT(*), MAX(updated_at) FROM read_letters WHERE kind != 'withdrawn' "
            "AND dossier IS NOT NULL GROUP BY dossier ORDER BY dossier").fetchall()
        return [Facet(str(r[0]), str(r[0]), int(r[1])) for r in rows]


def _stored(row: tuple[int, str, str, str]) -> StoredVersion:
    event = json.loads(upgrade_event_json(row[3]))
    changed = event.get("changedfields") or ""
    return StoredVersion(version=int(row[0]), kind=str(row[1]), stored_at=str(row[2]),
                         changed_fields=[f for f in changed.split(",") if f], record=event["data"])
