"""The per-endpoint concurrency limit across publisher replicas.

Inside one process each endpoint's lane has a semaphore of ``concurrency`` permits. With
several publishers on one PostgreSQL database that alone would allow ``concurrency`` per
replica, so an attempt also holds one of the endpoint's ``concurrency`` slots in the
database: a session advisory lock ``(endpoint key, slot number)`` on a connection of the
replica's own. Taking one is ``pg_try_advisory_lock`` on each slot number in turn (never
a query that could take several at once) that this replica does not hold already (a
session may take its own advisory lock again, so the replica keeps count of its own);
giving it back is ``pg_advisory_unlock``. A
replica that dies loses its session and with it every slot it held, so a crash never
leaves an endpoint's slots taken.

When no slot is free the attempt is not made here: a first attempt goes to the queue, a
queued job comes back after the busy delay, exactly as when the local lane is full.
With SQLite there is one publisher, and its semaphore is the whole limit (``LocalSlots``).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import psycopg
import structlog

from shared.db import is_postgres
from shared.db.session import LockSession

log = structlog.get_logger(__name__)


class Slots(Protocol):
    """Which attempts may run for an endpoint, counted across every replica."""

    def take(self, endpoint_id: str) -> int | None:
        """A free slot of the endpoint (held until ``give_back``), or ``None`` if all are taken."""

    def give_back(self, endpoint_id: str, slot: int) -> None:
        """Free a slot taken with ``take``."""

    def close(self) -> None:
        """Free every slot (closing the lock session)."""


class LocalSlots:
    """One publisher: the lane's semaphore is the limit, every attempt gets slot 0."""

    def take(self, endpoint_id: str) -> int | None:
        return 0

    def give_back(self, endpoint_id: str, slot: int) -> None:
        return None

    def close(self) -> None:
        return None


def endpoint_key(endpoint_id: str) -> int:
    """A stable signed 32-bit key for the endpoint (advisory locks take two int4 keys)."""
    return int.from_bytes(hashlib.sha256(f"kamerstroom:webhook:{endpoint_id}".encode()).digest()[:4],
                          "big", signed=True)


class PostgresSlots:
    """Slots as session advisory locks on one connection of this replica."""

    def __init__(self, url: str, concurrency: int, *, connect_timeout: int = 5) -> None:
        self._concurrency = concurrency
        self._session = LockSession(url, name="kamerstroom-webhook-slots", connect_timeout=connect_timeout)
        self._held: dict[int, set[int]] = {}  # endpoint key -> slots this replica holds

    def take(self, endpoint_id: str) -> int | None:
        key = endpoint_key(endpoint_id)
        try:
            held = self._held.setdefault(key, set())
            for slot in range(self._concurrency):
                if slot in held:
                    continue
                row = self._session.execute("SELECT pg_try_advisory_lock(%s, %s)", (key, slot))
                if row and row[0]:
                    held.add(slot)
                    return slot
        except psycopg.Error as exc:
            # No database, no count across replicas: make no attempt now (the job waits).
            log.warning("webhook slots unavailable", error=(str(exc).strip() or type(exc).__name__))
            self._reset()
        return None

    def give_back(self, endpoint_id: str, slot: int) -> None:
        key = endpoint_key(endpoint_id)
        held = self._held.get(key, set())
        if slot not in held:
            return  # lost with an earlier session
        held.discard(slot)
        try:
            self._session.execute("SELECT pg_advisory_unlock(%s, %s)", (key, slot))
        except psycopg.Error:
            self._reset()  # the session is gone, and every slot it held with it

    def close(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._held.clear()  # the session's locks end with it
        self._session.close()


def open_slots(database: object, concurrency: int) -> Slots:
    """PostgreSQL's slots for a database URL, else the local ones."""
    if isinstance(database, str) and is_postgres(database):
        return PostgresSlots(database, concurrency)
    return LocalSlots()
