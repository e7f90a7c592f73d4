"""Time-bound webhook rules with the clock moved instead of waited for: the disable window, rotation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kamerstroom.receivers import WebhookReceiver, wait_for
from services.publisher.webhooks.delivery import Dispatcher, DispatchSettings
from services.publisher.webhooks.registry import ROTATION_OVERLAP, EndpointRegistry, delivery_id
from services.publisher.webhooks.schedule import RetryPolicy
from shared.messaging.memory import MemoryBroker
from tests.support.clock import MovableClock
from tests.unit.publisher.test_delivery import event

WINDOW = DispatchSettings(policy=RetryPolicy((0,))).disable_after
SECOND = timedelta(seconds=1)


class Bench:
    """A dispatcher and registry on one movable clock, on the in-memory broker; one attempt per
    delivery, so every failure ends its delivery at once and nothing waits in a retry queue."""

    def __init__(self, tmp_path: Path, receiver: WebhookReceiver) -> None:
        self.clock = MovableClock()
        self.broker = MemoryBroker()
        self.registry = EndpointRegistry(tmp_path / "db.sqlite3", clock=self.clock)
        self.dispatcher = Dispatcher(self.broker, self.registry, DispatchSettings(
            policy=RetryPolicy((0,)), allow_private=True), clock=self.clock)
        self.receiver = receiver
        self._count = 0

    async def __aenter__(self) -> Bench:
        await self.receiver.start()
        await self.broker.connect()
        await self.dispatcher.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.dispatcher.drain()
        await self.dispatcher.close()
        await self.broker.close()
        await self.receiver.stop()

    async def deliver(self, endpoint_id: str) -> str:
        """Announce a new event and return its delivery's status once the attempt has settled."""
        self._count += 1
        announced = event().model_copy(update={"id": f"event-{self._count}"})
        assert 1 == await self.dispatcher.fan_out(announced)
        did = delivery_id(endpoint_id, announced.id)

        def settled() -> bool:
            row = self.registry.delivery(did)
            return row is not None and row.status != "pending"

        assert await wait_for(settled, timeout=5)
        row = self.registry.delivery(did)
        assert row is not None
        return row.status


async def test_an_endpoint_failing_for_the_window_is_disabled_at_its_first_failure_after_it(
        tmp_path: Path) -> None:
    """Failures until a second before ``disable_after`` leave the endpoint on; the first failure
    at ``disable_after`` since the first one disables it."""
    async with Bench(tmp_path, WebhookReceiver(status=503)) as bench:
        endpoint = bench.registry.create(bench.receiver.url)
        began = bench.clock()
        assert "failed" == await bench.deliver(endpoint.id)
        bench.clock.advance(WINDOW - SECOND)
        assert "failed" == await bench.deliver(endpoint.id)
        before = bench.registry.get(endpoint.id)
        assert before is not None and not before.disabled and began == before.failing_since
        bench.clock.advance(SECOND)
        assert "failed" == await bench.deliver(endpoint.id)
    after = bench.registry.get(endpoint.id)
    assert after is not None and after.disabled
    assert f"no successful delivery since {began.isoformat()}" == after.disabled_reason
    assert 3 == len(bench.receiver.received)


async def test_a_success_restarts_the_window(tmp_path: Path) -> None:
    """An endpoint that succeeds in between is judged from its next failure, not its first."""
    async with Bench(tmp_path, WebhookReceiver(status=503)) as bench:
        endpoint = bench.registry.create(bench.receiver.url)
        assert "failed" == await bench.deliver(endpoint.id)
        bench.clock.advance(WINDOW - SECOND)
        bench.receiver.status = 204
        assert "succeeded" == await bench.deliver(endpoint.id)
        bench.receiver.status = 503
        assert "failed" == await bench.deliver(endpoint.id)
        bench.clock.advance(WINDOW - SECOND)
        assert "failed" == await bench.deliver(endpoint.id)
    after = bench.registry.get(endpoint.id)
    assert after is not None and not after.disabled


def test_the_rotation_overlap_ends_after_24_hours(tmp_path: Path) -> None:
    """After a rotation both secrets sign until ``ROTATION_OVERLAP`` has passed, then only the new one."""
    clock = MovableClock()
    registry = EndpointRegistry(tmp_path / "db.sqlite3", clock=clock)
    old = registry.create("https://hooks.example/in")
    rotated = registry.rotate_secret(old.id)
    assert rotated is not None and timedelta(hours=24) == ROTATION_OVERLAP
    assert clock() + ROTATION_OVERLAP == rotated.previous_secret_until
    assert [rotated.secret, old.secret] == rotated.signing_secrets(clock.advance(ROTATION_OVERLAP - SECOND))
    assert [rotated.secret] == rotated.signing_secrets(clock.advance(SECOND))


async def test_deliveries_are_signed_with_both_secrets_only_during_the_overlap(tmp_path: Path) -> None:
    """The dispatcher signs by its clock: two signatures a second before the overlap ends, one at its end."""
    async with Bench(tmp_path, WebhookReceiver()) as bench:
        endpoint = bench.registry.create(bench.receiver.url)
        bench.registry.rotate_secret(endpoint.id)
        times = [bench.clock.advance(ROTATION_OVERLAP - SECOND)]
        assert "succeeded" == await bench.deliver(endpoint.id)
        times.append(bench.clock.advance(SECOND))
        assert "succeeded" == await bench.deliver(endpoint.id)
    headers = [r.headers for r in bench.receiver.received]
    assert [2, 1] == [len(h["webhook-signature"].split(" ")) for h in headers]
    assert [str(int(t.timestamp())) for t in times] == [h["webhook-timestamp"] for h in headers]
