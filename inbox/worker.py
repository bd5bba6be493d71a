"""The inbox worker: claims stored activities and runs their one handler; errors are recorded and retried.

A claimed batch is handled in one write batch (store/batch.py): every row's effects and every
row's outcome commit together, each row inside its own savepoint, so a row that fails rolls
back alone and is retried alone, and a crash repeats only the batch under way, whose effects
were rolled back with it (the claim commits before, so its leases are seen by everyone).
A batch takes at most BATCH_SECONDS of CPU without giving the loop away (on SQLite its
statements run inline: the whole batch); rows not reached are given back in the same
transaction and come first in the next claim. The worker then leaves the loop to others for as
long as it held it (unless nobody is waiting), so under load the inbox gets half the loop at
least, and a worker that keeps up (small batches) takes only what it needs.

On PostgreSQL every statement gives the loop away, so a batch is bounded by its rows' time
(BATCH_WALL_SECONDS) instead. The CPU a row takes is that of the worker's own steps (`OwnCpu`):
the thread's clock, read around a row, counted the inbox requests that ran while it awaited
PostgreSQL as the row's, and under a burst a batch ended after a row or two, with ten round
trips of claim, commit and give-back around it, each a turn of a loop crowded with requests
(~6 ms): the worker handled 13 rows/s against SQLite's 153 (benchmarks/README.md).
A row there awaits about six round trips (seven and a half before a unit's RELEASE went with the
next SAVEPOINT: store/postgres.py PgBatch), so a process runs SIDE_BY_SIDE_PG batches side by
side (claims skip each other's rows, as those of other processes; one sender's rows may then be
handled in either order, FEDERATION.md): alone, 1,870 rows/s with one, 2,620 with two
(benchmarks/inbox_worker.py). SQLite has one writer: its batches follow each other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

from wecreate_fed import retry
from wecreate_fed.errors import BadRequest, FetchError, Forbidden, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import is_contention, queue
from wecreate_fed.store.actors import Actor
from wecreate_fed.workers import Worker

from . import backlog
from .handlers import HandlerContext, dispatch, one_at_a_time

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_MIN, BATCH_MAX = 10, 400   # rows claimed at once; the size follows what fits in BATCH_SECONDS
BATCH_SECONDS = 0.01  # CPU a batch may take without giving the loop away
BATCH_WALL_SECONDS = 1.0  # and the rows' time in all (PostgreSQL, whose statements give the loop away)
IDLE_TURN_SECONDS = 0.0002  # a turn of the loop this short ran nothing but us
LOCK_SECONDS = 300.0
SIDE_BY_SIDE_PG = 2  # inbox workers a process runs on PostgreSQL
# Errors that will not go away by trying again: the activity itself is wrong (or its object deleted).
PERMANENT = (BadRequest, Forbidden, Gone, NotFound)


def side_by_side(rt: Runtime) -> int:
    """How many inbox workers this process runs: one on SQLite, SIDE_BY_SIDE_PG on PostgreSQL."""
    return SIDE_BY_SIDE_PG if rt.db.dialect == "postgresql" else 1


class InboxWorker(Worker):
    name = "inbox-worker"

    def __init__(self, rt: Runtime, number: int = 1):
        super().__init__(rt.inbox_wakeup)
        if number > 1:
            self.name = f"inbox-worker-{number}"
        self.rt = rt
        self._claimed: set[int] = set()
        self._limit = 50

    async def run_once(self) -> int:
        """Claim one batch of due rows and handle them in one transaction; returns how many were claimed."""
        rt = self.rt
        await backlog.recount_if_due(rt)
        loop = asyncio.get_running_loop()
        outcomes: list[tuple[int, str | None, float | None]] = []
        stopped: asyncio.CancelledError | None = None
        async with rt.db.batch() as conn:
            began = loop.time()
            rows = await queue.claim_incoming(conn, limit=self._limit, lock_seconds=LOCK_SECONDS,
                                              owner=rt.process_id)
            if not rows:
                return 0
            # Known as claimed before the commit: a cancellation while it runs comes after it is
            # done (PostgreSQL awaits it), and release() must give these rows back then.
            self._claimed.update(row["id"] for row in rows)
            await rt.db.commit_batch()  # the claim first: its leases are seen by everyone
            # The signers in one statement, as the reader sees them (as it saw them row by row:
            # not what this batch writes before its commit).
            signers = await actors_store.get_actors_by_ap_ids(
                rt.db.reader, sorted({row["signer_ap_id"] for row in rows}))
            # `held`: the CPU time the batch took since it last gave the loop away, counted in the
            # rows' own steps (on a crowded machine wall time counts others' work too, and so does
            # the thread's clock while a row awaits PostgreSQL). On SQLite the statements run
            # inline and the whole batch is one stretch; on PostgreSQL each statement gives the
            # loop away, so only the rows' wall time bounds the batch (BATCH_WALL_SECONDS: its
            # transaction stays short). A row that waited for the network (its batch paused:
            # outside_batch) is counted in neither.
            held = busy = 0.0
            for row in rows:
                if self.stopping.is_set() or (outcomes and (held > BATCH_SECONDS or busy > BATCH_WALL_SECONDS)):
                    break  # the rest is given back below, and taken first by the next claim
                handling = OwnCpu(self._handle_row(row, signers.get(row["signer_ap_id"])))
                # (the database's pauses are any batch's: beside another batch, a row may go uncounted)
                pauses, started = rt.db.pauses, loop.time()
                try:
                    error, delay = await handling
                except asyncio.CancelledError as cancelled:  # stopped: keep what is done, give back the rest
                    stopped = cancelled
                    break
                if rt.db.pauses == pauses:
                    held = handling.last if handling.suspended else held + handling.seconds
                    busy += loop.time() - started
                outcomes.append((row["id"], error, delay))
            written = conn.in_transaction  # (not if a second cancellation cut a network pause short)
            if written:
                await queue.mark_incoming_outcomes(conn, outcomes)
                await queue.release_incoming(conn, [row["id"] for row in rows[len(outcomes):]])
        if written:
            self._claimed.difference_update(row["id"] for row in rows)
        if stopped is not None:
            raise stopped
        backlog.finished(rt, sum(1 for _, error, delay in outcomes if error is None or delay is None))
        # Fewer rows next time if this batch ran out of time, more if it had time left.
        self._limit = (max(BATCH_MIN, len(outcomes)) if len(outcomes) < len(rows)
                       else min(BATCH_MAX, self._limit * 2) if len(rows) == self._limit else self._limit)
        await self._give_way(min(loop.time() - began, held + 0.001))
        return len(rows)

    async def _give_way(self, took: float) -> None:
        """The inbox's turn: this batch ran without giving the loop away. Others get as long as it
        took, one turn of the loop at a time; once a turn comes back at once, nobody else is waiting."""
        loop = asyncio.get_running_loop()
        given = 0.0
        while given < took:
            turn = loop.time()
            await asyncio.sleep(0)
            if loop.time() - turn < IDLE_TURN_SECONDS:
                return
            given += loop.time() - turn

    async def next_due(self) -> str | None:
        return await queue.next_incoming_due(self.rt.db.reader)

    async def release(self) -> None:
        if self._claimed:
            async with self.rt.db.transaction() as conn:
                await queue.release_incoming(conn, sorted(self._claimed), owner=self.rt.process_id)
            self._claimed.clear()

    async def _handle_row(self, row, signer: Actor | None) -> tuple[str | None, float | None]:
        """Run the row's handler in a savepoint of the batch; (error, retry delay) or (None, None)."""
        rt = self.rt
        try:
            activity = json.loads(row["data"])
            if signer is None:
                raise NotFound(f"the signer {row['signer_ap_id']} is no longer known")
            # The row's savepoint: its effects go or stay together.
            async with rt.db.transaction(holding=one_at_a_time(activity)):
                await dispatch(HandlerContext(rt, signer, row["recipient_username"]), activity)
        except PERMANENT as e:
            error, delay = f"{type(e).__name__}: {e}", None
        except (FetchError, WeCreateError, OSError) as e:
            error, delay = f"{type(e).__name__}: {e}", retry.inbox_delay(row["attempts"])
        except Exception as e:  # a bug in a handler: keep the row, record why, retry later
            if is_contention(e):  # (waited in a circle with another batch: nothing is wrong)
                error, delay = f"{type(e).__name__}: {e}", retry.inbox_delay(row["attempts"])
            else:
                log.exception("handler for %s failed", row["activity_ap_id"])
                error, delay = f"internal error: {e!r}", retry.inbox_delay(row["attempts"])
        else:
            return None, None
        log.info("incoming %s: %s", row["activity_ap_id"], error)
        return error, delay


class OwnCpu(Generic[T]):
    """Awaits a coroutine and counts the CPU time of its own steps only (from each resumption to
    its next suspension), not what other tasks ran while it waited: `seconds` in all, `last` of
    its last step, `suspended` if it gave the loop away at all."""

    def __init__(self, coro: Coroutine[Any, Any, T]):
        self.coro = coro
        self.seconds = self.last = 0.0
        self.suspended = False

    def __await__(self) -> Generator[Any, Any, T]:
        coro, value, error = self.coro, None, None
        while True:
            began = time.thread_time()
            try:
                step = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as done:
                return done.value
            finally:
                self.last = time.thread_time() - began
                self.seconds += self.last
            self.suspended = True
            try:
                value, error = (yield step), None
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as thrown:  # a cancellation, delivered to the coroutine where it waits
                value, error = None, thrown


async def run_once(rt: Runtime) -> int:
    """One round of an inbox worker (tests drive a paused instance with it)."""
    return await InboxWorker(rt).run_once()
