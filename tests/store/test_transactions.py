"""A transaction cancelled at any point leaves the shared writer connection usable and nothing half-written."""

from __future__ import annotations

import asyncio

import pytest

from wecreate_fed import store
from wecreate_fed.store import Database, fetch_one, fetch_value


@pytest.fixture
async def db(tmp_path):
    database = await Database(tmp_path / "t.db").open()
    async with database.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    yield database
    await database.close()


async def _write_two(db: Database, n: int, started: asyncio.Event | None = None) -> None:
    async with db.transaction() as conn:
        if started is not None:
            started.set()
        await conn.execute("INSERT INTO t VALUES (?)", (n,))
        await asyncio.sleep(0)
        await conn.execute("INSERT INTO t VALUES (?)", (n,))


async def _cancel_after(operation, steps: int) -> None:
    """Run `operation` for `steps` turns of the event loop, then cancel it (it may have finished by then)."""
    task = asyncio.ensure_future(operation)
    for _ in range(steps):
        await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


@pytest.mark.parametrize("steps", range(0, 12))
async def test_cancelled_after_any_number_of_steps_leaves_all_or_nothing(db, steps):
    await _cancel_after(_write_two(db, 7), steps)
    count = await fetch_value(db.reader, "SELECT count(*) FROM t WHERE n = 7")
    assert count in (0, 2)
    # The next writer is not inside someone else's transaction.
    await _write_two(db, 8)
    assert await fetch_value(db.reader, "SELECT count(*) FROM t WHERE n = 8") == 2
    assert not db._writer.in_transaction


async def test_many_writers_cancelled_while_waiting_for_the_lock(db):
    tasks = [asyncio.ensure_future(_write_two(db, i)) for i in range(40)]
    for i, task in enumerate(tasks):
        if i % 3 == 0:
            task.cancel()
        await asyncio.sleep(0)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, asyncio.CancelledError)]
    for i in range(40):
        assert await fetch_value(db.reader, "SELECT count(*) FROM t WHERE n = ?", (i,)) in (0, 2)
    await _write_two(db, 99)


async def test_an_error_in_the_body_rolls_back_and_is_raised(db):
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (5)")
            raise ZeroDivisionError
    assert await fetch_value(db.reader, "SELECT count(*) FROM t WHERE n = 5") == 0
    await _write_two(db, 6)


async def test_close_is_bounded_and_final(tmp_path):
    database = await Database(tmp_path / "c.db").open()
    started = asyncio.Event()
    task = asyncio.ensure_future(_write_two(database, 1, started))
    await started.wait()
    task.cancel()
    await asyncio.wait_for(database.close(), 15)


@pytest.mark.parametrize("steps", range(0, 30))
async def test_a_read_cancelled_at_any_step_leaves_the_reader_seeing_new_commits(db, steps):
    """A SELECT cut short must not leave its statement open: the shared reader would keep an old snapshot."""
    await _write_two(db, 1)  # rows to read, so the SELECT's statement stays open until its cursor is closed
    await _cancel_after(fetch_one(db.reader, "SELECT n FROM t"), steps)
    await _write_two(db, 3)
    assert await fetch_value(db.reader, "SELECT count(*) FROM t WHERE n = 3") == 2


@pytest.mark.parametrize("read", ["fetch_one", "fetch_all", "fetch_value"])
async def test_each_read_function_cancelled_mid_read_leaves_the_reader_seeing_new_commits(db, read):
    # Enough rows that a sorted read takes a few steps of the event loop.
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(2000)])
    function = getattr(store, read)
    for steps in range(12):
        await _cancel_after(function(db.reader, "SELECT n FROM t ORDER BY -n"), steps)
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (-1)")
        # (a cursor left open would keep the reader in the snapshot of that moment)
        assert await fetch_value(db.reader, "SELECT count(*) FROM t WHERE n = -1") == steps + 1, steps
