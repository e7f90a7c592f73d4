"""``policy.decide``: every verdict, the boundaries of the schedule and the disable window, the waits."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.publisher.webhooks.filters import EndpointFilter
from services.publisher.webhooks.models import Attempt, Endpoint, Outcome
from services.publisher.webhooks.policy import GONE, Decision, DeliveryPolicy, Verdict, decide
from services.publisher.webhooks.schedule import RetryPolicy, Wait

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=5)
POLICY = DeliveryPolicy(RetryPolicy((0, 5, 300, 1800)), disable_after=WINDOW)
LAST = POLICY.retry.max_attempts
TICK = timedelta(microseconds=1)


def endpoint(failing_for: timedelta | None = None) -> Endpoint:
    """An enabled endpoint that has failed (without a success) for ``failing_for``, or not at all."""
    since = NOW - failing_for if failing_for is not None else None
    return Endpoint(id="ep_1", url="https://hooks.example/in", description="", filter=EndpointFilter(),
                    secret="whsec_x", previous_secret=None, previous_secret_until=None, disabled=False,
                    disabled_reason=None, created_at=NOW - timedelta(days=30), last_success_at=None,
                    failing_since=since)


def outcome(status: int | None = 500, *, number: int = 1, error: str | None = None,
            refused: bool = False, retry_after: float | None = None) -> Outcome:
    return Outcome(Attempt(number, NOW, status, 12.0, "", error), retry_after=retry_after, refused=refused)


@dataclass(frozen=True)
class Case:
    outcome: Outcome
    failing_for: timedelta | None
    verdict: Verdict


CASES = {
    "200 succeeds": Case(outcome(200), None, Verdict.SUCCEEDED),
    "204 succeeds": Case(outcome(204), None, Verdict.SUCCEEDED),
    "299 succeeds": Case(outcome(299), None, Verdict.SUCCEEDED),
    "success on the last attempt": Case(outcome(200, number=LAST), None, Verdict.SUCCEEDED),
    "success after failing past the window": Case(outcome(200), 2 * WINDOW, Verdict.SUCCEEDED),
    "300 is no success (redirects are not followed)": Case(outcome(300), None, Verdict.RETRY),
    "500 retries": Case(outcome(500), None, Verdict.RETRY),
    "429 retries": Case(outcome(429), None, Verdict.RETRY),
    "404 retries": Case(outcome(404), None, Verdict.RETRY),
    "a timeout retries": Case(outcome(None, error="timed out after 15 s"), None, Verdict.RETRY),
    "the attempt before the last retries": Case(outcome(500, number=LAST - 1), None, Verdict.RETRY),
    "the last attempt fails": Case(outcome(500, number=LAST), None, Verdict.FAILED),
    "past the last attempt fails": Case(outcome(500, number=LAST + 1), None, Verdict.FAILED),
    "a refused URL fails at once": Case(outcome(None, error="refused: loopback", refused=True),
                                        None, Verdict.REFUSED),
    "a refused URL is not disabled past the window": Case(
        outcome(None, error="refused: loopback", refused=True), 2 * WINDOW, Verdict.REFUSED),
    "410 disables": Case(outcome(410), None, Verdict.DISABLE),
    "410 on the last attempt disables": Case(outcome(410, number=LAST), None, Verdict.DISABLE),
    "failing just short of the window retries": Case(outcome(500), WINDOW - TICK, Verdict.RETRY),
    "failing exactly the window disables": Case(outcome(500), WINDOW, Verdict.DISABLE),
    "failing past the window disables": Case(outcome(500), WINDOW + timedelta(days=1), Verdict.DISABLE),
    "a timeout past the window disables": Case(outcome(None, error="timed out"), WINDOW, Verdict.DISABLE),
    "the window beats the last attempt": Case(outcome(500, number=LAST), WINDOW, Verdict.DISABLE),
    "just short of the window, the last attempt fails": Case(outcome(500, number=LAST), WINDOW - TICK,
                                                             Verdict.FAILED),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_verdict(case: Case) -> None:
    """Each outcome and endpoint state gets its verdict, with a wait exactly when it retries."""
    decision = decide(case.outcome, endpoint(case.failing_for), POLICY, NOW, rng=random.Random(0))
    assert case.verdict == decision.verdict
    assert (case.verdict is Verdict.RETRY) == (decision.wait is not None)
    assert (case.verdict is Verdict.DISABLE) == (decision.disable is not None)


def test_no_failing_since_counts_from_now() -> None:
    """Without a recorded failure the window starts now: a zero window disables at once."""
    zero = DeliveryPolicy(POLICY.retry, disable_after=timedelta(0))
    assert Verdict.DISABLE == decide(outcome(500), endpoint(None), zero, NOW).verdict
    assert Verdict.RETRY == decide(outcome(500), endpoint(None), POLICY, NOW, rng=random.Random(0)).verdict


def test_disable_reasons() -> None:
    """410 is labelled ``gone``; the window ``failing``, with the time the failures began."""
    assert GONE == decide(outcome(410), endpoint(), POLICY, NOW).disable
    failing = decide(outcome(500), endpoint(WINDOW), POLICY, NOW).disable
    assert failing is not None and "failing" == failing.label
    assert f"no successful delivery since {(NOW - WINDOW).isoformat()}" == failing.reason


@pytest.mark.parametrize(("verdict", "status"), [
    (Verdict.SUCCEEDED, "succeeded"), (Verdict.RETRY, "pending"), (Verdict.FAILED, "failed"),
    (Verdict.DISABLE, "failed"), (Verdict.REFUSED, "failed")])
def test_delivery_status_per_verdict(verdict: Verdict, status: str) -> None:
    """Only a retry leaves the delivery pending; every failure ends it."""
    assert status == Decision(verdict).status


@pytest.mark.parametrize(("number", "queue", "low", "high"), [
    (1, 5, 4.0, 6.0), (2, 300, 240.0, 360.0), (LAST - 1, 1800, 1440.0, 2160.0)])
def test_retry_waits_for_the_next_entry_within_the_jitter(number: int, queue: float, low: float,
                                                         high: float) -> None:
    """After attempt n the wait is schedule[n] ±20 %, in that entry's retry queue, for any seed."""
    for seed in range(200):
        wait = decide(outcome(500, number=number), endpoint(), POLICY, NOW, rng=random.Random(seed)).wait
        assert wait is not None and queue == wait.queue_delay
        assert low <= wait.seconds <= high, (seed, wait)


def test_the_same_seed_gives_the_same_wait() -> None:
    """The jitter comes from ``rng`` alone: equal seeds, equal decisions."""
    first, again = (decide(outcome(500), endpoint(), POLICY, NOW, rng=random.Random(42)) for _ in range(2))
    assert first == again


def test_retry_after_postpones_within_the_ladder() -> None:
    """A ``Retry-After`` beyond the next delay moves the wait to it, in a queue that holds it."""
    wait = decide(outcome(503, retry_after=200), endpoint(), POLICY, NOW, rng=random.Random(0)).wait
    assert Wait(300, 200.0) == wait


def test_retry_after_never_brings_the_attempt_forward() -> None:
    """A ``Retry-After`` shorter than the schedule's delay leaves the jittered delay."""
    wait = decide(outcome(503, number=2, retry_after=1), endpoint(), POLICY, NOW, rng=random.Random(0)).wait
    assert wait is not None and 240 <= wait.seconds <= 360


def test_retry_after_beyond_the_ladder_is_capped() -> None:
    """A ``Retry-After`` larger than the longest delay waits that delay +20 %, in the longest queue."""
    wait = decide(outcome(503, retry_after=10**9), endpoint(), POLICY, NOW, rng=random.Random(0)).wait
    assert Wait(1800, 1800 * 1.2) == wait


def test_retry_after_on_the_last_attempt_does_not_add_one() -> None:
    """``Retry-After`` postpones a retry; it does not grant an attempt beyond the schedule."""
    decision = decide(outcome(503, number=LAST, retry_after=60), endpoint(), POLICY, NOW)
    assert Verdict.FAILED == decision.verdict
