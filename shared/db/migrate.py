"""Versioned schema migrations: numbered SQL files per backend and a version table.

``shared/db/migrations/<dialect>/NNNN_name.sql`` are applied in order, each in its own
transaction together with its row in ``schema_migrations``. Both backends' files carry the
same numbers, so a version means the same tables on either. Plain SQL files, not a
migration framework: the stores write their SQL by hand, the schema is a few tables, and a
framework (Alembic, yoyo) would add a dependency and a second way of describing them.

Applied at start by every store (``open_database``) and by ``kamerstroom db upgrade``.
Concurrent starters wait for each other: PostgreSQL through an advisory transaction lock,
SQLite through its write lock. A database whose version is newer than the newest file this
code has is refused (``SchemaTooNew``): an older release must not write a newer schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shared.db.connection import Database, Dialect, SqliteDatabase
from shared.errors import ConfigError

FOLDER = Path(__file__).parent / "migrations"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "name TEXT NOT NULL, applied_at TEXT NOT NULL)")


class SchemaTooNew(ConfigError):
    """The database was migrated by a newer release than this one."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements (each ends with ``;`` at the end of a line)."""
        text = "\n".join(line for line in self.path.read_text().splitlines()
                         if not line.lstrip().startswith("--"))
        return [s.strip() for s in re.split(r";\s*$", text, flags=re.MULTILINE) if s.strip()]


def migrations(dialect: Dialect) -> list[Migration]:
    """Every migration of ``dialect``, by version."""
    found = []
    for path in sorted((FOLDER / dialect).iterdir()):
        match = _FILE.match(path.name)
        if match:
            found.append(Migration(int(match[1]), match[2], path))
    return found


def latest_version(dialect: Dialect) -> int:
    return migrations(dialect)[-1].version


def current_version(db: Database) -> int:
    """The version of the schema in ``db`` (0: none applied). Reads only: the version table
    is created under the lock (two starters creating it at once collide on PostgreSQL)."""
    if not _has_version_table(db):
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def upgrade(db: Database, *, now: str) -> list[Migration]:
    """Apply every migration ``db`` lacks; return those applied (``now`` stamps them).

    Raises ``SchemaTooNew`` for a database from a newer release.
    """
    known = migrations(db.dialect)
    if _checked(db, known) == known[-1].version:
        return []  # the common case, without taking the lock
    applied = []
    with db.transaction():
        db.lock("migrations")
        db.execute(_TABLE)
        version = _checked(db, known)  # another process may have migrated meanwhile
        for migration in known:
            if migration.version <= version:
                continue
            if migration.version == 1 and isinstance(db, SqliteDatabase):
                _adopt_sqlite(db)
            for statement in migration.statements():
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                       (migration.version, migration.name, now))
            applied.append(migration)
    return applied


def _has_version_table(db: Database) -> bool:
    if db.dialect == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    else:
        sql = "SELECT 1 WHERE to_regclass('schema_migrations') IS NOT NULL"
    return db.execute(sql).fetchone() is not None


def _checked(db: Database, known: list[Migration]) -> int:
    version = current_version(db)
    if version > known[-1].version:
        raise SchemaTooNew(
            f"the database is at schema version {version}, newer than this release knows "
            f"({known[-1].version}): run the release that migrated it, or a newer one")
    return version


def _adopt_sqlite(db: SqliteDatabase) -> None:
    """A data folder from before numbered migrations: add the columns its tables may lack,
    so that ``0001`` (all ``IF NOT EXISTS``) leaves it in the same shape as a new one."""
    for table, column, ddl in (("seen", "version", "TEXT"),
                               ("webhook_deliveries", "queued", "INTEGER NOT NULL DEFAULT 1")):
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if columns and column not in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
