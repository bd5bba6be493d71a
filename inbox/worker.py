"""The inbox worker: claims stored activities and runs their one handler; errors are recorded and retried."""

from __future__ import annotations

import json
import logging

from wecreate_fed import retry
from wecreate_fed.errors import BadRequest, FetchError, Forbidden, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import queue
from wecreate_fed.workers import Worker

from .handlers import HandlerContext, dispatch

log = logging.getLogger(__name__)

BATCH = 50
LOCK_SECONDS = 300.0
# Errors that will not go away by trying again: the activity itself is wrong (or its object deleted).
PERMANENT = (BadRequest, Forbidden, Gone, NotFound)


class InboxWorker(Worker):
    name = "inbox-worker"

    def __init__(self, rt: Runtime):
        super().__init__(rt.inbox_wakeup)
        self.rt = rt
        self._claimed: set[int] = set()

    async def run_once(self) -> int:
        """Claim one batch of due rows and handle them one by one; returns how many were claimed."""
        async with self.rt.db.transaction() as conn:
            rows = await queue.claim_incoming(conn, limit=BATCH, lock_seconds=LOCK_SECONDS, owner=self.rt.process_id)
        self._claimed.update(row["id"] for row in rows)
        for row in rows:
            if self.stopping.is_set():
                break  # the rest is released at stop and taken first after a restart
            await self._handle_row(row)
            self._claimed.discard(row["id"])
        return len(rows)

    async def next_due(self) -> str | None:
        return await queue.next_incoming_due(self.rt.db.reader)

    async def release(self) -> None:
        if self._claimed:
            async with self.rt.db.transaction() as conn:
                await queue.release_incoming(conn, sorted(self._claimed))
            self._claimed.clear()

    async def _handle_row(self, row) -> None:
        rt = self.rt
        error, delay = None, None
        try:
            activity = json.loads(row["data"])
            signer = await actors_store.get_actor_by_ap_id(rt.db.reader, row["signer_ap_id"])
            if signer is None:
                raise NotFound(f"the signer {row['signer_ap_id']} is no longer known")
            await dispatch(HandlerContext(rt, signer, row["recipient_username"]), activity)
        except PERMANENT as e:
            error = f"{type(e).__name__}: {e}"
        except (FetchError, WeCreateError, OSError) as e:
            error, delay = f"{type(e).__name__}: {e}", retry.inbox_delay(row["attempts"])
        except Exception as e:  # a bug in a handler: keep the row, record why, retry later
            log.exception("handler for %s failed", row["activity_ap_id"])
            error, delay = f"internal error: {e!r}", retry.inbox_delay(row["attempts"])
        async with rt.db.transaction() as conn:
            if error is None:
                await queue.mark_incoming_done(conn, row["id"])
            else:
                log.info("incoming %s: %s", row["activity_ap_id"], error)
                await queue.mark_incoming_retry(conn, row["id"], error, delay)


async def run_once(rt: Runtime) -> int:
    """One round of an inbox worker (tests drive a paused instance with it)."""
    return await InboxWorker(rt).run_once()
