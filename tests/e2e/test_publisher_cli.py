"""``kamerstroom endpoints`` and ``kamerstroom subscribe`` against a running publisher."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator

import pytest

from kamerstroom.receivers import WebhookReceiver, wait_for
from kamerstroom.runtime import Runtime
from services.publisher.webhooks.schedule import RetryPolicy
from shared.config import Settings
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from shared.schema import Kamerbrief, NormalisedDocument
from shared.schema.record import Dossier, Ministry, SourceRef

TOKEN = "cli-test-token"


@pytest.fixture
async def running(settings: Settings, namespace: str, amqp_url: str,
                  database_url: str | None) -> AsyncIterator[Runtime]:
    """A publisher with the admin API on a free port, on each state backend."""
    config = settings.model_copy(update={"namespace": namespace, "admin_token": TOKEN,
                                         "database_url": database_url})
    runtime = Runtime.create(config, ("publisher",))
    await runtime.start()
    yield runtime
    await runtime.stop()
    await delete_topology(amqp_url, Topology(namespace, retry_delays=RetryPolicy(
        tuple(config.webhook_retry_schedule)).ladder))


async def cli(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "KAMERSTROOM_ADMIN_TOKEN": TOKEN,
           "KAMERSTROOM_NAMESPACE": runtime.settings.namespace,
           "KAMERSTROOM_AMQP_URL": runtime.settings.amqp_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kamerstroom", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    return proc.returncode or 0, out.decode(), err.decode()


def letter() -> NormalisedDocument:
    record = Kamerbrief(id="kst-36124-3", title="Brief over materieel", dossier=Dossier(number="36124"),
                        ondernummer="3", ministry=Ministry(name="Ministerie van Defensie", code="def"),
                        sources=[SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3")])
    return NormalisedDocument(record=record.with_content_hash())


async def feed(runtime: Runtime, document: NormalisedDocument) -> None:
    broker = RabbitMQBroker(runtime.settings.amqp_url, Topology(runtime.settings.namespace))
    await broker.connect()
    try:
        await broker.publish(broker.topology.normalised, OutgoingMessage(
            body=document.model_dump_json().encode(), routing_key="test"))
    finally:
        await broker.close()


async def test_endpoints_add_list_replay_remove(running: Runtime, webhook_receiver: WebhookReceiver) -> None:
    """A user adds an endpoint, sees it listed, gets a delivery, replays it, removes the endpoint."""
    api = f"http://127.0.0.1:{running.server.port}"
    code, out, err = await cli(running, "endpoints", "--api", api, "--json", "add",
                               webhook_receiver.url, "--ministry", "def", "--event-type", "published")
    assert 0 == code, err
    created = json.loads(out)
    assert created["secret"].startswith("whsec_")
    code, out, _ = await cli(running, "endpoints", "--api", api, "list")
    assert (0, True) == (code, created["id"] in out and "enabled" in out)

    await feed(running, letter())
    assert await wait_for(lambda: len(webhook_receiver.received) >= 1, timeout=20)
    code, out, err = await cli(running, "endpoints", "--api", api, "--json", "replay",
                               created["id"], "--since", "2000-01-01T00:00:00Z")
    assert (0, 1) == (code, json.loads(out)["replayed"]), err
    assert await wait_for(lambda: len(webhook_receiver.received) >= 2, timeout=20)
    assert 1 == len({r.headers["webhook-id"] for r in webhook_receiver.received})

    code, out, err = await cli(running, "endpoints", "--api", api, "remove", created["id"])
    assert (0, f"removed {created['id']}") == (code, out.strip()), err
    code, _, err = await cli(running, "endpoints", "--api", api, "remove", created["id"])
    assert 1 == code
    assert "404" in err


async def test_every_admin_route_has_its_command(running: Runtime,
                                                 webhook_receiver: WebhookReceiver) -> None:
    """show, update, test, deliveries, rotate-secret and secret each do their route's work and
    say what they did."""
    api = f"http://127.0.0.1:{running.server.port}"

    async def ok(*argv: str) -> str:
        code, out, err = await cli(running, "endpoints", "--api", api, *argv)
        assert 0 == code, err
        return out

    added = await ok("add", webhook_receiver.url, "--description", "first")
    assert added.startswith("added ep_") and "signing secret: whsec_" in added
    endpoint_id = added.split()[1]
    assert f"{endpoint_id}  enabled  {webhook_receiver.url}  all events" in await ok("show", endpoint_id)
    updated = await ok("update", endpoint_id, "--ministry", "def", "--chamber", "tk", "--cites", "36124",
                       "--disable")
    assert f"updated {endpoint_id}  disabled" in updated and '"ministries": ["def"]' in updated
    assert '"cites": ["36124"]' in updated
    assert "answered 2" in await ok("test", endpoint_id)
    assert 1 == len(webhook_receiver.received)
    assert "no deliveries" == (await ok("deliveries", endpoint_id)).strip()
    rotated = await ok("rotate-secret", endpoint_id)
    assert "previous secret stays valid until" in rotated
    new_secret = rotated.split("signing secret: ")[1].split()[0]
    assert f"{endpoint_id} signing secret: {new_secret}" == (await ok("secret", endpoint_id)).strip()


async def test_subscribe_prints_matching_events(running: Runtime) -> None:
    """``subscribe --binding`` prints the events its binding matches, one JSON line each."""
    env = {**os.environ, "KAMERSTROOM_NAMESPACE": running.settings.namespace,
           "KAMERSTROOM_AMQP_URL": running.settings.amqp_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kamerstroom", "subscribe", "--binding", "kamerbrief.published.def",
        "--count", "1", "--timeout", "25", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None and proc.stdout is not None
    ready = await asyncio.wait_for(proc.stderr.readline(), timeout=20)
    assert ready.startswith(b"subscribed to ")
    await feed(running, letter())
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=25)
    assert 0 == await asyncio.wait_for(proc.wait(), timeout=10)
    event = json.loads(line)
    assert ("nl.kamerstroom.kamerbrief.published", "kst-36124-3") == (event["type"], event["subject"])
