"""The numbered migrations (store/migrations/NNNN_name.sql), applied in order on either backend.

A file in migrations/postgresql/ with the same name replaces the shared one on PostgreSQL
(AUTOINCREMENT, BLOB, table rebuilds and the like differ); every other file runs as is on both.
`schema_migrations` records what was applied, on both.
"""

from __future__ import annotations

import logging
from importlib import resources

from .core import iso

log = logging.getLogger(__name__)

SCHEMA_MIGRATIONS = ("CREATE TABLE IF NOT EXISTS schema_migrations "
                     "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
# Taken for the whole of a PostgreSQL migration run, so processes starting together migrate once.
MIGRATION_LOCK = 7_305_117_013


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) in order; on PostgreSQL with the files of migrations/postgresql/."""
    folder = resources.files(__package__) / "migrations"
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found[entry.name] = entry.read_text(encoding="utf-8")
    if dialect == "postgresql" and (folder / "postgresql").is_dir():
        for entry in (folder / "postgresql").iterdir():
            if not entry.name.endswith(".sql"):
                continue
            if entry.name not in found:
                raise RuntimeError(f"migrations/postgresql/{entry.name} replaces no migration of that name")
            found[entry.name] = entry.read_text(encoding="utf-8")
    return sorted((int(name.split("_", 1)[0]), name, sql) for name, sql in found.items())


async def migrate(conn) -> list[str]:
    """SQLite: apply the numbered SQL files not yet applied, each in its own transaction."""
    await conn.execute(SCHEMA_MIGRATIONS)
    async with conn.execute("SELECT version FROM schema_migrations") as cur:
        done = {row[0] for row in await cur.fetchall()}
    applied = []
    for number, name, sql in migrations("sqlite"):
        if number in done:
            continue
        # executescript commits first; wrap the whole file so a failure leaves nothing half-applied.
        await conn.executescript(
            f"BEGIN;\n{sql}\nINSERT INTO schema_migrations VALUES ({number}, '{name}', '{iso()}');\nCOMMIT;"
        )
        log.info("applied migration %s", name)
        applied.append(name)
    return applied


async def migrate_postgres(raw) -> list[str]:
    """PostgreSQL (a raw asyncpg connection): the same, each file in its own transaction, under an
    advisory lock so that several processes starting at once do not apply a file twice."""
    await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await raw.execute(SCHEMA_MIGRATIONS)
        done = {row[0] for row in await raw.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for number, name, sql in migrations("postgresql"):
            if number in done:
                continue
            async with raw.transaction():
                try:
                    await raw.execute(sql)  # the simple protocol: a file of several statements
                except Exception as error:
                    raise RuntimeError(f"migration {name} failed on PostgreSQL: {error}") from error
                await raw.execute("INSERT INTO schema_migrations VALUES ($1, $2, $3)", number, name, iso())
            log.info("applied migration %s", name)
            applied.append(name)
        return applied
    finally:
        await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
