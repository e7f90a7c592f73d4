"""WAL checkpoints in a worker thread, so the event loop never waits on them.

Under WAL with ``synchronous=NORMAL`` a commit only appends to the WAL file; the fsyncs
happen when the WAL is copied back into the database (a checkpoint). SQLite does that by
default inside whichever commit crosses 1,000 pages, on the event loop, stalling every
handler and webhook for the length of an fsync. The stores switch that off
(``wal_autocheckpoint=0``) and this task checkpoints every ``interval`` seconds on its own
connection in a thread. A ``PASSIVE`` checkpoint never blocks the writers; what it cannot
copy yet it copies next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

INTERVAL = 1.0


class Checkpointer:
    """Checkpoints one SQLite database file in the background while started."""

    def __init__(self, path: Path, *, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._db: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout=5000")
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop the task and make one last checkpoint."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._db is not None:
            await asyncio.to_thread(self._checkpoint)
            self._db.close()
            self._db = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error as exc:  # busy or locked: the next round tries again
                log.warning("sqlite checkpoint failed", error=str(exc))

    def _checkpoint(self) -> None:
        assert self._db is not None
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
