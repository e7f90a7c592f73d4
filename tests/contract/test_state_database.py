"""The state database's contract, on SQLite and on PostgreSQL alike: migrations, replicas
sharing one database, full text, and a database that is gone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.publisher.read.query import LetterQuery
from services.publisher.read.store import ReadStore
from services.publisher.records import CLAIM, RecordStore
from services.publisher.webhooks.registry import DELIVERY_CLAIM, EndpointRegistry
from shared.db import DatabaseUnavailable, SchemaTooNew, Target, open_database
from shared.db.migrate import current_version, latest_version, upgrade
from shared.schema import Kamerbrief
from shared.schema.record import SourceRef
from tests.support.state import state_target
from tests.unit.publisher.letters import kst, other_letter, rijksoverheid, tweedekamer
from tests.unit.publisher.test_delivery import event

__all__ = ["state_target"]  # the fixture: every test here runs on both backends

SOURCE = "https://kamerstroom.test"


def test_a_new_database_is_at_the_newest_schema_and_opening_again_changes_nothing(
        state_target: Target) -> None:
    db = open_database(state_target)
    try:
        newest = latest_version(db.dialect)
        assert newest == current_version(db)
        assert [] == upgrade(db, now="2026-12-02T00:00:00.000Z")
        rows = db.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert list(range(1, newest + 1)) == [int(r[0]) for r in rows]
    finally:
        db.close()


def test_a_database_from_a_newer_release_is_refused(state_target: Target) -> None:
    db = open_database(state_target)
    newest = latest_version(db.dialect)
    db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', ?)",
               (newest + 1, "2027-01-01T00:00:00.000Z"))
    db.close()
    with pytest.raises(SchemaTooNew, match=f"schema version {newest + 1}, newer than this release"):
        RecordStore(state_target, event_source=SOURCE)


def test_starters_racing_on_an_empty_database_apply_each_migration_once(state_target: Target) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_database(state_target).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db = open_database(state_target)
    try:
        versions = [int(r[0]) for r in db.execute("SELECT version FROM schema_migrations").fetchall()]
    finally:
        db.close()
    assert ([], sorted(set(versions))) == (errors, versions)


def test_two_publishers_on_one_database_number_every_version_once(state_target: Target) -> None:
    """Two record stores (two replicas) ingest records of the same letters in lockstep:
    every letter ends up as one letter with versions 1..n, none made twice, none skipped."""
    open_database(state_target).close()
    letters = [other_letter(str(n)) for n in range(1, 21)]
    revised = [r.model_copy(update={"title": f"{r.title} (herzien)"}).with_content_hash() for r in letters]
    feeds = [[kst(), *letters], [tweedekamer(), *revised]]
    made: list[list[tuple[str, int]]] = [[], []]

    def ingest(n: int, store: RecordStore, step: int) -> None:
        version = store.ingest(feeds[n][step])
        if version is not None:
            made[n].append((version.letter_id, version.version))
            store.mark_announced(version)

    errors = _two_replicas_in_lockstep(state_target, len(feeds[0]), ingest)
    store = RecordStore(state_target, event_source=SOURCE)
    try:
        stored = {letter: [v.version for v in store.versions(letter)]
                  for letter in {letter for letter, _ in made[0] + made[1]}}
    finally:
        store.close()
    both = made[0] + made[1]
    assert [] == errors
    assert len(both) == len(set(both))  # no version made twice
    assert all(numbers == [1, 2] for numbers in stored.values())  # each record made one version
    assert 21 == len(stored)  # the kst and Tweede Kamer records are one letter


def test_two_publishers_given_one_letter_by_two_feeds_at_once_make_one_letter(
        state_target: Target) -> None:
    """The Tweede Kamer and rijksoverheid records of a letter (different ids, one shared
    key: date, ministry, subject) reach two replicas at the same moment: one letter, not two.
    Row locks alone do not give this: each replica would choose its own id before it sees
    the other's key; the ``ingest`` lock does."""
    open_database(state_target).close()
    pairs = [(tweedekamer(id=f"tk-{n}", dossier=None, ondernummer=None, document_number=f"2026D5{n:04}",
                          subject=f"Onderwerp {n}", sources=_sources(tweedekamer(), f"tk-{n}")),
              rijksoverheid(id=f"ro-{n}", subject=f"Onderwerp {n}", reference=f"BS-{n}",
                            sources=_sources(rijksoverheid(), f"ro-{n}")))
             for n in range(20)]
    errors = _two_replicas_in_lockstep(state_target, len(pairs),
                                       lambda n, store, step: store.ingest(pairs[step][n]))
    store = RecordStore(state_target, event_source=SOURCE)
    try:
        letters = {store.letter_of("tweedekamer", f"tk-{n}") for n in range(20)}
        letters |= {store.letter_of("rijksoverheid", f"ro-{n}") for n in range(20)}
    finally:
        store.close()
    assert ([], 20) == (errors, len(letters))


def test_search_folds_diacritics_and_needs_every_word(state_target: Target) -> None:
    store = RecordStore(state_target, event_source=SOURCE)
    store.ingest(kst(body_text="De financiële gevolgen van de materieelprojecten."))
    store.ingest(other_letter("9"))
    reader = ReadStore(state_target)
    try:
        assert ["kst-36124-3"] == [r.letter_id for r in reader.page(LetterQuery(q="financiele"), 10)]
        assert ["kst-36124-3"] == [r.letter_id for r in reader.page(LetterQuery(q="FINANCIËLE gevolgen"), 10)]
        assert [] == reader.page(LetterQuery(q="financiele stikstof"), 10)
    finally:
        reader.close()
        store.close()


def test_a_database_that_does_not_answer_is_one_clear_error(tmp_path: Path) -> None:
    """No server on the port: ``DatabaseUnavailable`` naming PostgreSQL, at once."""
    del tmp_path
    with pytest.raises(DatabaseUnavailable, match="PostgreSQL does not answer"):
        open_database("postgresql://kamerstroom@127.0.0.1:9/kamerstroom")


def _sources(record: Kamerbrief, upstream_id: str) -> list[SourceRef]:
    return [s.model_copy(update={"upstream_id": upstream_id}) for s in record.sources]


def test_a_stored_version_is_recovered_by_one_other_replica_once_its_claim_runs_out(
        state_target: Target) -> None:
    """Replica A stored a version and is still announcing it: B's start leaves it alone.
    After the claim (A crashed), exactly one of B and C recovers it."""
    now = [datetime(2026, 12, 2, 12, 0, tzinfo=UTC)]
    stores = [RecordStore(state_target, event_source=SOURCE, clock=lambda: now[0]) for _ in range(3)]
    try:
        made = stores[0].ingest(kst())
        assert made is not None
        now[0] += timedelta(seconds=1)
        early = stores[1].claim_unannounced()
        now[0] += CLAIM
        late = [stores[1].claim_unannounced(), stores[2].claim_unannounced()]
    finally:
        for store in stores:
            store.close()
    assert [] == early
    assert [[(made.letter_id, made.version, made.event.id)], []] == [
        [(v.letter_id, v.version, v.event.id) for v in taken] for taken in late]


def test_an_endpoint_change_through_one_replica_reaches_the_others_fan_out(state_target: Target) -> None:
    ours, theirs = EndpointRegistry(state_target), EndpointRegistry(state_target)
    try:
        first = ours.create("https://a.example/hook")
        assert [first.id] == [e.id for e in ours.enabled()]  # cached now
        second = theirs.create("https://b.example/hook")
        after_create = [e.id for e in ours.enabled()]
        theirs.disable(first.id, "gone")
        after_disable = [e.id for e in ours.enabled()]
        theirs.update(second.id, url="https://c.example/hook")
        after_update = [e.url for e in ours.enabled()]
    finally:
        ours.close()
        theirs.close()
    assert [first.id, second.id] == after_create
    assert [second.id] == after_disable
    assert ["https://c.example/hook"] == after_update


def test_first_attempts_left_unqueued_are_claimed_once_and_only_when_orphaned(state_target: Target) -> None:
    """A replica's fresh unqueued rows are its own; past the claim time another replica's
    sweep takes them, once; one publisher at start takes every unqueued row."""
    now = [datetime(2026, 12, 2, 12, 0, tzinfo=UTC)]
    registries = [EndpointRegistry(state_target, clock=lambda: now[0]) for _ in range(3)]
    try:
        endpoint = registries[0].create("https://a.example/hook")
        rows = registries[0].add_direct_deliveries([endpoint.id], event())
        fresh = registries[1].claim_unqueued(orphans_only=True)
        now[0] += DELIVERY_CLAIM + timedelta(seconds=1)
        sweeps = [registries[1].claim_unqueued(orphans_only=True),
                  registries[2].claim_unqueued(orphans_only=True)]
        at_start = registries[2].claim_unqueued(orphans_only=False)
    finally:
        for registry in registries:
            registry.close()
    assert [] == fresh
    assert [[rows[0].id], []] == [[r.id for r in sweep] for sweep in sweeps]
    assert [rows[0].id] == [r.id for r in at_start]


def _two_replicas_in_lockstep(target: Target, steps: int,
                              step: Callable[[int, RecordStore, int], object]) -> list[BaseException]:
    """Two record stores on ``target`` (replicas 0 and 1), each in a thread, run
    ``step(replica, store, i)`` for i in ``range(steps)``, both starting step i at the same
    moment; the errors either met (bounded: a barrier timeout and a join timeout)."""
    errors: list[BaseException] = []
    lockstep = threading.Barrier(2, timeout=30)

    def replica(n: int) -> None:
        store = RecordStore(target, event_source=SOURCE)
        try:
            for i in range(steps):
                lockstep.wait()
                step(n, store, i)
        except BaseException as exc:
            errors.append(exc)
            lockstep.abort()
        finally:
            store.close()

    threads = [threading.Thread(target=replica, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
