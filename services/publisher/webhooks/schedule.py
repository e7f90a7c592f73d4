"""When to try a webhook delivery again: the schedule, its jitter, and ``Retry-After``.

Attempt ``n`` (1-based) waits ``schedule[n-1]`` seconds (±20 % jitter) after the previous
one; the default is ``0,5,300,1800,7200,18000,36000,36000``. A ``Retry-After`` answer moves
the next attempt later (never earlier), up to the longest delay of the schedule. The wait
happens in ``<ns>.retry.<seconds>`` queues, so it survives restarts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

JITTER = 0.2
# A delivery whose endpoint is at its concurrency limit waits this long and comes back.
BUSY_DELAY = 1.0


@dataclass(frozen=True)
class Wait:
    """Where the next attempt waits: the retry queue's delay (0: none) and this message's TTL."""

    queue_delay: float
    seconds: float


@dataclass(frozen=True)
class RetryPolicy:
    """The retry schedule in seconds, one entry per attempt."""

    schedule: tuple[float, ...]

    @property
    def max_attempts(self) -> int:
        return len(self.schedule)

    @property
    def ladder(self) -> tuple[float, ...]:
        """The retry queues to declare: every non-zero delay, and the busy delay."""
        return tuple(sorted({d for d in self.schedule if d > 0} | {BUSY_DELAY}))

    def wait_before(self, attempt: int, *, retry_after: float | None = None,
                    rng: random.Random | None = None) -> Wait:
        """How long attempt ``attempt`` (2..max) waits, and in which queue."""
        base = self.schedule[min(attempt, self.max_attempts) - 1]
        seconds = base * (rng or random).uniform(1 - JITTER, 1 + JITTER)
        if retry_after is not None:
            seconds = max(seconds, min(retry_after, max(self.ladder) * (1 + JITTER)))
        return self.queue_for(seconds)

    def queue_for(self, seconds: float) -> Wait:
        """The shortest retry queue that can hold a message for ``seconds``."""
        if seconds <= 0:
            return Wait(0.0, 0.0)
        for delay in self.ladder:
            if delay * (1 + JITTER) >= seconds:
                return Wait(delay, seconds)
        longest = self.ladder[-1]
        return Wait(longest, longest * (1 + JITTER))


