"""The state database a store test runs on: SQLite in a temp folder, or a fresh PostgreSQL
database on the test session's private cluster (``postgres_url``). Import ``state_target`` into a test module
to run its tests on both (ids ``[sqlite]`` and ``[postgresql]``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.db import Target


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """Where a store keeps its state in this test: a SQLite file or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "kamerstroom.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url
