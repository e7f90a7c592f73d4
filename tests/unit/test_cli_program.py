"""The ``kamerstroom`` program freezes the heap its imports built before it runs a command."""

from __future__ import annotations

import gc
from collections.abc import Sequence

import pytest

from kamerstroom import cli


def test_the_program_freezes_the_imported_heap_then_runs_the_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: steps.append("freeze"))

    def command(argv: Sequence[str] | None = None) -> int:
        steps.append(f"main {list(argv or [])}")
        return 3

    monkeypatch.setattr(cli, "main", command)
    assert 3 == cli.program(["publisher"])
    assert ["freeze", "main ['publisher']"] == steps


def test_main_alone_leaves_the_callers_collector_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert [] == frozen
