"""Waiting for arrivals: one goal, then a higher one, each reached only by its own count."""

from __future__ import annotations

import asyncio

from bench.goal import Goal


async def test_a_second_goal_waits_for_its_own_count() -> None:
    """After a first goal is reached, waiting for a higher one times out until it is met."""
    goal, count = Goal(), 0

    async def arrive(n: int) -> None:
        nonlocal count
        for _ in range(n):
            count += 1
            goal.observe(count)
            await asyncio.sleep(0)

    first = asyncio.create_task(goal.wait(3, count, timeout=1))
    await arrive(3)
    assert await first
    assert not await goal.wait(6, count, timeout=0.05)
    second = asyncio.create_task(goal.wait(6, count, timeout=1))
    await arrive(3)
    assert await second
    assert 6 == count
