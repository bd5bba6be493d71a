"""The purge of deleted accounts, `accounts.deletion_grace_days` after their deletion.

Deleting an account (civic/accounts.delete_account_data, by its owner or at the end of a
suspension) refuses its logins, turns its content into Tombstones and sends the Deletes at once;
the grace period leaves the deliveries of those Deletes time to finish (an account whose
deliveries are still pending waits for them) and the moderators time to finish a case. Then this
worker removes the rest (store/purge.py says what goes and what stays).

A periodic worker under the app's Supervisor: it sleeps until the next purge falls due (at most
MAX_IDLE_WAIT). One purge that fails is logged and tried again at the next round.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from wecreate_fed.runtime import Runtime
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import purge as store
from wecreate_fed.workers import Worker

log = logging.getLogger(__name__)
BATCH = 10
# Seconds between two looks at an account that is due but whose Delete is still being delivered.
DELIVERY_POLL = 10.0


def grace(rt: Runtime) -> timedelta:
    return timedelta(days=rt.config.accounts_deletion_grace_days)


def purge_due_at(rt: Runtime, deleted_at: str) -> str:
    """When an account deleted at `deleted_at` is purged (at the earliest)."""
    return iso(datetime.fromisoformat(deleted_at.replace("Z", "+00:00")) + grace(rt))


async def purge_due(rt: Runtime, *, limit: int = BATCH, skip: set[int] | None = None) -> int:
    """Purge the accounts whose grace period is over (but those in `skip`, which failed this round
    and go there too if they fail again); how many were tried."""
    skip = skip if skip is not None else set()
    due = await store.due_accounts(rt.db.reader, deleted_before=iso(utcnow() - grace(rt)), limit=limit + len(skip))
    due = [actor_id for actor_id in due if actor_id not in skip][:limit]
    for actor_id in due:
        try:
            async with rt.db.transaction() as conn:
                await store.purge_account(conn, actor_id)
            log.info("purged the deleted account %s", actor_id)
        except Exception:
            log.exception("purging the deleted account %s failed; tried again later", actor_id)
            skip.add(actor_id)
    return len(due)


class PurgeWorker(Worker):
    name = "purge-worker"

    def __init__(self, rt: Runtime):
        super().__init__(rt.purge_wakeup)
        self.rt = rt
        self.failed: set[int] = set()

    async def run_once(self) -> int:
        tried = await purge_due(self.rt, skip=self.failed)
        if not tried:
            self.failed.clear()   # retried after the next sleep
        return tried

    async def next_due(self) -> str | None:
        if self.failed:
            return None   # a failed one is due already: wait the idle time rather than spin
        first = await store.first_deleted(self.rt.db.reader)
        if first is None:
            return None
        # Past due means its deliveries are still going (or it was purged a moment ago): look again soon.
        due = purge_due_at(self.rt, first)
        return due if due > iso() else iso(utcnow() + timedelta(seconds=DELIVERY_POLL))
