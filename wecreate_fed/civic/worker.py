"""The civic worker: publishes changed support, share and comment counts of local ideas as Update
(and the totals of polls, civic/polls/updates.py).

Counts are recounted from the facts in the same transaction as each change; this worker only
tells other servers, bundling a burst of changes (SETTLE_SECONDS) into one Update per idea:
the Update, its deliveries and the cleared flag are one transaction (ideas.publish_counts).
Each idea is its own row: one that fails records the error and is retried with back-off,
the others go out meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from wecreate_fed import retry
from wecreate_fed.errors import WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import iso, iso_in
from wecreate_fed.workers import Worker

from . import ideas, polls

log = logging.getLogger(__name__)
SETTLE_SECONDS = 2.0
BATCH = 50
LEASE_SECONDS = 120.0   # an idea claimed by a worker that died is published by another after this


class CivicWorker(Worker):
    name = "civic-worker"

    def __init__(self, rt: Runtime, *, settle_seconds: float = SETTLE_SECONDS):
        super().__init__(rt.civic_wakeup)
        self.rt = rt
        self.settle_seconds = settle_seconds
        self._claimed: set[int] = set()

    async def run_once(self) -> int:
        # Claimed (a lease), so that the civic workers of several processes never publish one change twice.
        async with self.rt.db.transaction() as conn:
            rows = await civic_store.claim_unpublished_counts(
                conn, changed_before=iso_in(-self.settle_seconds), limit=BATCH, lease_seconds=LEASE_SECONDS)
        self._claimed.update(row.id for row in rows)
        for row in rows:
            if self.stopping.is_set():
                break  # the flag stays set; released at stop, the next round publishes it
            try:
                await ideas.publish_counts(self.rt, row)
            except Exception as e:
                if not isinstance(e, WeCreateError):
                    log.exception("publishing the counts of %s failed", row.ap_id)
                delay = retry.inbox_delay(row.counts_attempts)
                log.warning("counts of %s: %s (%s)", row.ap_id, e,
                            "given up" if delay is None else f"retry in {delay:.0f} s")
                async with self.rt.db.transaction() as conn:
                    await civic_store.mark_counts_failed(conn, row.id, f"{type(e).__name__}: {e}", delay)
            self._claimed.discard(row.id)
        return len(rows) + await polls.publish_due(self.rt, self.stopping)  # polls' new totals, batched too

    async def release(self) -> None:
        if self._claimed:
            async with self.rt.db.transaction() as conn:
                await civic_store.release_counts(conn, sorted(self._claimed))
            self._claimed.clear()

    async def next_due(self) -> str | None:
        """A change goes out once it has settled (a retry a little later than due: harmless); a poll's
        Update when due (its own settling is in its due time)."""
        due = await civic_store.next_counts_due(self.rt.db.reader)
        poll_due = await polls.next_due(self.rt)
        if due is None:
            return poll_due
        moment = iso(datetime.fromisoformat(due.replace("Z", "+00:00")) + timedelta(seconds=self.settle_seconds))
        return min(moment, poll_due) if poll_due else moment
