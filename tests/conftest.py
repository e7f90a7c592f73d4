"""Fixtures shared by every test layer: settings, a fresh broker namespace, receivers,
a private PostgreSQL and the backend parameter ``database_url``."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import aio_pika
import pytest

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import WebhookReceiver
from shared.config import Settings
from shared.messaging import Topology
from shared.messaging.rabbitmq import delete_topology
from tests.support.postgres import PostgresServer, in_ci, session_server

FIXTURES = Path(__file__).parent / "fixtures"
REPLAY_START_DATE = date(2000, 1, 1)  # before every replayed document
AMQP_URL = os.environ.get("KAMERSTROOM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The real broker's URL. A broker that does not answer fails the test: never skipped."""
    return AMQP_URL


@pytest.fixture
async def namespace(amqp_url: str) -> AsyncIterator[str]:
    """A namespace of our own on the real broker, deleted afterwards."""
    try:
        connection = await aio_pika.connect(amqp_url, timeout=5)
    except Exception as exc:
        pytest.fail(f"RabbitMQ does not answer at {amqp_url}: {exc} (run scripts/ensure-broker.sh)")
    await connection.close()
    ns = f"test-{uuid.uuid4().hex[:10]}"
    yield ns
    await delete_topology(amqp_url, Topology(ns))


@pytest.fixture
def settings(tmp_path: Path, amqp_url: str) -> Settings:
    """Settings for tests: loopback only, no politeness delay, state in a temp folder.

    The start date is early because the replayed feeds hold 2022-2025 documents.
    """
    return Settings(amqp_url=amqp_url, data_dir=tmp_path / "data", http_host="127.0.0.1",
                    http_port=0, request_interval=0.0, poll_interval=3600.0,
                    webhook_allow_private=True, shutdown_timeout=10.0,
                    start_date=REPLAY_START_DATE)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    """The local feed server replaying recorded responses, on 127.0.0.1 and a free port."""
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[WebhookReceiver]:
    """A webhook receiver on 127.0.0.1 that answers 204 and records what it got."""
    receiver = WebhookReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresServer]:
    """PostgreSQL for the whole session: ``KAMERSTROOM_TEST_POSTGRES_URL``'s server if set,
    else a private cluster on a free 127.0.0.1 port, removed at the end. Without PostgreSQL
    binaries it fails under ``CI=true`` and skips elsewhere (``session_server``)."""
    with session_server(in_ci=in_ci()) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_cluster: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database of this test's own, dropped afterwards."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """Runs the test once per store backend (ids ``[sqlite]``, ``[postgresql]``): ``None``
    for SQLite (the stores use ``KAMERSTROOM_DATA_DIR``), else a fresh PostgreSQL URL for
    ``KAMERSTROOM_DATABASE_URL``. ``-m "not postgresql"`` runs SQLite only."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url
