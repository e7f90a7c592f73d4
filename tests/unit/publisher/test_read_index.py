"""The read index: kept with every version, built for a data folder from before it, cursors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.publisher.read.cursor import BadCursor, CursorCodec
from services.publisher.read.index import TEXT_BATCH, LetterIndex
from services.publisher.read.query import LetterQuery
from services.publisher.read.store import ReadStore
from services.publisher.records import RecordStore
from shared.db import Target, open_database
from shared.schema.record import SourceRef
from tests.support.state import state_target
from tests.unit.publisher.letters import kst, other_letter, tweedekamer

__all__ = ["state_target"]  # the fixture, imported to run the backend-neutral tests on both


def _store(path: Target) -> RecordStore:
    return RecordStore(path, event_source="https://kamerstroom.nl")


def test_an_old_data_folder_gets_the_index_filled_from_its_versions(tmp_path: Path) -> None:
    """Without the read tables (a store from before the read API), opening it creates them
    and fills them from letter_versions: the current version of each letter, text searchable."""
    path = tmp_path / "kamerstroom.sqlite3"
    store = _store(path)
    for record in (kst(), tweedekamer(), other_letter()):
        store.ingest(record)
    store.close()
    db = sqlite3.connect(path)
    # A folder from before the read API and before numbered migrations.
    db.executescript("DROP TABLE read_letters; DROP TABLE read_cites; DROP TABLE read_text; "
                     "DROP TABLE read_meta; DROP TABLE schema_migrations; "
                     "ALTER TABLE letter_versions DROP COLUMN claimed_until; DROP TABLE webhook_meta; "
                     "ALTER TABLE webhook_deliveries DROP COLUMN claimed_until; "
                     "DROP TABLE read_text_pending;")
    db.close()
    _store(path).close()
    reader = ReadStore(path)
    try:
        rows = reader.page(LetterQuery(), 10)
        assert {("kst-36124-3", 2), ("kst-31839-7", 1)} == {(r.letter_id, r.version) for r in rows}
        found = reader.page(LetterQuery(q="voortgang", ministry="def"), 10)
        assert ["kst-36124-3"] == [r.letter_id for r in found]
        assert 32 <= len(reader.cursor_key())
    finally:
        reader.close()


def test_a_withdrawn_letter_leaves_the_list_but_keeps_its_versions(state_target: Target) -> None:
    path = state_target
    store = _store(path)
    store.ingest(kst())
    store.withdraw(SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3"))
    reader = ReadStore(path)
    try:
        assert [] == reader.page(LetterQuery(), 10)
        assert [] == reader.page(LetterQuery(q="voortgang"), 10)
        assert ["published", "withdrawn"] == [v.kind for v in reader.versions("kst-36124-3")]
    finally:
        reader.close()
        store.close()


def test_a_cursor_is_bound_to_its_key_and_filters() -> None:
    codec = CursorCodec(b"k" * 32)
    cursor = codec.encode(("2026-11-27T09:00:00.000Z", "kst-36124-3"), "f1")
    assert ("2026-11-27T09:00:00.000Z", "kst-36124-3") == codec.decode(cursor, "f1")
    with pytest.raises(BadCursor, match="other filters"):
        codec.decode(cursor, "f2")
    with pytest.raises(BadCursor, match="altered"):
        CursorCodec(b"x" * 32).decode(cursor, "f1")
    with pytest.raises(BadCursor, match="malformed"):
        codec.decode("not-a-cursor", "f1")


def _numbered_letters(path: Target, count: int) -> None:
    """``count`` letters; each body has "gemeenschappelijk", every seventh also "zeldzaam"."""
    store = _store(path)
    base = kst()
    for i in range(count):
        words = "gemeenschappelijk beleid" + (" zeldzaam" if i % 7 == 0 else "")
        record = base.model_copy(update={
            "id": f"kst-40000-{i + 1}", "ondernummer": str(i + 1), "subject": f"Brief nummer {i}",
            "title": f"Brief nummer {i}", "reference": None, "body_text": words, "sections": [],
            "footnotes": [], "cites": [],
            "dossier": base.dossier.model_copy(update={"number": "40000"}) if base.dossier else None,
            "sources": [s.model_copy(update={"upstream_id": f"kst-40000-{i + 1}"}) for s in base.sources],
        }).with_content_hash()
        store.ingest(record)
    store.close()


def _all_pages(reader: ReadStore, query: LetterQuery, limit: int) -> list[str]:
    """Every letter of ``query``, following positions page by page (bounded)."""
    seen: list[str] = []
    after = None
    for _ in range(100):
        rows = reader.page(query, limit, after)
        seen.extend(r.letter_id for r in rows)
        if len(rows) < limit:
            return seen
        after = rows[-1].position
    raise AssertionError("more pages than letters")


@pytest.mark.parametrize("walk_cost", [0, 10**9], ids=["walk-newest-first", "collect-matches"])
def test_search_finds_the_same_letters_by_either_strategy(state_target: Target, walk_cost: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A common word and a rare one page through exactly their letters, newest first,
    whichever way ``_text_filter`` chooses to look."""
    monkeypatch.setattr("services.publisher.read.store.WALK_COST", walk_cost)  # SQLite's choice
    path = state_target
    _numbered_letters(path, 45)
    reader = ReadStore(path)
    try:
        newest_first = [r.letter_id for r in reader.page(LetterQuery(), 100)]
        assert 45 == len(newest_first)
        assert newest_first == _all_pages(reader, LetterQuery(q="gemeenschappelijk"), 10)
        rare = {f"kst-40000-{i + 1}" for i in range(45) if i % 7 == 0}
        found = _all_pages(reader, LetterQuery(q="zeldzaam"), 2)
        assert [letter for letter in newest_first if letter in rare] == found
        assert [] == reader.page(LetterQuery(q="nergens"), 10)
    finally:
        reader.close()


def test_an_index_of_an_earlier_version_is_built_again(tmp_path: Path) -> None:
    """Version 1 kept read_text rows under rowids of their own; such a store is indexed
    again on opening, so a search by rowid finds the right letter, not a neighbour's text."""
    path = tmp_path / "kamerstroom.sqlite3"
    _numbered_letters(path, 5)
    _apply_text(path)
    db = sqlite3.connect(path)
    # Misaligned, as version 1 could leave them: letter 1's text under letter 5's rowid.
    db.execute("UPDATE read_text SET rowid = rowid + 1000")
    db.execute("UPDATE read_text SET rowid = 1006 - rowid")
    db.execute("UPDATE read_meta SET value = ? WHERE name = 'index_version'", (b"1",))
    db.commit()
    db.close()
    _store(path).close()
    reader = ReadStore(path)
    try:
        assert ["kst-40000-1"] == [r.letter_id for r in reader.page(LetterQuery(q="zeldzaam"), 10)]
        assert 5 == len(reader.page(LetterQuery(q="gemeenschappelijk"), 10))
    finally:
        reader.close()


def _apply_text(path: Target) -> int:
    db = open_database(path)
    try:
        return LetterIndex(db).apply_text()
    finally:
        db.close()


def _waiting(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [str(r[0]) for r in db.execute("SELECT letter_id FROM read_text_pending ORDER BY rowid")]
    finally:
        db.close()


def test_text_waits_for_its_batch_and_a_search_applies_it_first(tmp_path: Path) -> None:
    """Fewer letters than a batch: their text waits in the store (surviving a restart),
    and the next search puts it in the index before it looks."""
    path = tmp_path / "kamerstroom.sqlite3"
    _numbered_letters(path, 8)  # the store is closed afterwards: a process that ended
    assert [f"kst-40000-{i + 1}" for i in range(8)] == _waiting(path)
    reader = ReadStore(path)
    try:
        found = _all_pages(reader, LetterQuery(q="zeldzaam"), 10)
        assert {"kst-40000-1", "kst-40000-8"} == set(found)
        assert 8 == len(reader.page(LetterQuery(q="gemeenschappelijk"), 10))
    finally:
        reader.close()
    assert [] == _waiting(path)


def test_a_full_batch_goes_into_the_index_without_a_search(tmp_path: Path) -> None:
    path = tmp_path / "kamerstroom.sqlite3"
    _numbered_letters(path, TEXT_BATCH + 3)
    assert [f"kst-40000-{TEXT_BATCH + i + 1}" for i in range(3)] == _waiting(path)
    db = sqlite3.connect(path)
    try:
        indexed = db.execute("SELECT COUNT(*) FROM read_text").fetchone()[0]
    finally:
        db.close()
    assert TEXT_BATCH == indexed


def test_a_withdrawal_waiting_for_its_batch_removes_the_text(tmp_path: Path) -> None:
    """Text already indexed, then the letter withdrawn: after the batch it is not found."""
    path = tmp_path / "kamerstroom.sqlite3"
    store = _store(path)
    store.ingest(kst())
    assert 1 == _apply_text(path)
    store.withdraw(SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3"))
    store.close()
    assert ["kst-36124-3"] == _waiting(path)
    reader = ReadStore(path)
    try:
        assert [] == reader.page(LetterQuery(q="voortgang"), 10)
    finally:
        reader.close()
    db = sqlite3.connect(path)
    try:
        assert 0 == db.execute("SELECT COUNT(*) FROM read_text").fetchone()[0]
    finally:
        db.close()
