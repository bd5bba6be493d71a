"""The database: connections, transactions and migrations. All SQL lives in this package.

SQLite through aiosqlite by default. One writer connection guarded by a lock (SQLite
has one writer anyway) and one reader connection that sees committed data only (WAL).
The SQL stays portable (no SQLite-only syntax in what callers rely on) so that a
PostgreSQL backend can come behind the same functions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import aiosqlite

from wecreate_fed import owner_only

from .batch import Batch, InlineConnection, connect_inline

log = logging.getLogger(__name__)

Connection = aiosqlite.Connection
CHECKPOINT_EVERY = 20  # batches (store/batch.py) between two checkpoints


def _wall_clock() -> datetime:
    return datetime.now(UTC)


# The one clock of the store and the queue workers; benchmarks/simulate_delivery.py sets a simulated one.
clock: Callable[[], datetime] = _wall_clock


def utcnow() -> datetime:
    return clock()


def iso(moment: datetime | None = None) -> str:
    """UTC time as ISO-8601 text, the one format stored (sorts as text)."""
    return (moment or utcnow()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_in(seconds: float) -> str:
    return iso(utcnow() + timedelta(seconds=seconds))


class Database:
    """The two connections of one process and the lock that serialises writes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
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
        if self._writers:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._writers.values(), return_exceptions=True), 10)
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
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection inside BEGIN IMMEDIATE … COMMIT; rolled back on any error.

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
        """Run `callback` once what this task wrote is committed: now, or at the end of its batch."""
        batch = self._batch
        if batch is not None and batch.owns_current_task():
            batch.after_commit.append(callback)
        else:
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

    async def write_batched(self, write_many, item) -> None:
        """Have `write_many(conn, items)` write `item` in a transaction shared with concurrent callers.

        Group commit: each signed POST to an inbox must be committed before its 202, and a
        transaction of its own queues every request behind the write lock for three round
        trips to the SQLite thread. Items arriving while a batch is written go into the next
        one, so batches grow with the load and a lone caller waits no longer than before.
        Returns once `item` is committed; raises what writing it raised. `write_many` must not
        await anything but the connection's statements (it runs as one write batch).
        """
        future = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(write_many, []).append((item, future))
        if write_many not in self._writers:
            self._writers[write_many] = asyncio.create_task(self._write_waiting(write_many))
        await future

    async def _write_waiting(self, write_many) -> None:
        try:
            while batch := self._waiting.pop(write_many, None):
                await self._write_batch(write_many, batch)
        finally:
            del self._writers[write_many]

    async def _write_batch(self, write_many, batch: list) -> None:
        try:
            # A write batch: one synchronous step on the loop's thread, so the write lock is never
            # held across turns of a busy event loop (through aiosqlite it was, for 3 hand-offs).
            async with self.batch() as conn:
                await write_many(conn, [item for item, _ in batch])
        except Exception as error:
            if len(batch) > 1:
                # One bad item must not fail the others: write them one transaction each.
                for entry in batch:
                    await self._write_batch(write_many, [entry])
                return
            _settle(batch, error)
        except BaseException:
            _settle(batch, asyncio.CancelledError())
            raise
        else:
            _settle(batch, None)


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


async def _to_the_end(operation: Awaitable, *, undo: Callable[[], Awaitable] | None = None) -> None:
    """Await a statement on the writer to its end even if the caller is cancelled meanwhile.

    The cancellation is delivered afterwards; `undo` (a rollback) runs first when given,
    so a BEGIN or COMMIT cut short never leaves the connection inside a transaction.
    """
    task = asyncio.ensure_future(operation)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)
        if undo is not None:
            await _to_the_end(undo())
        raise


def _settle(batch: list, error: BaseException | None) -> None:
    for _, future in batch:
        if future.done():  # the caller gave up (its request was cancelled)
            continue
        if error is None:
            future.set_result(None)
        elif isinstance(error, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(error)


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


# Reads run as one step in the database thread (execute and fetch together), so the cursor
# never outlives that step. Run as execute, fetch, close, a read whose task was cancelled
# (a client hanging up) could leave its cursor open, and with it a read transaction: every
# later read on that connection then saw the database as it was at that moment.

async def fetch_one(conn: aiosqlite.Connection, sql: str, params=()) -> sqlite3.Row | None:
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None


async def fetch_all(conn: aiosqlite.Connection, sql: str, params=()) -> list[sqlite3.Row]:
    """The rows of a query, read in one step on the connection's thread.

    Execute, fetch and close in separate steps would leave the statement open between them,
    and with it a read transaction on the shared reader: another coroutine's read in between
    would see the database as it was when the first began (WAL snapshot), and a caller
    cancelled in between would leave it open for every later caller. In one step the
    statement is finished whatever happens to the caller.
    """
    return list(await conn.execute_fetchall(sql, params))


async def fetch_value(conn: aiosqlite.Connection, sql: str, params=()):
    row = await fetch_one(conn, sql, params)
    return None if row is None else row[0]
