"""Fixtures shared by every test layer: settings, a fresh broker namespace, receivers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import aio_pika
import pytest

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import WebhookReceiver
from shared.config import Settings
from shared.messaging import Topology
from shared.messaging.rabbitmq import delete_topology

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


from tests.support.state import postgres_url  # noqa: E402  (until the private cluster's fixture)

__all__ = ["postgres_url"]
