"""Webhook endpoints, deliveries and attempts in the state database (SQLite or PostgreSQL).

The values themselves are in ``models``; the time of every write comes from the ``clock``.

A delivery is one event for one endpoint: ``pending`` until an attempt succeeds
(``succeeded``) or the retry schedule is used up or the endpoint is gone (``failed``).
Every attempt is kept with its status, latency and the first 4 KiB of the answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from services.publisher.webhooks.filters import EndpointFilter
from services.publisher.webhooks.models import Attempt, DeliveryRow, DeliveryStatus, Endpoint
from services.publisher.webhooks.models import iso as _iso
from services.publisher.webhooks.models import parse_iso as _parse
from services.publisher.webhooks.signing import new_secret
from shared.clock import Clock, system_clock
from shared.db import Target, open_database
from shared.ids import uuid5_text
from shared.schema import CloudEvent

RESPONSE_EXCERPT_BYTES = 4096
# A first attempt not queued this long after its row was written was left by a replica
# that died (an attempt lasts at most the webhook timeout, 15 s by default); the default
# of KAMERSTROOM_WEBHOOK_ORPHAN_AFTER. A claimed row is left to its claimer as long.
DELIVERY_CLAIM = timedelta(seconds=60)
# The old secret keeps signing alongside the new one this long after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
_DELIVERY_NAMESPACE = uuid.UUID("0b8e5a61-3c2f-5d7e-9a14-6e2f8c0d4b17")



def delivery_id(endpoint_id: str, event_id: str) -> str:
    """Stable per (endpoint, event): announcing an event twice makes one delivery."""
    return uuid5_text(_DELIVERY_NAMESPACE, f"{endpoint_id}:{event_id}")


# Ids per "IN (...)" query: well under SQLite's limit on bound parameters.
_IN_BATCH = 500
_DIRECT_ROW = ("webhook_deliveries (id, endpoint_id, event_id, event_type, event_json, status, created_at,"
               " updated_at, queued) VALUES (?, ?, ?, ?, '', 'pending', ?, ?, 0)")
_INSERT_DIRECT = "INSERT INTO " + _DIRECT_ROW
_INSERT_DIRECT_UNLESS_THERE = "INSERT INTO " + _DIRECT_ROW + " ON CONFLICT DO NOTHING"


class EndpointRegistry:
    """CRUD for endpoints; bookkeeping for deliveries and attempts."""

    def __init__(self, target: Target, *, clock: Clock = system_clock) -> None:
        self._clock = clock  # every time stored comes from it
        # A row lost to a power cut at worst re-sends a delivery (same webhook-id).
        self._db = open_database(target)
        # The enabled endpoints for fan-out, and the endpoints_version they were read at:
        # a change through any replica bumps the version (see ``_changed``).
        self._enabled: list[Endpoint] | None = None
        self._enabled_version = -1
        # Attempts in the order they were logged: SQLite's rowid, PostgreSQL's identity column.
        self._attempt_order = "rowid" if self._db.dialect == "sqlite" else "seq"

    def _transaction(self) -> AbstractContextManager[None]:
        return self._db.transaction()

    def close(self) -> None:
        self._db.close()

    def checkpoint_elsewhere(self) -> None:
        """SQLite: leave WAL checkpoints to a ``Checkpointer`` (off the event loop)."""
        if self._db.dialect == "sqlite":
            self._db.execute("PRAGMA wal_autocheckpoint=0")

    # -- endpoints ------------------------------------------------------------------------

    def create(self, url: str, description: str = "", filter: EndpointFilter | None = None,
               *, endpoint_id: str | None = None) -> Endpoint:
        """Register an endpoint with a fresh secret."""
        eid = endpoint_id or f"ep_{uuid.uuid4().hex}"
        self._db.execute(
            # An id given (a static endpoint) may be registered by another replica at the
            # same moment: the first insert wins, this one returns it.
            "INSERT INTO webhook_endpoints (id, url, description, filter_json, secret, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (eid, url, description, (filter or EndpointFilter()).model_dump_json(), new_secret(),
             _iso(self._clock())))
        endpoint = self.get(eid)
        assert endpoint is not None
        cached, version = self._enabled, self._changed()
        if cached is not None and version == self._enabled_version + 1:
            # Only this change since the cache was read: the newest endpoint comes last.
            self._enabled, self._enabled_version = [*cached, endpoint], version
        return endpoint

    def get(self, endpoint_id: str) -> Endpoint | None:
        row = self._db.execute(f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?",
                               (endpoint_id,)).fetchone()
        return _endpoint(row) if row else None

    def enabled(self) -> list[Endpoint]:
        """The enabled endpoints, cached until an endpoint is created, changed or removed
        (through this replica or any other: one small read per call checks)."""
        version = self._version()
        if self._enabled is None or version != self._enabled_version:
            self._enabled, self._enabled_version = [e for e in self.all() if not e.disabled], version
        return self._enabled

    def _version(self) -> int:
        row = self._db.execute("SELECT value FROM webhook_meta WHERE name = 'endpoints_version'").fetchone()
        return int(row[0])

    def _changed(self) -> int:
        """An endpoint changed: drop this replica's cache, tell the others; the new version."""
        self._enabled = None
        row = self._db.execute("UPDATE webhook_meta SET value = value + 1 "
                               "WHERE name = 'endpoints_version' RETURNING value").fetchone()
        return int(row[0])

    def all(self) -> list[Endpoint]:
        rows = self._db.execute(f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at")
        return [_endpoint(r) for r in rows.fetchall()]

    def update(self, endpoint_id: str, *, url: str | None = None, description: str | None = None,
               filter: EndpointFilter | None = None, disabled: bool | None = None) -> Endpoint | None:
        """Change the given fields; re-enabling clears the failure record."""
        if url is not None:
            self._set(endpoint_id, "url", url)
        if description is not None:
            self._set(endpoint_id, "description", description)
        if filter is not None:
            self._set(endpoint_id, "filter_json", filter.model_dump_json())
        if disabled is not None:
            self._db.execute("UPDATE webhook_endpoints SET disabled = ?, disabled_reason = ?, "
                             "failing_since = NULL WHERE id = ?",
                             (int(disabled), "disabled by an administrator" if disabled else None,
                              endpoint_id))
        self._changed()  # after the writes: a replica that reloads at once sees them
        return self.get(endpoint_id)

    def _set(self, endpoint_id: str, column: str, value: str) -> None:
        self._db.execute(f"UPDATE webhook_endpoints SET {column} = ? WHERE id = ?", (value, endpoint_id))

    def delete(self, endpoint_id: str) -> bool:
        cursor = self._db.execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint_id,))
        self._changed()
        return cursor.rowcount > 0

    def rotate_secret(self, endpoint_id: str) -> Endpoint | None:
        """A new secret; the old one keeps signing for ``ROTATION_OVERLAP``."""
        until = _iso(self._clock() + ROTATION_OVERLAP)
        self._db.execute("UPDATE webhook_endpoints SET previous_secret = secret, secret = ?, "
                         "previous_secret_until = ? WHERE id = ?", (new_secret(), until, endpoint_id))
        self._changed()
        return self.get(endpoint_id)

    def disable(self, endpoint_id: str, reason: str) -> None:
        self._db.execute("UPDATE webhook_endpoints SET disabled = 1, disabled_reason = ? WHERE id = ?",
                         (reason, endpoint_id))
        self._changed()

    def record_success(self, endpoint_id: str) -> None:
        self._db.execute("UPDATE webhook_endpoints SET last_success_at = ?, failing_since = NULL "
                         "WHERE id = ?", (_iso(self._clock()), endpoint_id))

    def record_failure(self, endpoint_id: str) -> datetime:
        """Note a failed attempt; returns since when the endpoint has failed without success."""
        self._db.execute("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?) "
                         "WHERE id = ?", (_iso(self._clock()), endpoint_id))
        endpoint = self.get(endpoint_id)
        return endpoint.failing_since if endpoint and endpoint.failing_since else self._clock()

    # -- deliveries -----------------------------------------------------------------------

    def add_delivery(self, endpoint_id: str, event: CloudEvent) -> DeliveryRow | None:
        """A pending delivery of ``event``; ``None`` if this event was delivered (or given up) before."""
        did, now = delivery_id(endpoint_id, event.id), _iso(self._clock())
        with self._transaction():
            self._store_event(event.id, event.model_dump_json())
            self._db.execute(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, event_json,"
                " status, created_at, updated_at) VALUES (?, ?, ?, ?, '', 'pending', ?, ?)"
                " ON CONFLICT DO NOTHING",
                (did, endpoint_id, event.id, event.type, now, now))
        row = self.delivery(did)
        return row if row is not None and row.status == "pending" else None

    def add_direct_deliveries(self, endpoint_ids: list[str], event: CloudEvent,
                              event_json: str | None = None) -> list[DeliveryRow]:
        """New pending deliveries of ``event``, in one transaction, marked as not queued.

        Only rows this call created are returned: an existing row (an event announced again
        after a crash) already has a job in the queue or is sent again by ``unqueued()``.
        """
        stamp, event_json = self._clock(), event_json or event.model_dump_json()
        now = stamp.astimezone(UTC).isoformat()
        wanted = {delivery_id(endpoint_id, event.id): endpoint_id for endpoint_id in endpoint_ids}
        with self._transaction():
            # One prepared insert for all endpoints: row by row, a fan-out to a thousand
            # endpoints spent 10 ms here before its first attempt could start.
            if self._store_event(event.id, event_json):
                new = self._insert_for_new_event(wanted, event, now)
            else:  # announced before (a crash in between): some rows may exist
                existing = self._existing(list(wanted))
                new = [did for did in wanted if did not in existing]
                self._db.executemany(_INSERT_DIRECT, [(did, wanted[did], event.id, event.type, now, now)
                                                      for did in new])
        return [DeliveryRow(did, wanted[did], event.id, event.type, event_json, "pending", 0, stamp, stamp)
                for did in new]

    def _insert_for_new_event(self, wanted: dict[str, str], event: CloudEvent, now: str) -> list[str]:
        """Insert a row per wanted delivery of an event stored just now; the ids inserted.

        A new event has no rows, so no lookup is needed first, with one exception: rows
        written before ``webhook_events`` existed carry their own event (``event_json``
        not empty) and no event row. ``ON CONFLICT DO NOTHING`` keeps those, and only then are they
        looked up, to leave them out.
        """
        inserted = self._db.executemany(_INSERT_DIRECT_UNLESS_THERE,
                                        [(did, endpoint, event.id, event.type, now, now)
                                         for did, endpoint in wanted.items()])
        if inserted == len(wanted):
            return list(wanted)
        older = self._existing(list(wanted), older_only=True)
        return [did for did in wanted if did not in older]

    def _existing(self, ids: list[str], *, older_only: bool = False) -> set[str]:
        """Which of these delivery ids have a row already (``older_only``: one carrying its own event)."""
        found: set[str] = set()
        condition = " AND event_json != ''" if older_only else ""
        for start in range(0, len(ids), _IN_BATCH):
            batch = ids[start:start + _IN_BATCH]
            marks = ", ".join("?" * len(batch))
            found.update(r[0] for r in self._db.execute(
                f"SELECT id FROM webhook_deliveries WHERE id IN ({marks}){condition}", batch))
        return found

    def _store_event(self, event_id: str, event_json: str) -> bool:
        """The event's body, once for all its deliveries (rows keep ``event_json`` empty).

        True if the event was not stored before.
        """
        return 1 == self._db.execute("INSERT INTO webhook_events (event_id, event_json) VALUES (?, ?) "
                                     "ON CONFLICT DO NOTHING", (event_id, event_json)).rowcount

    @property
    def shared(self) -> bool:
        """True when other publisher replicas may use this database (PostgreSQL)."""
        return self._db.dialect == "postgresql"

    def unqueued(self) -> list[DeliveryRow]:
        """Pending deliveries that no job in the broker stands for (their process stopped first)."""
        rows = self._db.execute(f"{_DELIVERY_SELECT} WHERE d.status = 'pending' AND d.queued = 0").fetchall()
        return [_delivery(r) for r in rows]

    def claim_unqueued(self, *, orphans_only: bool,
                       orphan_after: timedelta = DELIVERY_CLAIM) -> list[DeliveryRow]:
        """Claim unqueued pending deliveries for this replica to queue, for ``orphan_after``.

        ``orphans_only`` (replicas share the database): only rows older than
        ``orphan_after`` and not claimed by another replica's sweep meanwhile; else (one
        publisher, at start) every such row. Atomic: two replicas never claim the same row.
        """
        now = self._clock()
        sql = "UPDATE webhook_deliveries SET claimed_until = ? WHERE status = 'pending' AND queued = 0"
        args: list[str | None] = [_iso(now + orphan_after)]
        if orphans_only:
            sql += " AND created_at < ? AND (claimed_until IS NULL OR claimed_until < ?)"
            args += [_iso(now - orphan_after), _iso(now)]
        ids = [str(r[0]) for r in self._db.execute(sql + " RETURNING id", args).fetchall()]
        rows: list[DeliveryRow] = []
        for start in range(0, len(ids), _IN_BATCH):
            batch = ids[start:start + _IN_BATCH]
            marks = ", ".join("?" * len(batch))
            rows.extend(_delivery(r) for r in self._db.execute(
                f"{_DELIVERY_SELECT} WHERE d.id IN ({marks})", batch).fetchall())
        return sorted(rows, key=lambda r: (r.created_at, r.id))

    def mark_queued(self, ids: Iterable[str]) -> None:
        """A job for each of these deliveries is on the broker (confirmed)."""
        with self._transaction():
            self._db.executemany("UPDATE webhook_deliveries SET queued = 1 WHERE id = ?",
                                 [(did,) for did in ids])

    def record_successes(self, done: list[tuple[str, Attempt, str]]) -> None:
        """Log successful attempts ``(delivery id, attempt, endpoint id)`` in one transaction."""
        now = _iso(self._clock())
        with self._transaction():
            self._db.executemany(
                "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms,"
                " response, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(did, a.attempt, _iso(a.at), a.status_code, a.latency_ms,
                  a.response[:RESPONSE_EXCERPT_BYTES], a.error) for did, a, _ in done])
            self._db.executemany(
                "UPDATE webhook_deliveries SET status = 'succeeded', attempts = ?, updated_at = ? "
                "WHERE id = ?", [(a.attempt, now, did) for did, a, _ in done])
            self._db.executemany(
                "UPDATE webhook_endpoints SET last_success_at = ?, failing_since = NULL WHERE id = ?",
                [(now, eid) for eid in {eid for _, _, eid in done}])

    def delivery(self, did: str) -> DeliveryRow | None:
        row = self._db.execute(f"{_DELIVERY_SELECT} WHERE d.id = ?", (did,)).fetchone()
        return _delivery(row) if row else None

    def deliveries(self, endpoint_id: str, *, status: str | None = None, since: datetime | None = None,
                   until: datetime | None = None, limit: int = 100) -> list[DeliveryRow]:
        """An endpoint's deliveries, newest first, optionally by status and creation time."""
        sql = f"{_DELIVERY_SELECT} WHERE d.endpoint_id = ?"
        args: list[Any] = [endpoint_id]
        if status:
            sql, args = sql + " AND d.status = ?", [*args, status]
        if since:
            sql, args = sql + " AND d.created_at >= ?", [*args, _iso(since)]
        if until:
            sql, args = sql + " AND d.created_at < ?", [*args, _iso(until)]
        rows = self._db.execute(sql + " ORDER BY d.created_at DESC LIMIT ?", (*args, limit)).fetchall()
        return [_delivery(r) for r in rows]

    def attempts(self, did: str) -> list[Attempt]:
        rows = self._db.execute("SELECT attempt, at, status_code, latency_ms, response, error FROM "
                                f"webhook_attempts WHERE delivery_id = ? ORDER BY {self._attempt_order}",
                                (did,))
        return [Attempt(int(r[0]), datetime.fromisoformat(r[1]), r[2], float(r[3]), r[4], r[5])
                for r in rows.fetchall()]

    def record_attempt(self, did: str, attempt: Attempt, status: DeliveryStatus) -> None:
        """Log an attempt and set the delivery's status and attempt count."""
        self._db.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms,"
            " response, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (did, attempt.attempt, _iso(attempt.at), attempt.status_code, attempt.latency_ms,
             attempt.response[:RESPONSE_EXCERPT_BYTES], attempt.error))
        self._db.execute("UPDATE webhook_deliveries SET status = ?, attempts = ?, updated_at = ? "
                         "WHERE id = ?", (status, attempt.attempt, _iso(self._clock()), did))

    def set_status(self, did: str, status: DeliveryStatus) -> None:
        self._db.execute("UPDATE webhook_deliveries SET status = ?, updated_at = ? WHERE id = ?",
                         (status, _iso(self._clock()), did))

    def reset_for_replay(self, did: str) -> DeliveryRow | None:
        """Make a delivery pending again from attempt 1 (the log of earlier attempts is kept)."""
        self._db.execute("UPDATE webhook_deliveries SET status = 'pending', attempts = 0, updated_at = ?"
                         " WHERE id = ?", (_iso(self._clock()), did))
        return self.delivery(did)


_ENDPOINT_COLUMNS = ("id, url, description, filter_json, secret, previous_secret, previous_secret_until,"
                     " disabled, disabled_reason, created_at, last_success_at, failing_since")
# Rows written before webhook_events existed carry their event in event_json.
_DELIVERY_SELECT = ("SELECT d.id, d.endpoint_id, d.event_id, d.event_type,"
                    " CASE WHEN d.event_json = '' THEN e.event_json ELSE d.event_json END,"
                    " d.status, d.attempts, d.created_at, d.updated_at FROM webhook_deliveries d"
                    " LEFT JOIN webhook_events e ON e.event_id = d.event_id")


def _endpoint(row: tuple[Any, ...]) -> Endpoint:
    created = _parse(row[9])
    assert created is not None
    return Endpoint(id=row[0], url=row[1], description=row[2],
                    filter=EndpointFilter.model_validate_json(row[3]), secret=row[4],
                    previous_secret=row[5], previous_secret_until=_parse(row[6]), disabled=bool(row[7]),
                    disabled_reason=row[8], created_at=created, last_success_at=_parse(row[10]),
                    failing_since=_parse(row[11]))


def _delivery(row: tuple[Any, ...]) -> DeliveryRow:
    return DeliveryRow(id=row[0], endpoint_id=row[1], event_id=row[2], event_type=row[3],
                       event_json=row[4], status=row[5], attempts=int(row[6]),
                       created_at=datetime.fromisoformat(row[7]), updated_at=datetime.fromisoformat(row[8]))
