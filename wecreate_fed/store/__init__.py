"""The database: connections, transactions and migrations. All SQL lives in this package.

SQLite through aiosqlite by default (this module's `Database`). One writer connection guarded by a
lock (SQLite has one writer anyway) and one reader connection that sees committed data only (WAL).
PostgreSQL (store/postgres.py, asyncpg) has the same API; `open_database(url)` picks either. The
store's SQL stays portable, with `?` placeholders on both (store/pg_conn.py); the few statements
that must differ ask `dialect_of(conn)`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from wecreate_fed import owner_only

from .batch import Batch, InlineConnection, connect_inline
from .core import (
    CommitCallbacks,
    GroupCommit,
    Wakeups,
    dialect_of,
    fetch_all,
    fetch_one,
    fetch_value,
    is_contention,
    iso,
    iso_in,
    lock_for_recount,
    run_all,
    to_the_end,
    utcnow,
)
from .migrate import migrate, migrations
from .pg_conn import PgConnection, PgReader
from .postgres import READERS, WRITERS, PostgresDatabase
from .postgres import create_if_missing as create_postgres_database

__all__ = ["AnyDatabase", "Connection", "Database", "PostgresDatabase", "create_postgres_database", "database_for",
           "dialect_of", "fetch_all", "fetch_one", "fetch_value", "is_contention", "iso", "iso_in", "lock_for_recount", "migrate", "migrations",
           "open_database", "sqlite_path", "utcnow"]

log = logging.getLogger(__name__)

# What the store's functions take: a SQLite connection, or PostgreSQL's adapters with the same surface.
Connection = aiosqlite.Connection | PgConnection | PgReader
CHECKPOINT_EVERY = 20  # batches (store/batch.py) between two checkpoints
_to_the_end = to_the_end


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:///… URL (sqlite:///abs/path or sqlite:relative/path); None for another URL."""
    if not url.startswith("sqlite:"):
        return None
    rest = url[len("sqlite:"):]
    return Path(rest[2:] if rest.startswith("//") else rest)


def database_for(url: str, *, pool_size: int | None = None, read_pool_size: int | None = None):
    """A database object for `url` (sqlite:///… or postgresql://…), not yet opened.

    The pool sizes ([database] pool_size, read_pool_size) bound PostgreSQL's connections per
    process (None: postgres.WRITERS, READERS); SQLite has its two connections whatever they say."""
    path = sqlite_path(url)
    if path is not None:
        return Database(path)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url, writers=pool_size or WRITERS, readers=read_pool_size or READERS)
    raise ValueError(f"not a database URL: {url!r} (sqlite:///path or postgresql://…)")


async def open_database(url: str, *, pool_size: int | None = None, read_pool_size: int | None = None):
    """The database at `url`, opened and migrated."""
    return await database_for(url, pool_size=pool_size, read_pool_size=read_pool_size).open()


class Database(GroupCommit):
    """The two connections of one process and the lock that serialises writes."""

    dialect = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.url = f"sqlite://{self.path}" if self.path.is_absolute() else f"sqlite:{self.path}"
        self._wakeups = Wakeups()
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._commit_callbacks = CommitCallbacks()
        # Group commit (write_batched): items waiting for the next transaction, and the task
        # writing them, per write function.
        self._waiting: dict = {}
        self._writers: dict = {}
        # The write batch (store/batch.py) open now, if any, and its connection.
        self._batch: Batch | None = None
        self._inline: InlineConnection | None = None
        self._batches = 0
        self._checkpointing = False
        self.pauses = 0  # how often a batch gave the lock back around a network call (outside_batch)

    async def open(self) -> Database:
        if not self.path.parent.exists():
            owner_only.make_dir(self.path.parent)
        owner_only.create_file(self.path)  # 0600 before SQLite writes a key into it
        self._writer = await _connect(self.path)
        await migrate(self._writer)
        self._reader = await _connect(self.path)
        for suffix in ("", "-wal", "-shm"):  # SQLite gives these the database's mode; older ones are tightened
            owner_only.tighten(self.path.with_name(self.path.name + suffix))
        return self

    async def close(self) -> None:
        """Write what is waiting for a group commit, then close both connections.

        Bounded in time and never raising, so a shutdown (SIGTERM, the end of a test) cannot hang
        on aiosqlite's threads, which would keep the process alive.
        """
        await self._flush_group_commits()
        writer, reader = self._writer, self._reader
        self._reader = self._writer = None
        if writer is not None:
            async with self._lock:
                try:
                    if writer.in_transaction:
                        await writer.rollback()
                    # Keeps the query planner's statistics current (cheap: it analyses only what needs it).
                    await writer.execute("PRAGMA optimize")
                except sqlite3.Error as error:
                    log.warning("closing the database: %s", error)
        inline, self._inline = self._inline, None
        if inline is not None:
            await inline.close()
        for conn in (reader, writer):
            if conn is not None:
                try:
                    await asyncio.wait_for(conn.close(), 10)
                except (TimeoutError, sqlite3.Error) as error:
                    log.warning("closing a database connection: %s", error)

    @property
    def reader(self) -> aiosqlite.Connection:
        """A connection for reads outside a transaction; it sees committed data only (in the task
        of an open batch: the batch's connection, which sees the batch's own writes too)."""
        assert self._reader is not None, "Database.open() was not awaited"
        batch = self._batch
        if batch is not None and batch.owns_current_task():
            return batch.conn
        return self._reader

    @asynccontextmanager
    async def transaction(self, holding: Iterable[str] = ()) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection inside BEGIN IMMEDIATE … COMMIT; rolled back on any error.

        `holding` (names no other transaction holds meanwhile, on PostgreSQL) needs nothing
        here: the one writer runs one transaction, or one batch, at a time.

        Safe against cancellation at every point (a client that hangs up, a worker stopped):
        aiosqlite runs a statement in its thread even when the awaiting task is cancelled, so
        BEGIN, COMMIT and ROLLBACK are each awaited to the end, and a cancelled body or commit
        is rolled back before the lock is released. The next caller always finds the
        connection outside a transaction.
        """
        writer = self._writer
        assert writer is not None, "Database.open() was not awaited"
        batch = self._batch
        if batch is not None and batch.owns_current_task():
            async with _savepoint(batch) as conn:
                yield conn
            return
        with self._commit_callbacks.collecting() as callbacks:
            async with self._lock:
                if writer.in_transaction:  # cannot happen; if it ever does, do not inherit someone's writes
                    log.error("writer connection was left inside a transaction; rolling it back")
                    await _to_the_end(writer.rollback())
                await _to_the_end(writer.execute("BEGIN IMMEDIATE"), undo=writer.rollback)
                try:
                    yield writer
                except BaseException:
                    await _to_the_end(writer.rollback())
                    raise
                try:
                    await _to_the_end(writer.commit(), undo=writer.rollback)
                except BaseException:
                    if writer.in_transaction:
                        await _to_the_end(writer.rollback())
                    raise
        run_all(callbacks)

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection under the write lock but outside a transaction, for statements that
        make their own (VACUUM, incremental_vacuum)."""
        writer = self._writer
        assert writer is not None, "Database.open() was not awaited"
        async with self._lock:
            yield writer

    async def vacuum(self) -> None:
        """VACUUM the file, switching it to auto_vacuum = INCREMENTAL on the way, and truncate the WAL.

        Rewrites the whole database: it needs free disk space of about its size and holds the write
        lock throughout (a running server's writes wait, up to its busy timeout). For the CLI only.
        """
        async with self.alone() as writer:
            await writer.execute("PRAGMA auto_vacuum=INCREMENTAL")
            await writer.execute("VACUUM")
            await writer.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction for many small units of work of this task (store/batch.py).

        Each `transaction()` of this task inside it is a SAVEPOINT; callbacks given to
        `after_commit()` run once it committed. Rolled back on any error or cancellation.
        """
        assert self._writer is not None, "Database.open() was not awaited"
        if self._inline is None:
            self._inline = connect_inline(self.path)
        await self._lock.acquire()
        batch = Batch(self._inline)
        try:
            await batch.begin()
            self._batch = batch
            try:
                yield batch.conn
                batch.commit()
            except BaseException:
                batch.rollback()
                raise
        finally:
            if self._batch is batch:
                self._batch = None
            if batch.holds_lock:
                self._lock.release()
        batch.run_after_commit()
        self._batches += 1
        if self._batches % CHECKPOINT_EVERY == 0:
            await self._checkpoint()

    @asynccontextmanager
    async def outside_batch(self) -> AsyncIterator[None]:
        """Around a network call: if this task's batch is open with no unit of work inside the
        current one, commit what it did so far and give the lock back meanwhile, so others'
        writes do not wait for a remote server. The batch goes on afterwards."""
        batch = self._batch
        if batch is None or not batch.owns_current_task() or len(batch.savepoints) > 1:
            yield
            return
        batch.commit()
        self.pauses += 1
        batch.active, batch.holds_lock = False, False
        self._batch = None  # meanwhile others write, through batches of their own too
        self._lock.release()
        batch.run_after_commit()
        try:
            yield
        finally:
            await self._lock.acquire()
            batch.holds_lock = True
            await batch.begin()
            self._batch, batch.active = batch, True

    async def commit_batch(self) -> None:
        """Commit what this task's open batch wrote so far and go on in a new transaction, keeping
        the lock (the inbox worker's claim: its leases are seen by everyone before the work)."""
        batch = self._batch
        assert batch is not None and batch.owns_current_task() and not batch.savepoints
        batch.commit()
        batch.run_after_commit()
        await batch.begin()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once what this task wrote is committed: now, or at the end of its batch
        or transaction."""
        batch = self._batch
        if batch is not None and batch.owns_current_task():
            batch.after_commit.append(callback)
        elif not self._commit_callbacks.add(callback):
            callback()

    async def _checkpoint(self) -> None:
        """Batches leave checkpoints (writing back the WAL, syncing the file) to another thread: a
        passive one on the reader connection, which is never inside a transaction, needs no lock."""
        reader = self._reader
        if reader is None or self._checkpointing:
            return
        self._checkpointing = True
        try:
            await _to_the_end(reader.execute("PRAGMA wal_checkpoint(PASSIVE)"))
        except sqlite3.Error as error:
            log.warning("checkpoint: %s", error)
        finally:
            self._checkpointing = False

    async def notify(self, channel: str) -> None:
        """Wake this process's listeners of `channel` (one process owns a SQLite file); inside this
        task's batch, once it committed."""
        self.after_commit(lambda: self._wakeups.wake(channel))

    async def listen(self, channel: str) -> asyncio.Event:
        """An event set whenever `channel` is notified; the listener clears it."""
        return self._wakeups.add(channel)


# Either backend's database object (both have the same API).
AnyDatabase = Database | PostgresDatabase


@asynccontextmanager
async def _savepoint(batch: Batch) -> AsyncIterator[aiosqlite.Connection]:
    """A unit of work inside a batch: its writes are undone alone if it fails."""
    raw = batch.conn._conn
    name = batch.next_savepoint()
    raw.execute(f"SAVEPOINT {name}")
    batch.savepoints.append(name)
    try:
        yield batch.conn
    except BaseException:
        if raw.in_transaction and batch.holds_lock:
            raw.execute(f"ROLLBACK TO {name}")
            raw.execute(f"RELEASE {name}")
        raise
    else:
        raw.execute(f"RELEASE {name}")
    finally:
        batch.savepoints.remove(name)


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    # Before WAL, which writes the header: takes effect on a new database only (an old one gets it at
    # `wecreate-fed db vacuum`), so pages freed by pruning go back in small steps (retention.py).
    await conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA busy_timeout=10000")
    await conn.execute("PRAGMA foreign_keys=ON")
    # WAL with synchronous=NORMAL is durable across process crashes (kill -9), the
    # failure we guard against; only an OS crash can lose the last commits.
    await conn.execute("PRAGMA synchronous=NORMAL")
    return conn
