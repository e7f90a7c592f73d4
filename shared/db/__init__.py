"""The state database: SQLite under the data folder by default, PostgreSQL by URL.

``open_database(target)`` gives a migrated connection: ``target`` is a SQLite file path, a
``postgresql://`` URL, or an open ``Database`` (returned as is). Every store takes such a
target, so tests and tools can hand a store a path while services pass
``Settings.database``.
"""

from __future__ import annotations

from pathlib import Path

from shared.db.connection import (
    Cursor,
    Database,
    DatabaseUnavailable,
    Dialect,
    PostgresDatabase,
    SqliteDatabase,
)
from shared.db.migrate import SchemaTooNew, upgrade
from shared.db.stamps import Clock, stamp, system_clock

Target = Path | str | Database
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

__all__ = ["Clock", "Cursor", "Database", "DatabaseUnavailable", "Dialect", "PostgresDatabase",
           "SchemaTooNew", "SqliteDatabase", "Target", "is_postgres", "open_database", "stamp",
           "system_clock"]


def is_postgres(target: object) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL: the state is in PostgreSQL."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_database(target: Target, *, migrate: bool = True) -> Database:
    """A connection to ``target``, its schema brought up to date unless ``migrate`` is off.

    Raises ``DatabaseUnavailable`` when PostgreSQL does not answer and ``SchemaTooNew``
    when the database was migrated by a newer release.
    """
    if isinstance(target, Database):
        return target
    if isinstance(target, str) and is_postgres(target):
        db: Database = PostgresDatabase(target)
    else:
        db = SqliteDatabase(Path(target))
    if migrate:
        try:
            upgrade(db, now=stamp(system_clock()))
        except BaseException:
            db.close()
            raise
    return db


def describe(target: Target) -> str:
    """Where ``target`` points, for a log line or an error (a URL without its password)."""
    if isinstance(target, Database):
        target = getattr(target, "url", None) or str(getattr(target, "path", "?"))
    if isinstance(target, str) and is_postgres(target):
        from psycopg.conninfo import conninfo_to_dict
        info = conninfo_to_dict(target)
        host, port = info.get("host", "localhost"), info.get("port", 5432)
        return f"postgresql://{host}:{port}/{info.get('dbname', '')}"
    return str(target)
