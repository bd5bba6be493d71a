"""Workers and their supervisor, on a real database: a poison row, a crashing worker, a hung round.

The inbox worker here is the real one, handling rows of the real `incoming` table through
the real dispatch; only the handler of a test-only activity type ("Ping") is registered
for the test, so that it can fail or hang on cue.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time

import pytest

import inbox.handlers
from actors import local as local_actors
from inbox.worker import InboxWorker
from tests.conftest import eventually, free_port, instance_config
from wecreate_fed import workers
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Database, iso, queue
from wecreate_fed.workers import Supervisor, Worker


@pytest.fixture
async def rt(tmp_path):
    config = instance_config(tmp_path, "leipzig", free_port())
    db = await Database(config.database_path).open()
    async with db.transaction() as conn:
        await local_actors.ensure_instance_actor(conn, config)
        await local_actors.create_account(conn, config, username="anna")
    yield Runtime(config=config, db=db, http=HttpClient.from_config(config))
    await db.close()


@pytest.fixture(autouse=True)
def _logs(caplog):
    caplog.set_level(logging.INFO)


class Pings:
    """The handler of "Ping" activities: records what it handled; fails or hangs on the rows it is told to."""

    def __init__(self):
        self.handled: list[str] = []
        self.failures: dict[str, int] = {}   # activity id -> how many more times it fails
        self.hang_on: set[str] = set()
        self.started: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, ctx, activity: dict, subject) -> None:
        self.started.append(activity["id"])
        if self.failures.get(activity["id"], 0) > 0:
            self.failures[activity["id"]] -= 1
            raise RuntimeError("poisoned")  # not a WeCreateError: a bug, as far as the worker knows
        if activity["id"] in self.hang_on:
            await self.release.wait()
        self.handled.append(activity["id"])


@pytest.fixture
def pings(monkeypatch):
    handler = Pings()
    # A Ping is about nothing we know: the resolver calls it ("Ping", "unknown").
    monkeypatch.setitem(inbox.handlers.INBOUND.handlers, ("Ping", "unknown"), handler)
    return handler


async def add_pings(rt, count: int) -> list[str]:
    """`count` stored incoming Pings signed by Anna; their ids in the order the worker takes them."""
    anna = f"{rt.config.base_url}/users/anna"
    ids = [f"{anna}#ping/{i}" for i in range(count)]
    async with rt.db.transaction() as conn:
        for activity_id in ids:
            await queue.add_incoming(conn, activity={"id": activity_id, "type": "Ping", "actor": anna},
                                     signer_ap_id=anna, recipient_username=None)
    return ids


async def rows(rt) -> dict[str, dict]:
    async with rt.db.reader.execute("SELECT * FROM incoming ORDER BY id") as cur:
        return {row["activity_ap_id"]: dict(row) for row in await cur.fetchall()}


async def make_due_now(rt) -> None:
    """Skip the back-off wait (ten seconds and more) instead of sleeping through it."""
    async with rt.db.transaction() as conn:
        await conn.execute("UPDATE incoming SET next_attempt_at = ? WHERE state = 'pending'", (iso(),))
    rt.inbox_wakeup.set()


async def test_a_poison_row_is_recorded_and_retried_while_the_others_go_through(rt, pings, caplog):
    # Given six stored activities, the first of which makes its handler raise twice
    poison, *others = await add_pings(rt, 6)
    pings.failures[poison] = 2

    # When the inbox worker runs one round
    assert await InboxWorker(rt).run_once() == 6

    # Then the others are handled, and the poison row is kept with its attempt and error, backed off
    assert pings.handled == others
    stored = await rows(rt)
    assert all(stored[i]["state"] == "done" and stored[i]["attempts"] == 1 for i in others)
    row = stored[poison]
    assert row["state"] == "pending" and row["attempts"] == 1 and row["locked_until"] is None
    assert row["last_error"] == "internal error: RuntimeError('poisoned')"
    assert row["next_attempt_at"] > iso()
    assert any("handler for" in r.getMessage() and poison in r.getMessage() for r in caplog.records)

    # And once it falls due, a supervised worker retries it until it goes through
    await make_due_now(rt)
    supervisor = Supervisor()
    supervisor.start(InboxWorker(rt))
    try:
        await eventually(lambda: _attempts(rt, poison, 2), message="second attempt")
        await make_due_now(rt)
        await eventually(lambda: _state(rt, poison, "done"), message="poison row handled at last")
    finally:
        await supervisor.stop()
    row = (await rows(rt))[poison]
    assert row["attempts"] == 3 and row["last_error"] is None
    assert pings.handled == others + [poison] and pings.started.count(poison) == 3
    assert not supervisor.restarts  # a failing row never crashed the worker


async def _attempts(rt, activity_id: str, attempts: int) -> bool:
    return (await rows(rt))[activity_id]["attempts"] == attempts


async def _state(rt, activity_id: str, state: str) -> bool:
    return (await rows(rt))[activity_id]["state"] == state


class Crashing(Worker):
    """A worker whose rounds raise (a bug, a lost database) the first `crashes` times."""

    name = "crashing"

    def __init__(self, crashes: int):
        super().__init__(asyncio.Event())
        self.crashes = crashes
        self.starts: list[float] = []
        self.healthy = asyncio.Event()

    async def run_once(self) -> int:
        self.starts.append(time.monotonic())
        if len(self.starts) <= self.crashes:
            raise RuntimeError(f"crash {len(self.starts)}")
        self.healthy.set()
        return 0


async def test_the_supervisor_restarts_a_crashed_worker_with_growing_back_off(monkeypatch, caplog):
    monkeypatch.setattr(workers, "RESTART_FIRST", 0.05)
    worker = Crashing(crashes=3)
    supervisor = Supervisor()
    supervisor.start(worker)
    try:
        await asyncio.wait_for(worker.healthy.wait(), 5)
    finally:
        await supervisor.stop(grace=1)
    assert supervisor.restarts == {"crashing": 3}
    gaps = [later - earlier for earlier, later in itertools.pairwise(worker.starts)]
    # 0.05 s, then doubling (a loaded machine may make a gap longer, never shorter)
    assert [round(g, 2) >= expected for g, expected in zip(gaps, (0.05, 0.1, 0.2), strict=False)] == [True] * 3, gaps
    assert gaps[2] > gaps[0] * 2
    crashes = [r for r in caplog.records if "crashing crashed" in r.getMessage()]
    assert len(crashes) == 3 and all(r.exc_info for r in crashes)  # logged with their traceback


async def test_stop_does_not_wait_out_the_back_off_of_a_crashed_worker(monkeypatch):
    monkeypatch.setattr(workers, "RESTART_FIRST", 30.0)
    worker = Crashing(crashes=1_000)
    supervisor = Supervisor()
    supervisor.start(worker)
    await eventually(lambda: worker.starts, message="the first crash")
    started = time.monotonic()
    await supervisor.stop()
    assert time.monotonic() - started < 1.0
    assert len(worker.starts) == 1


class Hanging(Worker):
    """A worker whose round never ends by itself (a handler waiting on something that never comes)."""

    name = "hanging"

    def __init__(self):
        super().__init__(asyncio.Event())
        self.entered = asyncio.Event()
        self.cancelled = False

    async def run_once(self) -> int:
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return 1


async def test_stop_returns_within_its_grace_even_if_a_round_hangs():
    worker = Hanging()
    supervisor = Supervisor()
    supervisor.start(worker)
    await asyncio.wait_for(worker.entered.wait(), 5)
    started = time.monotonic()
    await asyncio.wait_for(supervisor.stop(grace=0.3), 5)
    assert 0.3 <= time.monotonic() - started < 1.5
    assert worker.cancelled and not supervisor.workers


async def test_stop_releases_the_claimed_rows_of_a_hung_round_so_the_next_start_takes_them_at_once(rt, pings):
    # Given a worker that claimed a batch and hangs in the handler of its third row
    ids = await add_pings(rt, 8)
    pings.hang_on.add(ids[2])
    supervisor = Supervisor()
    supervisor.start(InboxWorker(rt))
    rt.inbox_wakeup.set()
    await eventually(lambda: ids[2] in pings.started, message="the third row under way")
    claimed = await rows(rt)
    assert all(claimed[i]["locked_until"] is not None for i in ids[2:])

    # When the process stops: the hung round is cancelled after the grace
    started = time.monotonic()
    await supervisor.stop(grace=0.3)
    assert time.monotonic() - started < 2.0

    # Then the rows handled are done, and every other claimed row is free again, not attempted
    stored = await rows(rt)
    assert [stored[i]["state"] for i in ids] == ["done", "done"] + ["pending"] * 6
    assert all(stored[i]["locked_until"] is None and stored[i]["attempts"] == 0 for i in ids[2:])
    # And the next worker takes them at once, without waiting for a lease to run out
    pings.hang_on.clear()
    assert await InboxWorker(rt).run_once() == 6
    assert pings.handled == ids[:2] + ids[2:]
    assert all(row["state"] == "done" for row in (await rows(rt)).values())


async def test_a_round_in_progress_finishes_its_row_at_stop_and_releases_the_rest(rt, pings):
    # Given a worker in the handler of its first row, which ends soon after the stop begins
    ids = await add_pings(rt, 5)
    pings.hang_on.add(ids[0])
    supervisor = Supervisor()
    supervisor.start(InboxWorker(rt))
    rt.inbox_wakeup.set()
    await eventually(lambda: pings.started, message="the first row under way")

    async def end_the_handler_soon():
        await asyncio.sleep(0.1)
        pings.release.set()
    asyncio.ensure_future(end_the_handler_soon())
    started = time.monotonic()
    await supervisor.stop(grace=5)

    # Then it did not wait out its grace: the row under way was finished, the others released
    assert time.monotonic() - started < 2.0
    stored = await rows(rt)
    assert [stored[i]["state"] for i in ids] == ["done"] + ["pending"] * 4
    assert all(stored[i]["locked_until"] is None and stored[i]["attempts"] == 0 for i in ids[1:])
    assert pings.started == ids[:1]


class Stubborn(Worker):
    """A worker whose round swallows its cancellation (a bug) and goes on until told to give in."""

    name = "stubborn"

    def __init__(self):
        super().__init__(asyncio.Event())
        self.entered = asyncio.Event()
        self.give_in = False

    async def run_once(self) -> int:
        self.entered.set()
        while not self.give_in:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)
        return 1


async def test_stop_returns_even_if_a_round_swallows_its_cancellation(caplog):
    worker = Stubborn()
    supervisor = Supervisor()
    supervisor.start(worker)
    task = supervisor._tasks[0]
    await asyncio.wait_for(worker.entered.wait(), 5)
    started = time.monotonic()
    await asyncio.wait_for(supervisor.stop(grace=0.3), 5)
    assert time.monotonic() - started < 1.5
    assert any("stubborn did not stop" in r.getMessage() for r in caplog.records)
    worker.give_in = True  # (the test's own clean-up)
    await asyncio.wait_for(task, 5)


async def test_the_grace_counts_from_begin_stop():
    # At SIGTERM the workers are told to stop while the server still drains its connections;
    # the stop that follows waits only for what is left of the grace.
    worker = Hanging()
    supervisor = Supervisor()
    supervisor.start(worker)
    await asyncio.wait_for(worker.entered.wait(), 5)
    supervisor.begin_stop()
    assert worker.stopping.is_set()
    await asyncio.sleep(0.4)
    started = time.monotonic()
    await supervisor.stop(grace=0.5)
    assert time.monotonic() - started < 0.4
    assert worker.cancelled
