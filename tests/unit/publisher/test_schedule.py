"""The retry schedule: jitter bounds, Retry-After, and which retry queue holds a wait."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from services.publisher.webhooks.schedule import RetryPolicy, Wait
from shared.config import load_settings
from shared.errors import ConfigError
from shared.retry_after import parse_retry_after

DEFAULT = RetryPolicy((0, 5, 300, 1800, 7200, 18000, 36000, 36000))


def test_jitter_stays_within_twenty_percent() -> None:
    """Every wait before attempt 3 (300 s) lies in 240..360 s and sits in the 300 s queue."""
    rng = random.Random(7)
    waits = [DEFAULT.wait_before(3, rng=rng) for _ in range(200)]
    assert all(240 <= w.seconds <= 360 for w in waits)
    assert {300.0} == {w.queue_delay for w in waits}


def test_ladder_and_attempts() -> None:
    """Eight attempts; the non-zero delays and the 1 s busy delay are the retry queues."""
    assert 8 == DEFAULT.max_attempts
    assert (1.0, 5, 300, 1800, 7200, 18000, 36000) == DEFAULT.ladder


def test_retry_after_postpones_but_is_bounded() -> None:
    """Retry-After moves the next attempt later, never beyond the longest delay (+20 %)."""
    rng = random.Random(1)
    assert Wait(300, 200.0) == DEFAULT.wait_before(2, retry_after=200, rng=rng)
    assert Wait(36000, 43200.0) == DEFAULT.wait_before(2, retry_after=10**9, rng=rng)
    assert 4 <= DEFAULT.wait_before(2, retry_after=1, rng=rng).seconds <= 6


def test_zero_delay_goes_straight_to_delivery() -> None:
    """A zero entry in the schedule needs no retry queue."""
    assert Wait(0.0, 0.0) == RetryPolicy((0, 0)).wait_before(2)


def test_parse_retry_after() -> None:
    """Delta-seconds and HTTP dates are understood; junk is ignored."""
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert 120.0 == parse_retry_after("120")
    assert 90.0 == parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_settings_refuse_an_empty_or_negative_schedule() -> None:
    """``KAMERSTROOM_WEBHOOK_RETRY_SCHEDULE`` must hold one or more non-negative delays."""
    for bad in ("", "5,-1"):
        with pytest.raises(ConfigError, match="KAMERSTROOM_WEBHOOK_RETRY_SCHEDULE"):
            load_settings(webhook_retry_schedule=bad)
    assert [0.0, 0.5] == load_settings(webhook_retry_schedule="0,0.5").webhook_retry_schedule
