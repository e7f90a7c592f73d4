"""The read index: kept with every version, built for a data folder from before it, cursors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.publisher.read.cursor import BadCursor, CursorCodec
from services.publisher.read.query import LetterQuery
from services.publisher.read.store import ReadStore
from services.publisher.records import RecordStore
from shared.schema.record import SourceRef
from tests.unit.publisher.letters import kst, other_letter, tweedekamer


def _store(path: Path) -> RecordStore:
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
    db.executescript("DROP TABLE read_letters; DROP TABLE read_cites; DROP TABLE read_text; "
                     "DROP TABLE read_meta;")
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


def test_a_withdrawn_letter_leaves_the_list_but_keeps_its_versions(tmp_path: Path) -> None:
    path = tmp_path / "kamerstroom.sqlite3"
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
