"""``kamerstroom db upgrade`` and ``kamerstroom db migrate-from-sqlite PATH``.

``upgrade`` applies the schema migrations the database lacks (every service also does so at
start, under a lock; running it first lets a rollout start pods that only read the
schema). ``migrate-from-sqlite`` moves a deployment from its SQLite file onto the
PostgreSQL database of ``KAMERSTROOM_DATABASE_URL``: stop every service first.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from services.publisher.read.index import LetterIndex
from shared.config import load_settings
from shared.db import SqliteDatabase, describe, open_database, stamp, system_clock
from shared.db.migrate import current_version, upgrade
from shared.db.transfer import copy_tables
from shared.errors import ConfigError

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers

# Every table of the state but the read index, which is rebuilt from the versions (its
# full text is FTS5 in SQLite and a tsvector in PostgreSQL). read_meta's cursor key is
# copied so that cursors handed out before the move stay valid.
STATE_TABLES = ("seen", "checkpoints", "tk_dossiers", "tk_actors", "tk_letters", "tk_pending",
                "letter_sources", "letter_keys", "letter_versions", "webhook_endpoints",
                "webhook_deliveries", "webhook_events", "webhook_attempts")


def register(subparsers: Subparsers) -> None:
    db = subparsers.add_parser("db", help="the state database: schema upgrades, moving to PostgreSQL")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("upgrade", help="apply the schema migrations the database lacks")
    up.set_defaults(func=run_upgrade)
    move = actions.add_parser("migrate-from-sqlite", help="copy a SQLite state file into the "
                              "(empty) PostgreSQL database of KAMERSTROOM_DATABASE_URL")
    move.add_argument("path", type=Path, help="the SQLite file (KAMERSTROOM_DATA_DIR/kamerstroom.sqlite3)")
    move.set_defaults(func=run_migrate_from_sqlite)


def run_upgrade(args: argparse.Namespace) -> int:
    """Migrate ``Settings.database``; print what was applied."""
    settings = load_settings()
    settings.check_data_dir()
    db = open_database(settings.database, migrate=False)
    try:
        before = current_version(db)
        applied = upgrade(db, now=stamp(system_clock()))
        where = describe(settings.database)
        if not applied:
            print(f"{where}: schema at version {before}, nothing to do")
        for migration in applied:
            print(f"{where}: applied {migration.version:04d}_{migration.name}")
    finally:
        db.close()
    return 0


def run_migrate_from_sqlite(args: argparse.Namespace) -> int:
    """Copy the state, rebuild the read index, print each table's row count."""
    settings = load_settings()
    if settings.database_url is None:
        raise ConfigError("KAMERSTROOM_DATABASE_URL is not set: it names the PostgreSQL database "
                          "to migrate into")
    path: Path = args.path
    if not path.is_file():
        raise ConfigError(f"{str(path)!r} is not a SQLite state file")
    source = open_database(path)  # brought to this release's schema first
    target = open_database(settings.database_url)
    try:
        assert isinstance(source, SqliteDatabase)
        copied = copy_tables(source, target, STATE_TABLES)
        key = source.execute("SELECT value FROM read_meta WHERE name = 'cursor_key'").fetchone()
        if key is not None:
            target.execute("INSERT INTO read_meta (name, value) VALUES ('cursor_key', ?) "
                           "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (bytes(key[0]),))
        LetterIndex(target).ensure()
        for table in copied:
            print(f"{table.table}: {table.target_rows} rows")
        print(f"moved {describe(path)} to {describe(settings.database_url)}; the read index was rebuilt")
    finally:
        source.close()
        target.close()
    return 0


__all__ = ["register"]
