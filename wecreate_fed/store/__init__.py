"""The database: connections, transactions and migrations. All SQL lives in this package.

SQLite through aiosqlite by default. One writer connection guarded by a lock (SQLite
has one writer anyway) and one reader connection that sees committed data only (WAL).
The SQL stays portable (no SQLite-only syntax in what callers rely on) so that a
PostgreSQL backend can come behind the same functions.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

Connection = aiosqlite.Connection


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime | None = None) -> str:
    """UTC time as ISO-8601 text, the one format stored (sorts as text)."""
    return (moment or utcnow()).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_in(seconds: float) -> str:
    return iso(utcnow() + timedelta(seconds=seconds))


class Database:
    """The two connections of one process and the lock that serialises writes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> "Database":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await _connect(self.path)
        await migrate(self._writer)
        self._reader = await _connect(self.path)
        return self

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def reader(self) -> aiosqlite.Connection:
        """A connection for reads outside a transaction; it sees committed data only."""
        assert self._reader is not None, "Database.open() was not awaited"
        return self._reader

    @asynccontextmanager
    async def transaction(self):
        """The writer connection inside BEGIN IMMEDIATE … COMMIT; rolled back on any error."""
        assert self._writer is not None, "Database.open() was not awaited"
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.rollback()
                raise
            else:
                await self._writer.commit()


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA busy_timeout=10000")
    await conn.execute("PRAGMA foreign_keys=ON")
    # WAL with synchronous=NORMAL is durable across process crashes (kill -9), the
    # failure we guard against; only an OS crash can lose the last commits.
    await conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files(__package__) / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: aiosqlite.Connection) -> list[str]:
    """Apply the numbered SQL files not yet applied, each in its own transaction."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT version FROM schema_migrations") as cur:
        done = {row[0] for row in await cur.fetchall()}
    applied = []
    for number, name, sql in _migrations():
        if number in done:
            continue
        # executescript commits first; wrap the whole file so a failure leaves nothing half-applied.
        await conn.executescript(
            f"BEGIN;\n{sql}\nINSERT INTO schema_migrations VALUES ({number}, '{name}', '{iso()}');\nCOMMIT;"
        )
        log.info("applied migration %s", name)
        applied.append(name)
    return applied


async def fetch_one(conn: aiosqlite.Connection, sql: str, params=()) -> sqlite3.Row | None:
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


async def fetch_all(conn: aiosqlite.Connection, sql: str, params=()) -> list[sqlite3.Row]:
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def fetch_value(conn: aiosqlite.Connection, sql: str, params=()):
    row = await fetch_one(conn, sql, params)
    return None if row is None else row[0]
