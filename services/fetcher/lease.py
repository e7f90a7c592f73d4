"""Which fetcher replica polls: a lease held as a PostgreSQL session advisory lock.

Any number of fetchers may run for the same sources on one PostgreSQL database. Before
each poll a fetcher makes sure it holds the lease (``ensure``): the active one checks that
its lock session still answers, a standby tries to take the lock. The lock belongs to a
database session of its own, so it ends with the process: a fetcher killed with ``kill -9``
loses it the moment its connection closes, and a standby takes it at its next try, at most
one poll interval later, resuming from the shared checkpoints.

A lock session that breaks (the database restarted) loses the lease as well; the fetcher
stops polling until it holds it again. A poll already running when that happens finishes:
for that one poll two fetchers may queue the same document, which the publisher's
versions make harmless (the same content makes no new version).

With SQLite there is one fetcher per data folder and the lease is always held
(``LocalLease``).
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Protocol

import psycopg
import structlog

from shared.db import is_postgres
from shared.db.connection import lock_key
from shared.db.session import LockSession

log = structlog.get_logger(__name__)
LEASE_NAME = "fetcher"


def replica_name() -> str:
    """This process among the replicas: host (the pod's name on Kubernetes) and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease(Protocol):
    """Held by at most one fetcher replica at a time."""

    replica: str

    def ensure(self) -> bool:
        """True if this replica holds the lease now (taking it when free)."""

    def release(self) -> None:
        """Give the lease up (at shutdown)."""

    def detail(self) -> dict[str, object]:
        """For ``/readyz``: this replica, and whether it is the active one."""


class LocalLease:
    """SQLite: the only fetcher of its data folder always holds the lease."""

    def __init__(self) -> None:
        self.replica = replica_name()

    def ensure(self) -> bool:
        return True

    def release(self) -> None:
        return None

    def detail(self) -> dict[str, object]:
        return {"replica": self.replica, "active": True, "lease": "local (SQLite: one fetcher)"}


class PostgresLease:
    """A session advisory lock on a connection used for nothing else."""

    def __init__(self, url: str, *, replica: str | None = None, connect_timeout: int = 5) -> None:
        self.replica = replica or replica_name()
        self._session = LockSession(url, name=f"kamerstroom-fetcher-lease {self.replica}",
                                    connect_timeout=connect_timeout)
        self._held = False
        self._key = lock_key(LEASE_NAME)

    def ensure(self) -> bool:
        try:
            if self._held:
                self._session.execute("SELECT 1")  # the session, and the lock, live
            else:
                row = self._session.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))
                self._held = bool(row and row[0])
                if self._held:
                    log.info("fetcher lease taken: this replica polls", replica=self.replica)
        except psycopg.Error as exc:
            if self._held:
                log.warning("fetcher lease lost with its database session", replica=self.replica,
                            error=(str(exc).strip() or type(exc).__name__).splitlines()[0])
            self._drop()
        return self._held

    def release(self) -> None:
        """Unlock first (the server frees a closed session's locks a moment later, not at once)."""
        if self._held and self._session.open:
            with contextlib.suppress(psycopg.Error):  # the session is gone: so is the lock
                self._session.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        self._drop()

    def detail(self) -> dict[str, object]:
        return {"replica": self.replica, "active": self._held,
                "lease": "held: this replica polls" if self._held else "standby: another replica polls"}

    def _drop(self) -> None:
        """Close the lock session: the server releases the lock with it."""
        self._held = False
        self._session.close()


def open_lease(database: object) -> Lease:
    """The lease for ``Settings.database``: PostgreSQL's for a URL, else the local one."""
    if isinstance(database, str) and is_postgres(database):
        return PostgresLease(database)
    return LocalLease()
