"""open_database(url) on the backend of this run (SQLite, or PostgreSQL with WECREATE_TEST_DATABASE):
the same API on both, migrated, with dialect, url and in-process wake-ups."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from wecreate_fed import store, wakeups
from wecreate_fed.store import dialect_of, fetch_value
from wecreate_fed.wakeups import Wakeup


async def test_open_database_gives_a_migrated_database_with_the_same_api(database_url):
    db = await store.open_database(database_url)
    try:
        assert db.url == database_url
        assert db.dialect == dialect_of(db.reader) == ("postgresql" if database_url.startswith("postgres") else "sqlite")
        last = max(number for number, _, _ in store.migrations(db.dialect))
        assert await fetch_value(db.reader, "SELECT max(version) FROM schema_migrations") == last
        async with db.transaction() as conn:
            cur = await conn.execute("INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?)",
                                     ("k", "v", store.iso()))
            assert cur.rowcount == 1
        async with db.batch() as conn:
            async with db.transaction() as unit:
                assert dialect_of(unit) == db.dialect
                await unit.execute("UPDATE settings SET value = ? WHERE key = ?", ("w", "k"))
            assert await fetch_value(db.reader, "SELECT value FROM settings WHERE key = 'k'") == "w"
    finally:
        await db.close()


async def test_notify_wakes_every_listener_of_its_channel_after_commit(database_url):
    db = await store.open_database(database_url)
    try:
        first, second, other = await db.listen("inbox"), await db.listen("inbox"), await db.listen("civic")
        async with db.batch():
            await db.notify("inbox")
            await asyncio.sleep(0.1)
            assert not first.is_set()  # not before the batch committed
        await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 5)
        assert not other.is_set()
    finally:
        await db.close()


async def test_after_commit_in_a_transaction_waits_for_its_commit_and_a_rollback_drops_it(database_url):
    """A worker woken inside a transaction must find the rows: on PostgreSQL its claim does not
    wait for the COMMIT, so the wake-up may not come before it (a mail that waited 30 s)."""
    db = await store.open_database(database_url)
    ran: list[str] = []
    seen: list[object] = []
    rt = SimpleNamespace(db=db, inbox_wakeup=Wakeup(), delivery_wakeup=Wakeup(), civic_wakeup=Wakeup(),
                         mail_wakeup=Wakeup())
    try:
        wakeups.share(rt)
        elsewhere = await db.listen("wecreate_civic")  # another process's civic worker
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?)",
                               ("after", "commit", store.iso()))
            db.after_commit(lambda: ran.append("committed"))
            rt.civic_wakeup.set()
            await asyncio.sleep(0.1)
            assert ran == [] and not rt.civic_wakeup.is_set() and not elsewhere.is_set()
        assert ran == ["committed"] and rt.civic_wakeup.is_set()
        await asyncio.wait_for(elsewhere.wait(), 5)
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                db.after_commit(lambda: ran.append("rolled back"))
                raise RuntimeError("the unit failed")
        assert ran == ["committed"]
        db.after_commit(lambda: seen.append("now"))  # outside any transaction: at once
        assert seen == ["now"]
    finally:
        await db.close()


def test_a_url_of_another_kind_is_refused():
    with pytest.raises(ValueError, match="not a database URL"):
        store.database_for("mysql://localhost/x")


async def test_the_configured_pool_size_bounds_the_write_connections(database_url):
    """[database] pool_size: on PostgreSQL a third transaction waits for one of two connections;
    SQLite opens as before (one writer, whatever the size says)."""
    db = await store.open_database(database_url, pool_size=2, read_pool_size=1)
    release = asyncio.Event()
    try:
        if db.dialect == "sqlite":
            assert await fetch_value(db.reader, "SELECT 1") == 1
            return
        holding = 0

        async def hold():
            nonlocal holding
            async with db.transaction():
                holding += 1
                await release.wait()
        holders = [asyncio.create_task(hold()) for _ in range(2)]
        while holding < 2:
            await asyncio.sleep(0.01)
        with pytest.raises(TimeoutError):  # both connections of the pool are taken
            await asyncio.wait_for(_one_transaction(db), 0.5)
        release.set()
        await asyncio.gather(*holders)
        assert await asyncio.wait_for(_one_transaction(db), 10) == 1
        # reads outside a transaction: one connection, used in turn
        assert await asyncio.gather(*(fetch_value(db.reader, "SELECT 1") for _ in range(5))) == [1] * 5
    finally:
        release.set()
        await db.close()


async def _one_transaction(db) -> int:
    async with db.transaction() as conn:
        return await fetch_value(conn, "SELECT 1")
