"""The fetcher's seen-table and checkpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.fetcher.main import build_sources
from services.fetcher.store import FetcherStore, Seen
from shared.config import load_settings
from shared.db import Target
from tests.support.state import state_target

__all__ = ["state_target"]  # the fixture, imported to parametrise these tests by backend


@pytest.fixture
def store(state_target: Target) -> Iterator[FetcherStore]:
    """The fetcher's store on each backend (the store contract: same answers on both)."""
    store = FetcherStore(state_target)
    yield store
    store.close()


def test_unknown_document_is_not_seen(store: FetcherStore) -> None:
    """A document never recorded has no seen row."""
    assert store.seen("tweedekamer", "x") is None


def test_record_keeps_hash_version_and_checkpoint(store: FetcherStore) -> None:
    """Recording a document stores its hash and version and moves the checkpoint."""
    store.record("tweedekamer", "x", "sha256:aa", "2025-10-01T00:00:00+00:00", ("tweedekamer", "17"))
    assert Seen("sha256:aa", "2025-10-01T00:00:00+00:00") == store.seen("tweedekamer", "x")
    assert "17" == store.checkpoint("tweedekamer")


def test_changed_content_is_not_queued_yet(store: FetcherStore) -> None:
    """``is_queued`` is true only for exactly the content recorded."""
    store.record("rijksoverheid", "x", "sha256:aa", None)
    assert (True, False) == (store.is_queued("rijksoverheid", "x", "sha256:aa"),
                             store.is_queued("rijksoverheid", "x", "sha256:bb"))


def test_sources_do_not_share_ids(store: FetcherStore) -> None:
    """The same upstream id under two sources is two documents."""
    store.record("rijksoverheid", "x", "sha256:aa", None)
    assert store.seen("tweedekamer", "x") is None


def test_dead_lettered_and_withdrawn_are_not_queued_letters(store: FetcherStore) -> None:
    """``Seen.queued`` is false for a dead-letter or withdrawal marker."""
    assert (True, False, False) == (Seen("sha256:aa", None).queued,
                                    Seen("dead:too-large", None).queued,
                                    Seen("withdrawn", None).queued)


def test_state_survives_reopening(tmp_path: Path) -> None:
    """A second store on the same file sees what the first recorded (a restart)."""
    first = FetcherStore(tmp_path / "state.sqlite3")
    first.record("officielebekendmakingen", "kst-1", "sha256:aa", "v1",
                 ("officielebekendmakingen", "2025-10-03"))
    first.close()
    second = FetcherStore(tmp_path / "state.sqlite3")
    try:
        assert ("2025-10-03", Seen("sha256:aa", "v1")) == (
            second.checkpoint("officielebekendmakingen"),
            second.seen("officielebekendmakingen", "kst-1"))
    finally:
        second.close()


def test_state_of_the_retired_rijksoverheid_source_survives_an_upgrade(tmp_path: Path) -> None:
    """A data folder from before the rijksoverheid source was retired opens with today's
    sources and schema; its seen rows and checkpoints stay as they were."""
    old = FetcherStore(tmp_path / "kamerstroom.sqlite3")
    old.record("rijksoverheid", "7a8b9c", "sha256:aa", "2025-06-01T10:00:00",
               ("rijksoverheid", '{"id": "7a8b9c", "available": "2025-06-01"}'))
    old.set_checkpoint("start-date:rijksoverheid", "2025-01-01")
    old.close()

    settings = load_settings(data_dir=tmp_path)
    assert ["officielebekendmakingen", "tweedekamer"] == [s.name for s in build_sources(settings)]
    store = FetcherStore(settings.db_path)
    assert Seen("sha256:aa", "2025-06-01T10:00:00") == store.seen("rijksoverheid", "7a8b9c")
    assert "2025-01-01" == store.checkpoint("start-date:rijksoverheid")
    assert '{"id": "7a8b9c", "available": "2025-06-01"}' == store.checkpoint("rijksoverheid")
