"""A write batch: many small units of work in one transaction, each statement run at once.

The inbox worker handles a claimed batch of rows in one transaction. Through aiosqlite each
statement is a hand-off to the connection's thread and back to the event loop (150-450 µs
each on a busy loop, several per row: most of a row's cost). A batch instead runs on its own
sqlite3 connection in the event loop's thread: its statements are small and indexed (tens of
µs) and the WAL lets readers and this one writer go on together; checkpoints, the one slow
thing, are left to the aiosqlite writer (wal_autocheckpoint is off here). `InlineConnection`
keeps aiosqlite's API, so the store's functions take it like any other connection.

While a batch is open in a task, that task's `Database.transaction()` is a SAVEPOINT in it
(a failing unit rolls back alone) and its `Database.reader` is the batch connection (it
sees the batch's own writes). Other tasks are unaffected; their writes wait for the lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite

from .core import BatchState

BUSY_RETRY_SECONDS = 0.05


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's Connection, with every statement run in the calling thread, without a hand-off."""

    def __init__(self, raw: sqlite3.Connection):
        super().__init__(lambda: raw, iter_chunk_size=64)  # (its thread is never started)
        self._connection = raw

    async def _execute(self, fn, *args, **kwargs):
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._running = False


def connect_inline(path: Path) -> InlineConnection:
    raw = sqlite3.connect(path, isolation_level=None)
    raw.row_factory = sqlite3.Row
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL",
                   # Never wait inside the event loop's thread: BEGIN is retried with an async sleep.
                   "busy_timeout=0",
                   # A checkpoint writes and syncs the database file: the aiosqlite writer does it.
                   "wal_autocheckpoint=0"):
        raw.execute(f"PRAGMA {pragma}")
    return InlineConnection(raw)


class Batch(BatchState):
    """One open batch: its connection, the task it belongs to, its savepoints, what runs after COMMIT."""

    def __init__(self, conn: InlineConnection):
        super().__init__()
        self.conn = conn
        self.holds_lock = True

    async def begin(self) -> None:
        """BEGIN IMMEDIATE and the savepoints that were open; another process writing: wait, async."""
        raw = self.conn._conn
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                await asyncio.sleep(BUSY_RETRY_SECONDS)
        for name in self.savepoints:
            raw.execute(f"SAVEPOINT {name}")

    def commit(self) -> None:
        self.conn._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn._conn.in_transaction:
            self.conn._conn.execute("ROLLBACK")

