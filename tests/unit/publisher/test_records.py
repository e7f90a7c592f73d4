"""Identity resolution, merging and versions in the publisher's record store."""

from __future__ import annotations

import pytest

from services.publisher.records import RecordStore
from shared.db import Target
from shared.schema import EventKind
from shared.schema.record import SourceRef
from tests.support.state import state_target
from tests.unit.publisher.letters import kst, other_letter, rijksoverheid, tweedekamer

__all__ = ["state_target"]  # the fixture, imported to parametrise these tests by backend


@pytest.fixture
def store(state_target: Target):
    """The record store on each backend (the store contract: same answers on both)."""
    store = RecordStore(state_target, event_source="https://kamerstroom.test")
    yield store
    store.close()


def announce(store: RecordStore, version):
    assert version is not None
    store.mark_announced(version)
    return version


def test_three_feeds_make_one_letter_with_updates(store: RecordStore) -> None:
    """kst, then TK, then rijksoverheid: one published and two updated events with their changes."""
    first = announce(store, store.ingest(kst()))
    second = announce(store, store.ingest(tweedekamer()))
    third = announce(store, store.ingest(rijksoverheid()))

    assert [EventKind.PUBLISHED, EventKind.UPDATED, EventKind.UPDATED] == [
        first.kind, second.kind, third.kind]
    assert {"kst-36124-3"} == {first.letter_id, second.letter_id, third.letter_id}
    assert [1, 2, 3] == [v.event.data.version for v in (first, second, third)]
    assert ["same_as", "subject", "ministry", "document_number", "urls"] == second.event.changed_fields
    assert ["same_as", "reference", "urls"] == third.event.changed_fields
    record = third.event.data
    assert "Brief van de minister van Defensie over materieelprojecten" == record.title  # kst wins
    assert "BS2026012345" == record.reference  # filled from rijksoverheid
    assert [("officielebekendmakingen", "kst-36124-3"), ("tweedekamer", "0f1e2d3c-tk"),
            ("rijksoverheid", "7a8b9c")] == [(s.feed, s.id) for s in record.same_as]
    assert "https://example.org/2026D41234.pdf" == record.urls.pdf
    assert "https://example.org/kst-36124-3.xml" == record.urls.xml


def test_lower_precedence_source_first_still_yields_the_kst_id(store: RecordStore) -> None:
    """A letter first seen on TK (which knows dossier and ondernummer) gets the kst id."""
    version = announce(store, store.ingest(tweedekamer()))
    assert "kst-36124-3" == version.event.data.id
    later = announce(store, store.ingest(kst()))
    assert "kst-36124-3" == later.letter_id
    assert "Brief van de minister van Defensie over materieelprojecten" == later.event.data.title
    assert "title" in later.event.changed_fields


def test_redelivery_and_unchanged_records_emit_nothing(store: RecordStore) -> None:
    """The same record again, or refetched with only provenance changed, makes no version."""
    announce(store, store.ingest(kst()))
    assert store.ingest(kst()) is None
    refetched = kst(sources=[SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3",
                                       url="https://example.org/kst-36124-3.xml")])
    assert store.ingest(refetched) is None
    assert 1 == len(store.versions("kst-36124-3"))


def test_unannounced_version_is_returned_again_with_the_same_event_id(store: RecordStore) -> None:
    """A crash before the publish confirm: the redelivered message re-sends the same event."""
    first = store.ingest(kst())
    again = store.ingest(kst())
    assert first is not None and again is not None
    assert first.event.id == again.event.id
    assert first.event == again.event
    assert [first] == store.unannounced()


def test_revision_changes_event_id_and_lists_fields(store: RecordStore) -> None:
    """A revised kst record is an update naming the changed fields, with a new event id."""
    first = announce(store, store.ingest(kst()))
    revised = announce(store, store.ingest(kst(body_text="Een herziene tekst.")))
    assert EventKind.UPDATED == revised.kind
    assert ["body_text"] == revised.event.changed_fields
    assert first.event.id != revised.event.id


def test_withdrawal_updates_then_tombstones(store: RecordStore) -> None:
    """Withdrawing one of two feeds updates the letter; withdrawing the last one withdraws it."""
    announce(store, store.ingest(kst()))
    announce(store, store.ingest(tweedekamer()))
    partial = announce(store, store.withdraw(SourceRef(feed="tweedekamer", upstream_id="0f1e2d3c-tk")))
    assert EventKind.UPDATED == partial.kind
    assert "document_number" in partial.event.changed_fields
    gone = announce(store, store.withdraw(SourceRef(feed="officielebekendmakingen",
                                                    upstream_id="kst-36124-3")))
    assert EventKind.WITHDRAWN == gone.kind
    assert 4 == gone.event.data.version
    assert store.withdraw(SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3")) is None
    assert store.withdraw(SourceRef(feed="rijksoverheid", upstream_id="never-seen")) is None


def test_republished_after_withdrawal(store: RecordStore) -> None:
    """A withdrawn letter that comes back is published again, as a new version."""
    announce(store, store.ingest(kst()))
    announce(store, store.withdraw(SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3")))
    back = announce(store, store.ingest(kst()))
    assert (EventKind.PUBLISHED, 3) == (back.kind, back.event.data.version)


def test_replay_flag_is_carried(store: RecordStore) -> None:
    """A backfill's records produce events marked ``replay``."""
    version = store.ingest(kst(), replay=True)
    assert version is not None
    assert version.event.replay


def test_unrelated_letters_stay_apart(store: RecordStore) -> None:
    """Different dossier numbers never merge."""
    a = announce(store, store.ingest(kst()))
    b = announce(store, store.ingest(other_letter()))
    assert a.letter_id != b.letter_id
    assert EventKind.PUBLISHED == b.kind


def test_derived_id_gives_way_to_the_kamerstuk_id(store: RecordStore) -> None:
    """A letter first known from rijksoverheid takes the kst id when the kst record arrives."""
    first = announce(store, store.ingest(rijksoverheid()))
    assert "ro-7a8b9c" == first.letter_id
    renamed = announce(store, store.ingest(tweedekamer()))
    assert ("kst-36124-3", EventKind.UPDATED, 2) == (
        renamed.letter_id, renamed.kind, renamed.event.data.version)
    assert "id" in renamed.event.changed_fields
    assert "kst-36124-3" == renamed.event.subject
    assert [] == store.versions("ro-7a8b9c")
    assert [1, 2] == [v.version for v in store.versions("kst-36124-3")]
    assert "kst-36124-3" == store.letter_of("rijksoverheid", "7a8b9c")
