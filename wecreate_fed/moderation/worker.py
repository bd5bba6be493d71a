"""The end of a local suspension's grace period: the account is deleted as its owner would delete
it (civic.accounts.delete_account_data), so its followers' servers receive the Delete, and the
action is marked carried out (audited as the system's) in the same last transaction.

A periodic worker under the app's Supervisor: it sleeps until the next suspension falls due (or
MAX_IDLE_WAIT, or a wake-up after a new suspension). One that fails is logged and tried again
at the next round; the others go ahead.
"""

from __future__ import annotations

import logging

from wecreate_fed.civic import accounts
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, audit, iso, sanctions
from wecreate_fed.store import actors as actors_store
from wecreate_fed.workers import Worker

from .roles import SYSTEM

log = logging.getLogger(__name__)
BATCH = 10


class SuspensionWorker(Worker):
    name = "suspension-worker"

    def __init__(self, rt: Runtime):
        super().__init__(rt.moderation_wakeup)
        self.rt = rt
        self.failed: set[int] = set()   # tried this round already; retried after the next sleep

    async def run_once(self) -> int:
        rows = [r for r in await sanctions.due_suspensions(self.rt.db.reader, now=iso(), limit=BATCH + len(self.failed))
                if r["id"] not in self.failed][:BATCH]
        for row in rows:
            if self.stopping.is_set():
                break
            try:
                await carry_out(self.rt, row["id"], row["account_id"])
            except Exception:
                log.exception("deleting the suspended account of action %s failed", row["id"])
                self.failed.add(row["id"])
        if not rows:
            self.failed.clear()
        return len(rows)

    async def next_due(self) -> str | None:
        return await sanctions.next_suspension_due(self.rt.db.reader)


async def carry_out(rt: Runtime, action_id: int, account_id: int) -> None:
    """Delete the suspended account and its content; the Delete goes to its followers' servers."""
    actor = await actors_store.get_actor(rt.db.reader, account_id)

    async def mark(conn: Connection) -> None:
        await sanctions.mark_carried_out(conn, action_id)
        await audit.record(conn, SYSTEM.actor_id, SYSTEM.name, "account.delete", actor.ap_id if actor else "",
                           before={"action": action_id, "deleted": False}, after={"action": action_id, "deleted": True})

    if actor is None or actor.deleted_at is not None:  # deleted meanwhile by its owner
        async with rt.db.transaction() as conn:
            await mark(conn)
        return
    await accounts.delete_account_data(rt, actor, also=mark)
