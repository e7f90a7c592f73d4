"""A store call during a database outage is tried again, not handed back to the broker."""

from __future__ import annotations

import pytest

from shared.db import DatabaseUnavailable
from shared.db.waiting import through_outage_sync
from shared.errors import ShuttingDown


async def test_the_failed_call_alone_is_repeated_until_the_database_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shared.db.waiting.FIRST_WAIT", 0.001)
    calls: list[int] = []

    def store() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise DatabaseUnavailable("lost the PostgreSQL connection")
        return "stored"

    assert "stored" == await through_outage_sync(store, stopping=lambda: False, what="test")
    assert 3 == len(calls)


async def test_shutdown_ends_the_wait_with_shutting_down() -> None:
    stopping = [False]

    def store() -> None:
        stopping[0] = True  # the signal arrives while the database is away
        raise DatabaseUnavailable("PostgreSQL does not answer")

    with pytest.raises(ShuttingDown, match="database is away"):
        await through_outage_sync(store, stopping=lambda: stopping[0], what="test")


async def test_other_errors_are_not_waited_for() -> None:
    def store() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await through_outage_sync(store, stopping=lambda: False, what="test")
