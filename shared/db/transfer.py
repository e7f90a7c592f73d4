"""Copying a deployment's state from its SQLite file into an empty PostgreSQL database.

Every row of every table named is copied in one PostgreSQL transaction, in the order the
SQLite file holds them (so attempt logs keep their order), with the flags that say what
was already done: announced versions stay announced and queued deliveries stay queued,
so the publisher that starts on PostgreSQL announces nothing again. Tables that are an
index of other tables (the read API's) are not copied but rebuilt by their owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.db.connection import Database, SqliteDatabase
from shared.db.migrate import current_version
from shared.errors import ConfigError

BATCH = 1000


@dataclass(frozen=True)
class Copied:
    """How many rows one table had in SQLite and has now in PostgreSQL."""

    table: str
    source_rows: int
    target_rows: int


def copy_tables(source: SqliteDatabase, target: Database, tables: Sequence[str]) -> list[Copied]:
    """Copy ``tables`` from ``source`` into ``target``; refuse when a table has rows in both.

    So a deployment whose fetcher and publisher kept a file each moves with two runs (each
    file holds only its own service's rows), while copying one file twice is refused.
    Both must be at the same schema version. Returns the counts, checked equal.
    """
    _same_version(source, target)
    busy = [t for t in tables if _count(source, t) and _count(target, t)]
    if busy:
        raise ConfigError(f"the PostgreSQL database already holds state (tables {', '.join(busy)}): "
                          "migrate into an empty database")
    with target.transaction():
        for table in tables:
            _copy(source, target, table)
    copied = [Copied(t, _count(source, t), _count(target, t)) for t in tables if _count(source, t)]
    wrong = [c.table for c in copied if c.source_rows > c.target_rows]
    if wrong:
        raise RuntimeError(f"row counts differ after the copy: {', '.join(wrong)}")
    return copied


def _copy(source: SqliteDatabase, target: Database, table: str) -> None:
    columns = [str(row[1]) for row in source.execute(f"PRAGMA table_info({table})").fetchall()]
    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    cursor = source.raw.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
    while rows := cursor.fetchmany(BATCH):
        target.executemany(insert, [tuple(_value(v) for v in row) for row in rows])


def _value(value: object) -> object:
    # SQLite may hold a BLOB column's value as bytes or memoryview; psycopg wants bytes.
    return bytes(value) if isinstance(value, memoryview) else value


def _count(db: Database, table: str) -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _same_version(source: Database, target: Database) -> None:
    if current_version(source) != current_version(target):
        raise ConfigError(f"schema versions differ: SQLite {current_version(source)}, PostgreSQL "
                          f"{current_version(target)} (run both at the same release)")
