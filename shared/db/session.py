"""A PostgreSQL session of its own, for session-level advisory locks.

A session lock (the fetcher's lease, a webhook slot) lives exactly as long as the
connection that took it, so such locks get a connection used for nothing else: opened on
first use, and ``close()``-d when the caller gives its locks up or the session broke
(the server then frees every lock the session held).
"""

from __future__ import annotations

from typing import Any

import psycopg

from shared.db.connection import Params


class LockSession:
    """An autocommit connection opened on demand; ``execute`` raises ``psycopg.Error``."""

    def __init__(self, url: str, *, name: str, connect_timeout: int = 5) -> None:
        self._url = url
        self._name = name
        self._timeout = connect_timeout
        self._conn: psycopg.Connection[Any] | None = None

    @property
    def open(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def execute(self, sql: str, params: Params = ()) -> Any:
        """The first row of ``sql`` (psycopg's ``%s`` placeholders), opening the session if needed."""
        if not self.open:
            self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout,
                                         application_name=self._name)
        assert self._conn is not None
        return self._conn.execute(sql, params).fetchone()

    def close(self) -> None:
        """End the session (idempotent): the server releases its locks."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
