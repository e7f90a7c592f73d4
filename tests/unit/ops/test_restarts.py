"""The parser process's restart policy: backoff that doubles, and a crash loop gives up."""

from __future__ import annotations

from kamerstroom.restarts import RestartPolicy


def test_restarts_back_off_doubling_up_to_the_cap_then_give_up() -> None:
    """Crashes close together wait 0.25, 0.5, 1, 2 s; the fifth within the window gives up."""
    policy = RestartPolicy(limit=5, window=60.0, first_delay=0.25, max_delay=1.5)
    delays = [policy.after_crash(float(t)) for t in range(5)]
    assert [0.25, 0.5, 1.0, 1.5, None] == delays


def test_crashes_older_than_the_window_are_forgotten() -> None:
    """A child that crashes once in a while is restarted at once every time, forever."""
    policy = RestartPolicy(limit=2, window=60.0, first_delay=0.25)
    assert [0.25] * 10 == [policy.after_crash(t * 60.0) for t in range(10)]
