"""What both backends share: times as text, reads in one step, statements awaited to their end."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta


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


def dialect_of(conn) -> str:
    """"sqlite" or "postgresql": for the few statements of the store that must differ."""
    return getattr(type(conn), "dialect", "sqlite")


CONTENTION = ("40P01", "40001", "55P03")  # PostgreSQL: deadlock detected, serialization failure, lock not available


def is_contention(error: BaseException) -> bool:
    """Two transactions waited for each other and the server gave up on this one: nothing is wrong
    with the work, which goes again later (PostgreSQL; SQLite's one writer never waits in a circle)."""
    return getattr(error, "sqlstate", None) in CONTENTION


async def lock_for_recount(conn, table: str, where: str, params=()) -> None:
    """Before a count is recomputed from its facts (`UPDATE t SET n = (SELECT count(*) …)`): on
    PostgreSQL the rows are locked first, so the recount's statement, which takes its snapshot
    after the lock, sees every fact committed by the transaction that held them. Without it two
    transactions adding a support each to one idea (two inbox batches, two worker processes)
    both counted without the other's, and the second write lost one. SQLite has one writer at a time."""
    if dialect_of(conn) == "postgresql":
        await conn.execute(f"SELECT 1 FROM {table} WHERE {where} FOR UPDATE", params)


async def to_the_end(operation: Awaitable, *, undo: Callable[[], Awaitable] | None = None) -> None:
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
            await to_the_end(undo())
        raise


def settle(batch: list, error: BaseException | None) -> None:
    for _, future in batch:
        if future.done():  # the caller gave up (its request was cancelled)
            continue
        if error is None:
            future.set_result(None)
        elif isinstance(error, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(error)


class GroupCommit:
    """`write_batched` for both backends: concurrent callers' items written in one write batch."""

    _waiting: dict
    _writers: dict
    batch: Callable  # the backend's batch(): an async context manager giving the batch's connection

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
            # A write batch: on SQLite one synchronous step on the loop's thread, so the write lock is
            # never held across turns of a busy event loop (through aiosqlite it was, for 3 hand-offs).
            async with self.batch() as conn:
                await write_many(conn, [item for item, _ in batch])
        except Exception as error:
            if len(batch) > 1:
                # One bad item must not fail the others: write them one transaction each.
                for entry in batch:
                    await self._write_batch(write_many, [entry])
                return
            settle(batch, error)
        except BaseException:
            settle(batch, asyncio.CancelledError())
            raise
        else:
            settle(batch, None)

    async def _flush_group_commits(self) -> None:
        if self._writers:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._writers.values(), return_exceptions=True), 10)


class Wakeups:
    """In-process wake-ups by channel name: every `listen` gets its own event, `wake` sets them all."""

    def __init__(self):
        self._events: dict[str, list[asyncio.Event]] = {}

    def add(self, channel: str) -> asyncio.Event:
        event = asyncio.Event()
        self._events.setdefault(channel, []).append(event)
        return event

    def wake(self, channel: str) -> None:
        for event in self._events.get(channel, ()):
            event.set()

    def wake_all(self) -> None:
        for channel in self._events:
            self.wake(channel)

    def channels(self) -> list[str]:
        return list(self._events)


# Reads run as one step in the database thread (execute and fetch together), so the cursor
# never outlives that step. Run as execute, fetch, close, a read whose task was cancelled
# (a client hanging up) could leave its cursor open, and with it a read transaction: every
# later read on that connection then saw the database as it was at that moment.

async def fetch_one(conn, sql: str, params=()):
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None


async def fetch_all(conn, sql: str, params=()) -> list:
    """The rows of a query, read in one step on the connection's thread.

    Execute, fetch and close in separate steps would leave the statement open between them,
    and with it a read transaction on the shared reader: another coroutine's read in between
    would see the database as it was when the first began (WAL snapshot), and a caller
    cancelled in between would leave it open for every later caller. In one step the
    statement is finished whatever happens to the caller.
    """
    return list(await conn.execute_fetchall(sql, params))


async def fetch_value(conn, sql: str, params=()):
    row = await fetch_one(conn, sql, params)
    return None if row is None else row[0]


class BatchState:
    """What a write batch keeps on either backend: the task it belongs to, its savepoints, and what
    runs once it committed (store/batch.py for SQLite, store/postgres.py for PostgreSQL)."""

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.savepoints: list[str] = []
        self.after_commit: list[Callable[[], None]] = []
        self.active = True  # False while paused (given back around a network call: outside_batch)
        self._serial = 0

    def owns_current_task(self) -> bool:
        return self.active and asyncio.current_task() is self.task

    def next_savepoint(self) -> str:
        self._serial += 1
        return f"unit_{self._serial}"

    def run_after_commit(self) -> None:
        callbacks, self.after_commit = self.after_commit, []
        for callback in callbacks:
            callback()


class CommitCallbacks:
    """The `after_commit()` callbacks of the plain transactions open in each task (a batch keeps
    its own). Without them a worker woken inside a transaction could look before the COMMIT, on
    PostgreSQL find nothing, and sleep until its next poll."""

    def __init__(self) -> None:
        self._open: dict[asyncio.Task | None, list[Callable[[], None]]] = {}

    @contextlib.contextmanager
    def collecting(self) -> Iterator[list[Callable[[], None]]]:
        """Around one transaction: what `add` collects meanwhile (run it after the COMMIT)."""
        task = asyncio.current_task()
        outer = self._open.get(task)
        mine: list[Callable[[], None]] = []
        self._open[task] = mine
        try:
            yield mine
        finally:
            if outer is None:
                del self._open[task]
            else:
                self._open[task] = outer

    def add(self, callback: Callable[[], None]) -> bool:
        """Keep `callback` for the end of this task's open transaction; False if none is open."""
        callbacks = self._open.get(asyncio.current_task())
        if callbacks is None:
            return False
        callbacks.append(callback)
        return True


def run_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()
