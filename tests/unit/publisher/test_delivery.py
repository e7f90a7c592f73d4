"""Delivery bookkeeping on the in-memory broker: disabling failing endpoints, capped payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from kamerstroom.receivers import WebhookReceiver, wait_for
from services.publisher.webhooks.delivery import (
    MAX_PAYLOAD_BYTES,
    TRUNCATED_WARNING,
    Dispatcher,
    DispatchSettings,
    payload,
)
from services.publisher.webhooks.filters import EndpointFilter
from services.publisher.webhooks.registry import EndpointRegistry, delivery_id
from services.publisher.webhooks.schedule import RetryPolicy
from shared.messaging.memory import MemoryBroker
from shared.schema import CloudEvent, EventKind
from tests.unit.publisher.letters import kst


def event(**changes: object) -> CloudEvent:
    record = kst(**changes)
    return CloudEvent(id="event-1", source="s", type=EventKind.PUBLISHED.event_type,
                      subject=record.id, time=datetime.now(UTC), data=record)


async def test_endpoint_failing_past_the_window_is_disabled(tmp_path: Path) -> None:
    """An endpoint with no success within ``disable_after`` is disabled at its next failure."""
    receiver = WebhookReceiver(status=503)
    await receiver.start()
    broker, registry = MemoryBroker(), EndpointRegistry(tmp_path / "db.sqlite3")
    await broker.connect()
    dispatcher = Dispatcher(broker, registry, DispatchSettings(
        policy=RetryPolicy((0, 0.05, 0.05)), allow_private=True, disable_after=timedelta(0)))
    await dispatcher.start()
    try:
        endpoint = registry.create(receiver.url)
        assert 1 == await dispatcher.fan_out(event())
        assert await wait_for(lambda: registry.deliveries(endpoint.id)[0].status == "failed", timeout=5)
    finally:
        await broker.close()
        await dispatcher.close()
        await receiver.stop()
    after = registry.get(endpoint.id)
    assert after is not None and after.disabled
    assert "no successful delivery since" in (after.disabled_reason or "")
    assert 1 == len(receiver.received)


async def test_fan_out_skips_filtered_and_disabled_endpoints(tmp_path: Path) -> None:
    """Only enabled endpoints whose filter matches get a delivery; announcing twice makes no second."""
    broker, registry = MemoryBroker(), EndpointRegistry(tmp_path / "db.sqlite3")
    await broker.connect()
    dispatcher = Dispatcher(broker, registry, DispatchSettings(policy=RetryPolicy((0,))))
    wanted = registry.create("https://a.example/")
    registry.create("https://b.example/", filter=EndpointFilter(ministries=["bzk"]))
    off = registry.create("https://c.example/")
    registry.disable(off.id, "test")
    assert 1 == await dispatcher.fan_out(event())
    await dispatcher.fan_out(event())  # after a crash: the pending delivery is queued again
    assert [(wanted.id, 1)] == [(e.id, len(registry.deliveries(e.id))) for e in registry.all()
                                if registry.deliveries(e.id)]


def test_payload_over_the_cap_drops_the_full_text() -> None:
    """A huge letter goes out without body text, sections and footnotes, and says so."""
    big = event(body_text="x" * (MAX_PAYLOAD_BYTES + 10)).model_dump_json()
    sent = json.loads(payload(big))
    assert len(payload(big)) < MAX_PAYLOAD_BYTES
    assert sent["data"]["body_text"] is None
    assert TRUNCATED_WARNING in sent["data"]["warnings"]
    assert "event-1" == sent["id"]


def test_payload_under_the_cap_is_unchanged() -> None:
    """A normal event is sent byte for byte as stored."""
    small = event().model_dump_json()
    assert small.encode() == payload(small)


async def started(tmp_path: Path, schedule: tuple[float, ...] = (0,), *, allow_private: bool = True
                  ) -> tuple[MemoryBroker, EndpointRegistry, Dispatcher]:
    """A started dispatcher on the in-memory broker (private addresses allowed unless said)."""
    broker, registry = MemoryBroker(), EndpointRegistry(tmp_path / "db.sqlite3")
    await broker.connect()
    config = DispatchSettings(policy=RetryPolicy(schedule), allow_private=allow_private)
    dispatcher = Dispatcher(broker, registry, config)
    await dispatcher.start()
    return broker, registry, dispatcher


async def stopped(dispatcher: Dispatcher, broker: MemoryBroker, receiver: WebhookReceiver) -> None:
    """Let attempts in flight finish, then close the dispatcher, the broker and the receiver."""
    await dispatcher.drain()
    await dispatcher.close()
    await broker.close()
    await receiver.stop()


def jobs(broker: MemoryBroker) -> list[str]:
    """Message ids (``<delivery id>:<attempt>``) of the delivery jobs published so far."""
    return [m.message_id or "" for ex, m in broker.published if ex == broker.topology.webhooks]


async def test_first_attempt_needs_no_queued_job(tmp_path: Path) -> None:
    """A delivery to a healthy endpoint is made and recorded without a job on the broker."""
    receiver = WebhookReceiver()
    await receiver.start()
    broker, registry, dispatcher = await started(tmp_path)
    try:
        endpoint = registry.create(receiver.url)
        assert 1 == await dispatcher.fan_out(event())
        assert await wait_for(lambda: registry.deliveries(endpoint.id)[0].status == "succeeded", timeout=5)
    finally:
        await stopped(dispatcher, broker, receiver)
    assert ([], 1, ["event-1"]) == (jobs(broker), len(receiver.received),
                                    [r.headers["webhook-id"] for r in receiver.received])


async def test_first_attempts_left_unsent_are_queued_at_start(tmp_path: Path) -> None:
    """Rows written by a process that stopped before their first attempt go out after the next start."""
    receiver = WebhookReceiver()
    await receiver.start()
    registry = EndpointRegistry(tmp_path / "db.sqlite3")
    endpoint = registry.create(receiver.url)
    registry.add_direct_deliveries([endpoint.id], event())  # then the process died
    registry.close()
    broker, registry, dispatcher = await started(tmp_path)
    try:
        assert await wait_for(lambda: registry.deliveries(endpoint.id)[0].status == "succeeded", timeout=5)
    finally:
        await stopped(dispatcher, broker, receiver)
    assert ([], 1) == (registry.unqueued(), len(receiver.received))


async def test_failing_endpoint_gets_new_deliveries_through_the_queue(tmp_path: Path) -> None:
    """After a failed attempt, the endpoint's next delivery is a queued job, not a direct attempt."""
    receiver = WebhookReceiver(status=503)
    await receiver.start()
    broker, registry, dispatcher = await started(tmp_path, (0, 30))
    try:
        endpoint = registry.create(receiver.url)
        await dispatcher.fan_out(event())
        assert await wait_for(lambda: registry.deliveries(endpoint.id)[0].attempts == 1, timeout=5)
        second = event().model_copy(update={"id": "event-2"})
        await dispatcher.fan_out(second)
    finally:
        await stopped(dispatcher, broker, receiver)
    assert f"{delivery_id(endpoint.id, 'event-2')}:1" in jobs(broker)
    assert [] == registry.unqueued()


async def test_full_and_capped_payloads_are_signed_as_sent(tmp_path: Path) -> None:
    """The signature of a normal and of an over-the-cap event verifies on the bytes received."""
    receiver = WebhookReceiver()
    await receiver.start()
    broker, registry, dispatcher = await started(tmp_path)
    try:
        endpoint = registry.create(receiver.url)
        big = event(body_text="x" * (MAX_PAYLOAD_BYTES + 10)).model_copy(update={"id": "event-2"})
        for sent in (event(), big):
            assert 1 == await dispatcher.fan_out(sent, sent.model_dump_json())
        assert await wait_for(lambda: len(receiver.received) == 2, timeout=5)
    finally:
        await stopped(dispatcher, broker, receiver)
    by_id = {r.headers["webhook-id"]: r for r in receiver.received}
    for received in by_id.values():
        Webhook(endpoint.secret).verify(received.raw, received.headers)
    assert by_id["event-1"].body["data"]["body_text"] is not None
    assert by_id["event-2"].body["data"]["body_text"] is None


def test_enabled_endpoints_include_one_created_after_they_were_read(tmp_path: Path) -> None:
    """The cached list of enabled endpoints gains a new endpoint, in creation order."""
    registry = EndpointRegistry(tmp_path / "db.sqlite3")
    first = registry.create("https://a.example/")
    assert [first.id] == [e.id for e in registry.enabled()]
    second = registry.create("https://b.example/")
    assert [first.id, second.id] == [e.id for e in registry.enabled()]
    assert [e.id for e in registry.all()] == [e.id for e in registry.enabled()]


async def test_internal_targets_are_refused_at_delivery_without_a_retry(tmp_path: Path) -> None:
    """With private targets off, a name that resolves to loopback and a loopback address
    written in the URL are refused when the delivery is made (say, after DNS changed
    since registration): failed at once, not retried, and nothing reaches the receiver."""
    receiver = WebhookReceiver()
    await receiver.start()
    port = receiver.url.split(":")[2].split("/")[0]
    broker, registry, dispatcher = await started(tmp_path, (0, 0.05), allow_private=False)
    try:
        # Registered straight in the store: the admin API would refuse both.
        by_name = registry.create(f"https://localhost:{port}/hook")
        by_address = registry.create(f"https://127.0.0.1:{port}/hook")
        assert 2 == await dispatcher.fan_out(event())

        def settled() -> bool:
            return all(registry.deliveries(e.id)[0].status == "failed" for e in (by_name, by_address))

        assert await wait_for(settled, timeout=5)
    finally:
        await stopped(dispatcher, broker, receiver)
    for endpoint in (by_name, by_address):
        row = registry.deliveries(endpoint.id)[0]
        attempts = registry.attempts(row.id)
        assert [1] == [a.attempt for a in attempts]
        assert (attempts[0].error or "").startswith("refused: "), attempts[0].error
        assert "loopback" in (attempts[0].error or "")
    assert [] == receiver.received
    assert [] == jobs(broker)
