"""Drift reports: counted per kind, shown with the last example, logged once an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from services.fetcher.drift import DriftMonitor
from services.fetcher.service import MAX_BACKOFF, next_wait
from services.fetcher.sources.base import Drift


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def counted(source: str, kind: str) -> float:
    value = REGISTRY.get_sample_value("kamerstroom_feed_drift_total",
                                      {"source": source, "kind": kind})
    return value or 0.0


def test_every_deviation_is_counted_and_the_last_example_kept() -> None:
    """Three reports of one kind: the counter and the detail say three, with the last URL."""
    monitor, before = DriftMonitor(Clock()), counted("unit-src", "record-without-identifier")
    for n in range(3):
        monitor.report("unit-src", Drift("record-without-identifier", f"record {n}", f"u{n}"))
    assert 3 == counted("unit-src", "record-without-identifier") - before
    detail = monitor.detail("unit-src")["record-without-identifier"]
    assert isinstance(detail, dict)
    assert (3, "record 2", "u2") == (detail["count"], detail["detail"], detail["url"])
    assert 3 == monitor.total("unit-src")


def test_a_kind_is_logged_once_an_hour_and_each_kind_on_its_own() -> None:
    """Repeats within the hour are counted but not logged; another kind logs at once."""
    clock = Clock()
    monitor = DriftMonitor(clock)
    with capture_logs() as logs:
        monitor.report("s", Drift("a", "first"))
        clock.now += timedelta(minutes=59)
        monitor.report("s", Drift("a", "second"))
        monitor.report("s", Drift("b", "other kind"))
        clock.now += timedelta(minutes=1)
        monitor.report("s", Drift("a", "third"))
    logged = [(e["kind"], e["detail"]) for e in logs if e["event"] == "feed drift"]
    assert [("a", "first"), ("b", "other kind"), ("a", "third")] == logged


def test_a_source_without_drift_shows_none() -> None:
    """No report, no detail: an empty object in /readyz."""
    assert {} == DriftMonitor().detail("quiet")


def test_failed_polls_back_off_doubling_up_to_the_cap() -> None:
    """The wait is the interval while polls succeed, then doubles per failure, capped."""
    waits = [next_wait(15.0, failures) for failures in range(12)]
    assert [15.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0] == waits[:7]
    assert MAX_BACKOFF == waits[-1]
    assert 3600.0 == next_wait(3600.0, 5)  # never shorter than the interval itself
