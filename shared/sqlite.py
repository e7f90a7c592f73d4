"""Opening the SQLite state every service keeps under ``KAMERSTROOM_DATA_DIR``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection in WAL mode, creating the folder if needed.

    ``synchronous=NORMAL``: under WAL a process crash loses no commit; an OS crash or a
    power cut can lose the last ones, and every store is written so that this only
    re-sends work under the same message or event id (see docs/operations.md).
    The connection may be used from a worker thread (one at a time).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back if the block raises (anything)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
