"""The inbox worker: claims stored activities and runs their handler; errors are recorded and retried."""

from __future__ import annotations

import json
import logging

from wecreate_fed import retry
from wecreate_fed.errors import BadRequest, FetchError, Forbidden, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import queue
from wecreate_fed.workers import wait_for_work

from .handlers import HANDLERS, HandlerContext

log = logging.getLogger(__name__)

BATCH = 50
LOCK_SECONDS = 300.0
# Errors that will not go away by trying again: the activity itself is wrong.
PERMANENT = (BadRequest, Forbidden, NotFound)


async def run(rt: Runtime) -> None:
    """Handle incoming activities until cancelled."""
    while True:
        if not await run_once(rt):
            await wait_for_work(rt.inbox_wakeup, await queue.next_incoming_due(rt.db.reader))


async def run_once(rt: Runtime) -> int:
    """Claim one batch of due rows and handle them; returns how many were claimed."""
    async with rt.db.transaction() as conn:
        rows = await queue.claim_incoming(conn, limit=BATCH, lock_seconds=LOCK_SECONDS)
    for row in rows:
        await _handle_row(rt, row)
    return len(rows)


async def _handle_row(rt: Runtime, row) -> None:
    activity = json.loads(row["data"])
    handler = HANDLERS.get(row["type"])
    error, delay = None, None
    if handler is not None:
        try:
            signer = await actors_store.get_actor_by_ap_id(rt.db.reader, row["signer_ap_id"])
            if signer is None:
                raise NotFound(f"the signer {row['signer_ap_id']} is no longer known")
            await handler(HandlerContext(rt, signer, row["recipient_username"]), activity)
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
