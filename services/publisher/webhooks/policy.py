"""What to do after a webhook attempt: the delivery policy as one pure function, ``decide``.

``decide`` reads only its arguments (the attempt's outcome, the endpoint's state, the
policy, the time, and a random source for jitter) and does no I/O; ``delivery.Dispatcher``
calls it and carries the decision out. In order of precedence:

- any 2xx: ``SUCCEEDED``;
- a refused URL (SSRF guard): ``REFUSED``, failed without a retry (the next attempt would be
  refused too);
- 410 Gone: ``DISABLE``, failed and the endpoint disabled;
- no success for ``disable_after`` (counted from ``failing_since``, which includes this
  failure): ``DISABLE``, failed and the endpoint disabled, also on its last attempt;
- the last attempt of the schedule: ``FAILED``;
- anything else: ``RETRY``, with the ``Wait`` of ``RetryPolicy.wait_before`` (jitter,
  ``Retry-After``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.publisher.webhooks.models import DeliveryStatus, Endpoint, Outcome
from services.publisher.webhooks.schedule import RetryPolicy, Wait


class Verdict(StrEnum):
    """The kinds of decision after an attempt."""

    SUCCEEDED = "succeeded"
    RETRY = "retry"
    FAILED = "failed"  # the schedule is used up
    DISABLE = "disable"  # failed, and the endpoint is disabled
    REFUSED = "refused"  # failed at once: the URL was refused


@dataclass(frozen=True)
class DeliveryPolicy:
    """The rules ``decide`` applies: the retry schedule, and how long an endpoint may fail."""

    retry: RetryPolicy
    disable_after: timedelta = timedelta(days=5)


@dataclass(frozen=True)
class Disable:
    """Why an endpoint is disabled: a metric label (``gone``, ``failing``) and the stored reason."""

    label: str
    reason: str


@dataclass(frozen=True)
class Decision:
    """The verdict, with the retry's ``wait`` (``RETRY`` only) and the ``disable`` reason
    (``DISABLE`` only)."""

    verdict: Verdict
    wait: Wait | None = None
    disable: Disable | None = None

    @property
    def status(self) -> DeliveryStatus:
        """The delivery's status after this decision."""
        if self.verdict is Verdict.SUCCEEDED:
            return "succeeded"
        return "pending" if self.verdict is Verdict.RETRY else "failed"


GONE = Disable("gone", "the endpoint answered 410 Gone")


def decide(outcome: Outcome, endpoint: Endpoint, policy: DeliveryPolicy, now: datetime, *,
           rng: random.Random | None = None) -> Decision:
    """The decision after ``outcome``, for ``endpoint`` as it stands after the attempt, at ``now``.

    ``endpoint.failing_since`` should already count this attempt's failure (the registry's
    ``record_failure`` returns it); ``None`` is taken as failing from ``now``. ``rng`` draws the
    retry's jitter (the ``random`` module's if ``None``); nothing else is random or read.
    """
    if outcome.succeeded:
        return Decision(Verdict.SUCCEEDED)
    if outcome.refused:
        return Decision(Verdict.REFUSED)
    if outcome.attempt.status_code == 410:
        return Decision(Verdict.DISABLE, disable=GONE)
    since = endpoint.failing_since or now
    if now - since >= policy.disable_after:
        return Decision(Verdict.DISABLE,
                        disable=Disable("failing", f"no successful delivery since {since.isoformat()}"))
    number = outcome.attempt.attempt
    if number >= policy.retry.max_attempts:
        return Decision(Verdict.FAILED)
    wait = policy.retry.wait_before(number + 1, retry_after=outcome.retry_after, rng=rng)
    return Decision(Verdict.RETRY, wait=wait)
