"""One connection to the state database, SQLite or PostgreSQL, behind one small interface.

Every store writes its SQL once, in the dialect both engines share: ``?`` placeholders,
``INSERT … ON CONFLICT … DO NOTHING / DO UPDATE``, ``RETURNING``, text timestamps written by
the caller (``shared.db.clock``). Where the engines differ (full text, locking) a store asks
``db.dialect``.

Both connections are in autocommit mode; ``transaction()`` groups statements. The
PostgreSQL connection is psycopg 3's, used synchronously: every store call is a short
round trip on a local network, made from the event loop exactly as the SQLite calls are,
so the stores keep one interface. A lost PostgreSQL connection raises
``DatabaseUnavailable`` (a ``RetryLater``; handlers wait it out, ``shared/db/waiting.py``)
and is opened again on the next call.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg

from shared.errors import RetryLater

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any]


class DatabaseUnavailable(RetryLater):
    """The database did not answer (or the connection broke): try again later."""


class Cursor(Protocol):
    """What a statement gives back (``sqlite3.Cursor`` and psycopg's cursor both are one)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(ABC):
    """A connection: statements, batches, transactions, and a lock for one kind of write."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement (``?`` placeholders) and return its cursor."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement per row; return how many rows it changed in all."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Commit the block's statements together; roll them all back if it raises."""

    @abstractmethod
    def lock(self, name: str) -> None:
        """Inside a transaction: hold the lock ``name`` until it ends, across every process
        that uses this database (SQLite: its write transaction already is that lock)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection (idempotent)."""

    def ping(self) -> bool:
        """True if the database answers a trivial query."""
        self.execute("SELECT 1").fetchone()
        return True


class SqliteDatabase(Database):
    """An autocommit SQLite connection in WAL mode (see ``connect_sqlite``)."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = connect_sqlite(path)

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self.raw.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        return self.raw.executemany(sql, rows).rowcount

    def executescript(self, script: str) -> None:
        """Run several statements (SQLite only: used by migrations)."""
        self.raw.executescript(script)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock at once, so two writers never both read and
        # then both fail at their first write.
        self.raw.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    def lock(self, name: str) -> None:
        return None

    def close(self) -> None:
        self.raw.close()


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """An autocommit connection in WAL mode, creating the folder if needed.

    ``synchronous=NORMAL``: under WAL a process crash loses no commit; an OS crash or a
    power cut can lose the last ones, and every store is written so that this only
    re-sends work under the same message or event id (see docs/operations.md).
    The connection may be used from a worker thread (one at a time).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=5000")
    _wal(db)
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _wal(db: sqlite3.Connection, *, tries: int = 100, pause: float = 0.05) -> None:
    """Switch to WAL. The switch answers "database is locked" at once, without the busy
    timeout, while another connection opens the same new file: try again, bounded."""
    for attempt in range(tries):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(pause)


@functools.lru_cache(maxsize=2048)
def _pg_sql(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled). Our SQL has no ``?``
    or ``%`` inside string literals, so a plain replacement is exact."""
    return sql.replace("%", "%%").replace("?", "%s")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"kamerstroom:{name}".encode()).digest()[:8], "big", signed=True)


class PostgresDatabase(Database):
    """A psycopg 3 connection in autocommit mode, opened again after it broke."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout: float = 5.0) -> None:
        self.url = url
        self._timeout = connect_timeout
        self._guard = threading.RLock()  # a read store may be used from a worker thread
        self._conn: psycopg.Connection[Any] | None = None
        self._connection()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(self.url, autocommit=True,
                                             connect_timeout=max(1, round(self._timeout)),
                                             application_name="kamerstroom")
            except psycopg.OperationalError as exc:
                raise DatabaseUnavailable(f"PostgreSQL does not answer: {_first_line(exc)}") from exc
        return self._conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        with self._guard, self._errors():
            return self._connection().execute(_pg_sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        with self._guard, self._errors():
            cursor = self._connection().cursor()
            cursor.executemany(_pg_sql(sql), list(rows))
            return cursor.rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._guard, self._errors(), self._connection().transaction():
            yield

    def lock(self, name: str) -> None:
        # A transaction-scoped advisory lock: released by COMMIT, ROLLBACK or a lost session.
        self.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A broken connection as ``DatabaseUnavailable``; it is opened again next time."""
        try:
            yield
        except psycopg.OperationalError as exc:
            conn = self._conn
            if conn is None or conn.closed or conn.broken:
                self._conn = None
                raise DatabaseUnavailable(f"lost the PostgreSQL connection: {_first_line(exc)}") from exc
            raise


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
