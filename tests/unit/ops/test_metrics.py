"""Metric definitions: Prometheus naming, and the small helpers services call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import prometheus_client
from prometheus_client import REGISTRY, Counter, Gauge, Histogram

from shared import metrics


def _ours() -> list[Counter | Gauge | Histogram]:
    return [v for v in vars(metrics).values() if isinstance(v, Counter | Gauge | Histogram)]


def _value(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_every_metric_follows_the_naming_conventions() -> None:
    """All names start with kamerstroom_; counters end in _total, histograms in _seconds."""
    problems = []
    for metric in _ours():
        name = metric._name  # prometheus-client strips _total from counters here
        if not name.startswith("kamerstroom_"):
            problems.append(name)
        if isinstance(metric, Histogram) and not name.endswith("_seconds"):
            problems.append(name)
    assert [] == problems


def test_the_issue_metrics_are_all_exported() -> None:
    """Every figure the operations issue asks for has a metric in the exposition."""
    text = prometheus_client.generate_latest().decode()
    wanted = ["kamerstroom_polls_total", "kamerstroom_poll_errors_total",
              "kamerstroom_last_successful_poll_timestamp_seconds",
              "kamerstroom_documents_fetched_total", "kamerstroom_parse_results_total",
              "kamerstroom_events_total", "kamerstroom_deliveries_total",
              "kamerstroom_delivery_attempt_seconds", "kamerstroom_retry_queue_depth",
              "kamerstroom_dead_letters_total", "kamerstroom_letter_age_seconds",
              "kamerstroom_queue_messages"]
    assert [] == [name for name in wanted if f"# TYPE {name.removesuffix('_total')}" not in text]


def test_mark_poll_counts_and_stamps_success() -> None:
    """A good poll counts as ok and sets the source's last-success time."""
    before = _value("kamerstroom_polls_total", {"source": "unit-ok", "outcome": "ok"})
    metrics.mark_poll("unit-ok", ok=True)
    assert 1.0 == _value("kamerstroom_polls_total", {"source": "unit-ok", "outcome": "ok"}) - before
    assert 0 < _value("kamerstroom_last_successful_poll_timestamp_seconds", {"source": "unit-ok"})


def test_mark_poll_failure_counts_the_kind() -> None:
    """A failed poll counts as error, by kind, and leaves the last-success time alone."""
    metrics.mark_poll("unit-bad", ok=False, kind="http-429")
    assert 1.0 == _value("kamerstroom_poll_errors_total", {"source": "unit-bad", "kind": "http-429"})
    assert 0.0 == _value("kamerstroom_last_successful_poll_timestamp_seconds", {"source": "unit-bad"})


def test_letter_age_is_observed_from_the_fetch_time() -> None:
    """A letter fetched 90 s before its publish lands in the 300 s bucket, not the 60 s one."""
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    under_60 = _value("kamerstroom_letter_age_seconds_bucket", {"le": "60.0"})
    under_300 = _value("kamerstroom_letter_age_seconds_bucket", {"le": "300.0"})
    metrics.observe_letter_age(now - timedelta(seconds=90), now=now)
    assert under_60 == _value("kamerstroom_letter_age_seconds_bucket", {"le": "60.0"})
    assert under_300 + 1 == _value("kamerstroom_letter_age_seconds_bucket", {"le": "300.0"})


def test_observe_delivery_counts_and_times_the_attempt() -> None:
    """One attempt adds one to its outcome's counter and one observation to its histogram."""
    before = _value("kamerstroom_deliveries_total", {"outcome": "skipped"})
    timed = _value("kamerstroom_delivery_attempt_seconds_count", {"outcome": "skipped"})
    metrics.observe_delivery("skipped", 0.02)
    assert before + 1 == _value("kamerstroom_deliveries_total", {"outcome": "skipped"})
    assert timed + 1 == _value("kamerstroom_delivery_attempt_seconds_count", {"outcome": "skipped"})


def test_letter_lag_is_observed_per_source_from_the_upstream_time() -> None:
    """The lag histogram gets now minus the upstream's change time under the feed's label;
    a letter whose feed gave no time is not observed."""
    labels = {"source": "tweedekamer"}
    count, total = (_value("kamerstroom_letter_lag_seconds_count", labels),
                    _value("kamerstroom_letter_lag_seconds_sum", labels))
    now = datetime(2026, 12, 2, 9, 0, 30, tzinfo=UTC)
    metrics.observe_letter_lag("tweedekamer", now - timedelta(seconds=17), now)
    metrics.observe_letter_lag("tweedekamer", None, now)
    assert 1 == _value("kamerstroom_letter_lag_seconds_count", labels) - count
    assert 17.0 == _value("kamerstroom_letter_lag_seconds_sum", labels) - total
