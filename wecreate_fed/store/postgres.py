"""The PostgreSQL backend: the same API as the SQLite `Database` (store/__init__.py), on asyncpg pools.

Writers and readers have pools of their own, so a transaction that reads through `reader`
never waits for a connection that another transaction holds. Transactions run side by side
(the server locks rows; SQLite's one write lock has no counterpart here) and are as safe
against cancellation as SQLite's: BEGIN, COMMIT and ROLLBACK are each awaited to their end, a
cancelled body or commit is rolled back before its connection goes back to the pool.

A batch (`batch()`) is one transaction on one pooled connection; each `transaction()` of its
task inside it is a SAVEPOINT, so a failing unit rolls back alone. `notify`/`listen` are
PostgreSQL's NOTIFY and LISTEN (a dedicated connection), so other processes are woken too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from . import pg_conn
from .core import BatchState, CommitCallbacks, GroupCommit, Wakeups, run_all, to_the_end
from .migrate import migrate_postgres
from .pg_conn import Catalog, PgConnection, PgReader, PgRow

log = logging.getLogger(__name__)

WRITERS, READERS = 10, 5  # connections per pool at most (each pool keeps one open when idle)
CLOSE_SECONDS = 10


class PgBatch(BatchState):
    """One open batch: its connection, the task it belongs to, its savepoints, what runs after COMMIT.

    A unit that succeeded is not released at once: its RELEASE goes with the next SAVEPOINT, in
    one round trip, or is done by the COMMIT (`unreleased`). An inbox worker's row took about
    seven and a half round trips, three of them savepoints and their releases (the row's, and
    every other time a unit's inside it); so, half of that. What runs in between belongs to the
    finished unit's savepoint, which nothing rolls back to any more: a later unit has a savepoint
    of its own, and a failure outside the units fails the batch.
    """

    def __init__(self, raw: asyncpg.Connection, catalog: Catalog):
        super().__init__()
        self.raw = raw
        self.conn = PgConnection(raw, catalog)
        # The last unit that succeeded, if not released yet: the innermost open unit's (or the
        # batch's) last child; releasing it releases every unit it held.
        self.unreleased: str | None = None
        self.holding: dict[str, list[int]] = {}  # open unit → the lock keys it holds (transaction(holding=…))

    def held_keys(self) -> list[int]:
        return sorted({key for name in self.savepoints for key in self.holding.get(name, ())})

    async def begin(self, *, unlock: list[int] | None = None) -> None:
        """BEGIN, and the open units' savepoints and names again (after a pause), in one round
        trip; `unlock`: then the session's own locks that held the names meanwhile go."""
        self.unreleased = None
        await self.raw.execute("BEGIN" + "".join(f"; SAVEPOINT {name}{_locking(self.holding.get(name, []))}"
                                                 for name in self.savepoints)
                               + _locking(unlock or [], "pg_advisory_unlock"))

    async def commit(self, *, keep: list[int] | None = None) -> None:
        """COMMIT; `keep`: those names stay held (as the session's own, taken first) until begin(unlock=…)."""
        self.unreleased = None
        await self.raw.execute(_locking(keep or [], "pg_advisory_lock").removeprefix("; ") + "; COMMIT" if keep
                               else "COMMIT")

    async def rollback(self) -> None:
        self.unreleased = None
        if self.raw.is_in_transaction():
            await self.raw.execute("ROLLBACK")



class PostgresDatabase(GroupCommit):
    """A PostgreSQL database: `url` is asyncpg's postgresql://user@host:port/name."""

    dialect = "postgresql"

    def __init__(self, url: str, *, writers: int = WRITERS, readers: int = READERS, migrate: bool = True):
        self.url = url
        self._migrate = migrate  # False: a test's own tiny schema
        self.path = None
        self._sizes = (writers, readers)
        self._writers_pool: asyncpg.Pool | None = None
        self._readers_pool: asyncpg.Pool | None = None
        self._reader: PgReader | None = None
        self._catalog = Catalog()
        self._commit_callbacks = CommitCallbacks()
        self._waiting: dict = {}
        self._writers: dict = {}
        self._batches: dict[asyncio.Task, PgBatch] = {}
        self._wakeups = Wakeups()
        self._listener: asyncpg.Connection | None = None
        self._listening: set[str] = set()
        self._listen_lock = asyncio.Lock()
        self.pauses = 0  # how often a batch committed around a network call (outside_batch)

    async def open(self) -> PostgresDatabase:
        writers, readers = self._sizes
        self._writers_pool = await asyncpg.create_pool(self.url, min_size=1, max_size=writers, reset=pg_conn.keep,
                                                       init=pg_conn.setup, record_class=PgRow)
        try:
            if self._migrate:
                async with self._writers_pool.acquire() as raw:
                    await migrate_postgres(raw)
            self._readers_pool = await asyncpg.create_pool(self.url, min_size=1, max_size=readers, reset=pg_conn.keep,
                                                           init=pg_conn.setup, record_class=PgRow)
        except BaseException:
            await self._writers_pool.close()
            self._writers_pool = None
            raise
        self._reader = PgReader(self._readers_pool, self._catalog)
        return self

    async def close(self) -> None:
        """Write what waits for a group commit, then close the pools: bounded in time, never raising."""
        await self._flush_group_commits()
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.close(), CLOSE_SECONDS)
        pools = [p for p in (self._readers_pool, self._writers_pool) if p is not None]
        self._readers_pool = self._writers_pool = self._reader = None
        for pool in pools:
            try:
                await asyncio.wait_for(pool.close(), CLOSE_SECONDS)
            except (TimeoutError, asyncpg.PostgresError, OSError) as error:
                log.warning("closing a database pool: %s", error)
                pool.terminate()

    def _batch(self) -> PgBatch | None:
        task = asyncio.current_task()
        batch = self._batches.get(task) if task is not None else None
        return batch if batch is not None and batch.owns_current_task() else None

    @property
    def reader(self):
        """Reads outside a transaction (committed data only); in the task of an open batch, the
        batch's connection, which sees the batch's own writes too."""
        assert self._reader is not None, "Database.open() was not awaited"
        batch = self._batch()
        return batch.conn if batch is not None else self._reader

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        pool = self._writers_pool
        assert pool is not None, "Database.open() was not awaited"
        raw = await pool.acquire()
        try:
            yield raw
        finally:
            await to_the_end(pool.release(raw))

    @asynccontextmanager
    async def transaction(self, holding: Iterable[str] = ()) -> AsyncIterator[PgConnection]:
        """A pooled connection inside BEGIN … COMMIT; rolled back on any error or cancellation.

        `holding`: names (object ids) that no other transaction holds until this one (its batch)
        ends; a second unit about the same object waits for the first to commit, and then sees
        what it wrote (advisory locks, in one order; taken with the SAVEPOINT, in its round trip).
        """
        keys = _lock_keys(holding)
        batch = self._batch()
        if batch is not None:
            async with _savepoint(batch, keys) as conn:
                yield conn
            return
        with self._commit_callbacks.collecting() as callbacks:
            async with self._connection() as raw:
                rollback = lambda: raw.execute("ROLLBACK")  # noqa: E731
                await to_the_end(raw.execute("BEGIN"), undo=rollback)
                try:
                    conn = PgConnection(raw, self._catalog)
                    if keys:
                        await conn.execute(_locking(keys).removeprefix("; "))
                    yield conn
                except BaseException:
                    await to_the_end(rollback())
                    raise
                try:
                    await to_the_end(raw.execute("COMMIT"), undo=rollback)
                except BaseException:
                    if raw.is_in_transaction():
                        await to_the_end(rollback())
                    raise
        run_all(callbacks)

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[PgConnection]:
        """A pooled connection outside a transaction, for statements that make their own."""
        async with self._connection() as raw:
            yield PgConnection(raw, self._catalog)

    async def vacuum(self) -> None:
        """VACUUM (ANALYZE) every table: PostgreSQL reuses freed space itself; this refreshes statistics."""
        async with self.alone() as conn:
            await conn.executescript("VACUUM (ANALYZE)")

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[PgConnection]:
        """One transaction for many small units of work of this task, on one pooled connection.

        Each `transaction()` of this task inside it is a SAVEPOINT; callbacks given to
        `after_commit()` run once it committed. Rolled back on any error or cancellation.
        """
        task = asyncio.current_task()
        assert task is not None, "a batch belongs to a task"
        async with self._connection() as raw:
            batch = PgBatch(raw, self._catalog)
            await to_the_end(batch.begin(), undo=batch.rollback)
            self._batches[task] = batch
            try:
                yield batch.conn
                await to_the_end(batch.commit(), undo=batch.rollback)
            except BaseException:
                await to_the_end(batch.rollback())
                raise
            finally:
                if self._batches.get(task) is batch:
                    del self._batches[task]
        batch.run_after_commit()

    @asynccontextmanager
    async def outside_batch(self) -> AsyncIterator[None]:
        """Around a network call: if this task's batch is open with no unit of work inside the
        current one, commit what it did so far (its row locks go), and go on afterwards.

        The names the open unit holds stay held meanwhile, as the session's own: the commit would
        let them go in the middle of its work, and the unit they keep out would act in between (a
        Remove finding no post yet). Should giving them back fail, the connection is closed, and
        the server lets them go with it."""
        batch = self._batch()
        if batch is None or len(batch.savepoints) > 1:
            yield
            return
        keys = batch.held_keys()
        session_held = bool(keys)
        try:
            await to_the_end(batch.commit(keep=keys), undo=batch.rollback)
            self.pauses += 1
            batch.active = False
            batch.run_after_commit()
            try:
                yield
            finally:
                await to_the_end(batch.begin(unlock=keys), undo=batch.rollback)
                session_held = False
                batch.active = True
        finally:
            if session_held:
                batch.raw.terminate()

    async def commit_batch(self) -> None:
        """Commit what this task's open batch wrote so far and go on in a new transaction."""
        batch = self._batch()
        assert batch is not None and not batch.savepoints
        await to_the_end(batch.commit(), undo=batch.rollback)
        batch.run_after_commit()
        await to_the_end(batch.begin(), undo=batch.rollback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once what this task wrote is committed: now, or at the end of its batch
        or transaction."""
        batch = self._batch()
        if batch is not None:
            batch.after_commit.append(callback)
        elif not self._commit_callbacks.add(callback):
            callback()

    async def notify(self, channel: str) -> None:
        """Wake the listeners of `channel` in every process; inside this task's batch, at its commit."""
        batch = self._batch()
        if batch is not None:
            await batch.conn.execute("SELECT pg_notify(?, '')", (channel,))
            return
        async with self._connection() as raw:
            await raw.execute("SELECT pg_notify($1, '')", channel)

    async def listen(self, channel: str) -> asyncio.Event:
        """An event set whenever `channel` is notified (by any process); the listener clears it."""
        event = self._wakeups.add(channel)
        async with self._listen_lock:
            if self._listener is None or self._listener.is_closed():
                self._listener = await asyncpg.connect(self.url)
                self._listener.add_termination_listener(self._listener_lost)
                self._listening = set()
            if channel not in self._listening:
                await self._listener.add_listener(channel, self._notified)
                self._listening.add(channel)
        return event

    def _notified(self, _conn, _pid, channel: str, _payload) -> None:
        self._wakeups.wake(channel)

    def _listener_lost(self, _conn) -> None:
        """The listening connection is gone (server restart): wake everyone, who then look for work
        and listen again through a new connection."""
        self._listening = set()
        self._wakeups.wake_all()
        if self._writers_pool is not None:
            asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        for delay in (0.5, 1, 2, 5, 10, 30):
            await asyncio.sleep(delay)
            if self._writers_pool is None:
                return
            try:
                async with self._listen_lock:
                    self._listener = await asyncpg.connect(self.url)
                    self._listener.add_termination_listener(self._listener_lost)
                    for channel in self._wakeups.channels():
                        await self._listener.add_listener(channel, self._notified)
                    self._listening = set(self._wakeups.channels())
                self._wakeups.wake_all()
                return
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("listening again: %s", error)


async def create_if_missing(url: str) -> bool:
    """Create the database `url` names if the server has none of that name (`wecreate-fed init`;
    the user needs CREATEDB); True when it was created."""
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        parts = urlsplit(url)
        name = unquote(parts.path.lstrip("/"))
        admin = await asyncpg.connect(urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, "")))
        try:
            await admin.execute('CREATE DATABASE "{}"'.format(name.replace('"', '""')))
        finally:
            await admin.close()
        return True
    await conn.close()
    return False


@asynccontextmanager
async def _savepoint(batch: PgBatch, keys: list[int] | None = None) -> AsyncIterator[PgConnection]:
    """A unit of work inside a batch: its writes are undone alone if it fails. The locks of `keys`
    (_lock_keys) go with its SAVEPOINT, and stay held until the batch ends."""
    locks = _locking(keys or [])
    raw = batch.raw
    name = batch.next_savepoint()
    release, batch.unreleased = (f"RELEASE {batch.unreleased}; " if batch.unreleased else ""), None
    try:
        await to_the_end(raw.execute(f"{release}SAVEPOINT {name}{locks}"))  # (sent even if cancelled meanwhile)
    except BaseException as error:
        if locks and raw.is_in_transaction() and batch.active:  # (a deadlock, a statement timeout)
            await to_the_end(raw.execute(f"ROLLBACK TO {name}; RELEASE {name}"))
        if isinstance(error, asyncpg.PostgresError):
            raise pg_conn.translated(error) from error
        raise
    batch.savepoints.append(name)
    if keys:
        batch.holding[name] = keys
    try:
        yield batch.conn
    except BaseException:
        batch.unreleased = None  # a unit inside this one is rolled back with it
        if raw.is_in_transaction() and batch.active:
            await to_the_end(raw.execute(f"ROLLBACK TO {name}; RELEASE {name}"))
        raise
    else:
        # Done and in the batch, with nothing to await here (as on SQLite, whose RELEASE does not
        # wait): a cancellation now comes at the caller's next await, not as an undone unit.
        batch.unreleased = name
    finally:
        batch.savepoints.remove(name)
        batch.holding.pop(name, None)


OBJECT_LOCKS = 1002  # advisory locks (this number, a hash of a name) of transaction(holding=…)


def _lock_keys(names: Iterable[str]) -> list[int]:
    """The advisory lock keys of `names`: integers made here (nothing of a name reaches the SQL),
    sorted, so that two transactions holding several never wait for each other in a circle."""
    return sorted({int.from_bytes(hashlib.blake2b(n.encode(), digest_size=4).digest(), "big", signed=True)
                   for n in names})


def _locking(keys: list[int], function: str = "pg_advisory_xact_lock") -> str:
    """The statement taking (or giving back) the keys' locks with `function`, in their order, to
    append to another statement ("; SELECT …"); "" for no keys."""
    if not keys:
        return ""
    return "; SELECT " + ", ".join(f"{function}({OBJECT_LOCKS}, {key})" for key in keys)
