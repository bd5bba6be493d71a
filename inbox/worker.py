"""The inbox worker: claims stored activities and runs their one handler; errors are recorded and retried.

A claimed batch is handled in one write batch (store/batch.py): every row's effects and every
row's outcome commit together, each row inside its own savepoint, so a row that fails rolls
back alone and is retried alone, and a crash repeats only the batch under way, whose effects
were rolled back with it (the claim commits before, so its leases are seen by everyone).
A batch takes at most BATCH_SECONDS of CPU (its statements run without giving the
loop away); rows not reached are given back in the same transaction and come first in the
next claim. The worker then leaves the loop to others for as long as the batch took (unless
nobody is waiting), so under load the inbox gets half the loop at least, and a worker that
keeps up (small batches) takes only what it needs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from wecreate_fed import retry
from wecreate_fed.errors import BadRequest, FetchError, Forbidden, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import queue
from wecreate_fed.workers import Worker

from . import backlog
from .handlers import HandlerContext, dispatch

log = logging.getLogger(__name__)

BATCH_MIN, BATCH_MAX = 10, 400   # rows claimed at once; the size follows what fits in BATCH_SECONDS
BATCH_SECONDS = 0.01
IDLE_TURN_SECONDS = 0.0002  # a turn of the loop this short ran nothing but us
LOCK_SECONDS = 300.0
# Errors that will not go away by trying again: the activity itself is wrong (or its object deleted).
PERMANENT = (BadRequest, Forbidden, Gone, NotFound)


class InboxWorker(Worker):
    name = "inbox-worker"

    def __init__(self, rt: Runtime):
        super().__init__(rt.inbox_wakeup)
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
            # The rows' CPU time: on a crowded machine wall time counts others' work too, and a row
            # that waited for the network (the loop ran others meanwhile) is not counted.
            spent = 0.0
            for row in rows:
                if self.stopping.is_set() or (outcomes and spent > BATCH_SECONDS):
                    break  # the rest is given back below, and taken first by the next claim
                cpu, pauses = time.thread_time(), rt.db.pauses
                try:
                    error, delay = await self._handle_row(row)
                except asyncio.CancelledError as cancelled:  # stopped: keep what is done, give back the rest
                    stopped = cancelled
                    break
                if rt.db.pauses == pauses:
                    spent += time.thread_time() - cpu
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
        await self._give_way(min(loop.time() - began, spent + 0.001))
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

    async def _handle_row(self, row) -> tuple[str | None, float | None]:
        """Run the row's handler in a savepoint of the batch; (error, retry delay) or (None, None)."""
        rt = self.rt
        try:
            activity = json.loads(row["data"])
            signer = await actors_store.get_actor_by_ap_id(rt.db.reader, row["signer_ap_id"])
            if signer is None:
                raise NotFound(f"the signer {row['signer_ap_id']} is no longer known")
            async with rt.db.transaction():  # the row's savepoint: its effects go or stay together
                await dispatch(HandlerContext(rt, signer, row["recipient_username"]), activity)
        except PERMANENT as e:
            error, delay = f"{type(e).__name__}: {e}", None
        except (FetchError, WeCreateError, OSError) as e:
            error, delay = f"{type(e).__name__}: {e}", retry.inbox_delay(row["attempts"])
        except Exception as e:  # a bug in a handler: keep the row, record why, retry later
            log.exception("handler for %s failed", row["activity_ap_id"])
            error, delay = f"internal error: {e!r}", retry.inbox_delay(row["attempts"])
        else:
            return None, None
        log.info("incoming %s: %s", row["activity_ap_id"], error)
        return error, delay


async def run_once(rt: Runtime) -> int:
    """One round of an inbox worker (tests drive a paused instance with it)."""
    return await InboxWorker(rt).run_once()
