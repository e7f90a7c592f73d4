"""When a crashed child process is started again, and when to stop trying."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

# Five crashes within a minute: the child cannot run here (a broken release, a broker that
# refuses it); exit non-zero so the orchestrator sees it, rather than flapping forever.
CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 60.0
# The first restart is almost at once (a one-off crash costs a quarter second of parsing);
# later ones back off, doubling, up to this.
FIRST_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 10.0


@dataclass
class RestartPolicy:
    """Bounded exponential backoff over the crashes of the last ``window`` seconds."""

    limit: int = CRASH_LIMIT
    window: float = CRASH_WINDOW_SECONDS
    first_delay: float = FIRST_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS
    crashes: deque[float] = field(default_factory=deque)

    def after_crash(self, now: float) -> float | None:
        """Record a crash at monotonic time ``now``: the seconds to wait before the next
        start, or ``None`` when this is the ``limit``-th crash within ``window`` (give up)."""
        while self.crashes and now - self.crashes[0] >= self.window:
            self.crashes.popleft()
        self.crashes.append(now)
        recent = len(self.crashes)
        if recent >= self.limit:
            return None
        return float(min(self.first_delay * 2 ** (recent - 1), self.max_delay))
