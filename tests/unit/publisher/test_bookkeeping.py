"""Batched delivery bookkeeping: direct rows, group-committed successes, background checkpoints."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from services.publisher.checkpoint import Checkpointer
from services.publisher.webhooks.models import Attempt
from services.publisher.webhooks.outcomes import SuccessLog
from services.publisher.webhooks.registry import EndpointRegistry, delivery_id
from shared.db import Target
from tests.support.state import state_target
from tests.unit.publisher.test_delivery import event

__all__ = ["state_target"]  # the fixture, imported to run the backend-neutral tests on both


def test_direct_rows_are_unqueued_until_marked(state_target: Target) -> None:
    """New rows are returned once, listed as unqueued, and leave that list when marked queued."""
    registry = EndpointRegistry(state_target)
    a, b = registry.create("https://a.example/"), registry.create("https://b.example/")
    announced = event()
    rows = registry.add_direct_deliveries([a.id, b.id], announced)
    again = registry.add_direct_deliveries([a.id, b.id], announced)
    unqueued = {r.id for r in registry.unqueued()}
    registry.mark_queued([rows[0].id])
    assert (2, [], {r.id for r in rows}) == (len(rows), again, unqueued)
    assert [rows[1].id] == [r.id for r in registry.unqueued()]
    assert announced.model_dump_json() == registry.unqueued()[0].event_json
    registry.close()


def test_event_body_is_stored_once_for_all_deliveries(tmp_path: Path) -> None:
    """Ten deliveries of one event keep one copy of its JSON."""
    registry = EndpointRegistry(tmp_path / "db.sqlite3")
    ids = [registry.create(f"https://e{n}.example/").id for n in range(10)]
    registry.add_direct_deliveries(ids, event())
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    copies = db.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0]
    empty = db.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE event_json = ''").fetchone()[0]
    db.close()
    assert (1, 10) == (copies, empty)


async def test_success_log_commits_each_batch_before_returning(state_target: Target) -> None:
    """Once ``record`` returns, the delivery is succeeded and its attempt is logged."""
    registry = EndpointRegistry(state_target)
    endpoint = registry.create("https://a.example/")
    row = registry.add_direct_deliveries([endpoint.id], event())[0]
    attempt = Attempt(1, datetime.now(UTC), 204, 3.0, "", None)
    await SuccessLog(registry, delay=0.01).record(row.id, attempt, endpoint.id)
    stored = registry.delivery(row.id)
    after = registry.get(endpoint.id)
    assert stored is not None and after is not None
    assert ("succeeded", 1, [204]) == (stored.status, stored.attempts,
                                       [a.status_code for a in registry.attempts(row.id)])
    assert after.last_success_at is not None
    registry.close()


async def test_checkpointer_copies_the_wal_into_the_database(tmp_path: Path) -> None:
    """With automatic checkpoints off, stopping the checkpointer leaves the rows in the main file."""
    path = tmp_path / "db.sqlite3"
    registry = EndpointRegistry(path)
    registry.checkpoint_elsewhere()
    checkpointer = Checkpointer(path, interval=60)
    await checkpointer.start()
    for n in range(50):
        registry.create(f"https://e{n}.example/")
    size_before = path.stat().st_size
    await checkpointer.stop()
    registry.close()
    assert size_before < path.stat().st_size


def test_rows_older_than_the_event_table_are_left_alone(tmp_path: Path) -> None:
    """A row written before events were stored apart (its own ``event_json``, no event row)
    is neither duplicated nor returned as new when that event is announced again."""
    registry = EndpointRegistry(tmp_path / "db.sqlite3")
    a, b = registry.create("https://a.example/"), registry.create("https://b.example/")
    announced = event()
    older = delivery_id(a.id, announced.id)
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    db.execute("INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, event_json, status,"
               " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', '2025-01-01', '2025-01-01')",
               (older, a.id, announced.id, announced.type, announced.model_dump_json()))
    db.commit()
    db.close()
    rows = registry.add_direct_deliveries([a.id, b.id], announced)
    assert [delivery_id(b.id, announced.id)] == [r.id for r in rows]
    assert {older, rows[0].id} == {r.id for r in registry.deliveries(a.id) + registry.deliveries(b.id)}
