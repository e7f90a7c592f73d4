"""From the first SIGTERM no webhook attempt starts; what was not sent is sent by the next process."""

from __future__ import annotations

import asyncio

import aiohttp

from kamerstroom.receivers import wait_for
from kamerstroom.runtime import Runtime
from services.publisher.webhooks.schedule import RetryPolicy
from shared.config import Settings
from shared.messaging import OutgoingMessage, Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology
from tests.integration.publisher.conftest import ADMIN_TOKEN, SCHEDULE, ScriptedReceiver
from tests.unit.publisher.letters import document, other_letter

LETTERS = 50


class SlowToStop:
    """A service that takes a second to stop, as a fetcher finishing its poll does in
    ``kamerstroom run`` (stopped before the publisher): the window where work used to start."""

    name = "slow-to-stop"

    async def start(self) -> None:
        return None

    def begin_shutdown(self) -> None:
        return None

    async def stop(self) -> None:
        await asyncio.sleep(1.0)

    def checks(self) -> dict[str, object]:
        return {}


async def _start(settings: Settings) -> Runtime:
    runtime = Runtime.create(settings, ("publisher",))
    await runtime.start()
    return runtime


async def _feed(settings: Settings, count: int) -> None:
    feeder = RabbitMQBroker(settings.amqp_url, Topology(settings.namespace))
    await feeder.connect()
    try:
        for n in range(count):
            await feeder.publish(feeder.topology.normalised, OutgoingMessage(
                body=document(other_letter(str(500 + n))).model_dump_json().encode(),
                routing_key="test"))
    finally:
        await feeder.close()


async def _add_endpoint(runtime: Runtime, url: str) -> None:
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{runtime.server.port}/v1/endpoints", json={"url": url},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as response:
        assert 201 == response.status, await response.text()


async def test_no_attempt_starts_after_the_signal_and_none_is_lost(
        publisher_settings: Settings, receivers) -> None:
    """A slow receiver holds four requests while 46 deliveries wait; the shutdown starts no
    new POST (counted at the receiver), and the next process delivers every one of the 50."""
    settings = publisher_settings.model_copy(update={
        "webhook_timeout": 15.0, "webhook_urls": [], "webhook_allow_private": True,
        "shutdown_timeout": 10.0})
    gate = asyncio.Event()
    slow: ScriptedReceiver = await receivers(gate=gate)
    runtime = await _start(settings)
    runtime.services.append(SlowToStop())  # type: ignore[arg-type]  # stopped first
    try:
        await _add_endpoint(runtime, slow.url)
        await _feed(settings, LETTERS)
        held = await wait_for(lambda: slow.in_flight >= 4, timeout=20)
        await asyncio.sleep(0.5)  # the publisher has taken on more letters meanwhile
        stopping = asyncio.create_task(runtime.stop())  # what SIGTERM runs
        await asyncio.sleep(0.2)
        started_before_signal = len(slow.requests)
        gate.set()  # the four in flight may finish now, freeing their slots
        await stopping
    finally:
        gate.set()
    after_signal = len(slow.requests) - started_before_signal

    second = await _start(settings)
    try:
        everything = await wait_for(lambda: len(set(slow.ids())) >= LETTERS, timeout=40)
    finally:
        await second.stop()
        ladder = RetryPolicy(tuple(SCHEDULE)).ladder
        await delete_topology(settings.amqp_url, Topology(settings.namespace, retry_delays=ladder))
    assert held
    assert 4 == started_before_signal
    assert 0 == after_signal
    assert everything, f"{len(set(slow.ids()))} of {LETTERS} delivered"
