"""The poll loop counts polls, errors and queued documents per source in /metrics."""

from __future__ import annotations

from prometheus_client import REGISTRY

from kamerstroom.receivers import wait_for
from services.fetcher.service import FetcherService
from services.fetcher.store import FetcherStore
from tests.integration.fetcher.conftest import FAST, Harness


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


SOURCE = "officielebekendmakingen"


def _sru_only(harness: Harness) -> FetcherService:
    """A fetcher polling only the SRU, so the counts are exact."""
    return FetcherService(harness.broker, FetcherStore(harness.settings.db_path),
                          [harness.source(SOURCE)], interval=3600.0, http=FAST,
                          start_date=harness.settings.start_date)


async def test_a_poll_is_counted_with_its_documents(harness: Harness) -> None:
    """One successful poll of the SRU adds one ok poll, its one letter and a fresh timestamp."""
    polls = _sample("kamerstroom_polls_total", source=SOURCE, outcome="ok")
    fetched = _sample("kamerstroom_documents_fetched_total", source=SOURCE)
    service = _sru_only(harness)
    await service.start()
    try:
        assert await wait_for(lambda: service.states[SOURCE].last_success is not None, 20)
    finally:
        await service.stop()
    assert polls + 1 == _sample("kamerstroom_polls_total", source=SOURCE, outcome="ok")
    assert fetched + 1 == _sample("kamerstroom_documents_fetched_total", source=SOURCE)
    assert 0 < _sample("kamerstroom_last_successful_poll_timestamp_seconds", source=SOURCE)


async def test_a_failing_poll_is_counted_as_an_error(harness: Harness) -> None:
    """A feed answering 500 every time adds an error poll of kind RetryLater, not an ok one."""
    harness.server.faults.add("/sru", "500", times=None)
    errors = _sample("kamerstroom_poll_errors_total", source=SOURCE, kind="RetryLater")
    service = _sru_only(harness)
    await service.start()
    try:
        assert await wait_for(lambda: service.states[SOURCE].consecutive_failures > 0, 30)
    finally:
        await service.stop()
    assert errors + 1 <= _sample("kamerstroom_poll_errors_total", source=SOURCE,
                                 kind="RetryLater")
