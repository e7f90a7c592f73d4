"""The state database a store test runs on: SQLite in a temp folder, or a fresh PostgreSQL
database on the test session's private cluster. Import ``state_target`` into a test module
to run its tests on both (ids ``[sqlite]`` and ``[postgresql]``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from shared.db import Target

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
def postgres_url() -> Iterator[str]:  # replaced by the private cluster's fixture
    server = os.environ["KAMERSTROOM_TEST_POSTGRES_URL"]
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    yield server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """Where a store keeps its state in this test: a SQLite file or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "kamerstroom.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url
