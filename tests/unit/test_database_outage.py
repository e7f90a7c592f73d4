"""A store call during a database outage is tried again, not handed back to the broker."""

from __future__ import annotations

import pytest

from shared.db import DatabaseUnavailable
from shared.db.waiting import through_outage, through_outage_sync
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


async def test_an_outage_is_logged_once_however_many_tries_it_takes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shared.db.waiting.FIRST_WAIT", 0.001)
    warned: list[str] = []
    monkeypatch.setattr("shared.db.waiting.log.warning", lambda event, **_: warned.append(event))
    calls: list[int] = []

    def store() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise DatabaseUnavailable("PostgreSQL does not answer")
        return "stored"

    assert "stored" == await through_outage_sync(store, stopping=lambda: False, what="test")
    assert ["database unavailable: waiting"] == warned


async def test_the_async_form_repeats_the_awaited_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shared.db.waiting.FIRST_WAIT", 0.001)
    calls: list[int] = []

    async def fan_out() -> int:
        calls.append(1)
        if len(calls) < 2:
            raise DatabaseUnavailable("lost the PostgreSQL connection")
        return 10

    assert 10 == await through_outage(fan_out, stopping=lambda: False, what="test")
    assert 2 == len(calls)
